"""A worker killed (SIGKILL) while it signs a result: another worker takes the task up once the
lease has expired, and the result is signed exactly once; the applicant hears of it only then.

Real processes on a file SQLite database of their own (tests.deployments): `manage.py db_worker`
as `make run` starts it. The first worker's signing is made slow, so that it dies mid-signing."""

import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.deployments import ROOT, Deployment

pytestmark = pytest.mark.xdist_group("deployments")

#: The demo's received birth registration, assigned, proposed and approved: signing is enqueued.
APPROVE = """
from egov.dossiers import services
from egov.dossiers.demo import load_demo
from egov.dossiers.models import Dossier
from egov.identity.models import User
load_demo()
dossier = Dossier.objects.get()
services.assign(dossier.pk, User.objects.get(username="tiepnhan.badinh"),
                User.objects.get(username="xuly.badinh"))
services.propose(dossier.pk, User.objects.get(username="xuly.badinh"))
services.approve(dossier.pk, User.objects.get(username="pheduyet.badinh"))
print("dossier", dossier.pk)
"""

#: A worker whose signing takes long enough to be killed in the middle of it.
SLOW_WORKER = """
import sys, time
from pathlib import Path
import django
django.setup()
from django.core.management import call_command
from egov.records import signing
real = signing.sign_pdf
def slow_sign_pdf(*args, **kwargs):
    Path(sys.argv[1]).write_text("signing")
    time.sleep(600)
    return real(*args, **kwargs)
signing.sign_pdf = slow_sign_pdf
call_command("db_worker", "--no-reload", "--no-startup-delay", "--worker-id", "first")
"""


def wait_for(what: str, condition: Callable[[], Any], timeout: float = 180) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


@contextmanager
def process(command: list[str], deployment: Deployment, log: Path) -> Iterator[subprocess.Popen]:
    with log.open("wb") as output:
        worker = subprocess.Popen(
            command, cwd=ROOT, env=deployment.env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        yield worker
    finally:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


def test_a_result_whose_worker_was_killed_mid_signing_is_signed_exactly_once(
    tmp_path: Path,
) -> None:
    site = Deployment(
        tmp_path,
        "tasks",
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        TASK_LEASE_SECONDS="3",
    )
    site.migrate()
    site.manage("shell", "-c", APPROVE)
    database = sqlite3.connect(tmp_path / "tasks.sqlite3", timeout=30)

    def one(sql: str) -> Any:
        with closing(database.execute(sql)) as cursor:
            row = cursor.fetchone()
        database.commit()  # end the read, so that the next one sees the workers' commits
        return row[0] if row else None

    def sign_task(column: str) -> Any:
        return one(
            f"SELECT {column} FROM django_tasks_database_dbtaskresult"
            " WHERE task_path = 'egov.records.tasks.sign_result'"
        )

    # The messages delivered by a worker (the portal's notification is recorded at once).
    result_told = (
        "SELECT count(*) FROM core_notification WHERE channel IN ('email', 'sms')"
        " AND object_type = 'dossier' AND topic IN ('result_ready', 'result_signed')"
    )
    assert sign_task("status") == "READY"
    assert one(result_told) == 0  # approved, not signed: nothing said yet

    started = tmp_path / "signing-started"
    command = [sys.executable, "-c", SLOW_WORKER, str(started)]
    with process(command, site, tmp_path / "first.log") as first:
        wait_for("the first worker to sign", started.exists)
        assert sign_task("status") == "RUNNING"
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=30) == -signal.SIGKILL
    # Dead mid-signing: the task stays RUNNING, nothing signed, nothing said.
    assert sign_task("status") == "RUNNING"
    assert one("SELECT status FROM records_resultdocument") == "pending"
    assert one(result_told) == 0
    files_before = one("SELECT count(*) FROM core_storedfile")

    command = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"]
    with process([*command, "--worker-id", "second"], site, tmp_path / "second.log"):
        wait_for(
            "the second worker to sign",
            lambda: sign_task("status") == "SUCCESSFUL",
        )
        wait_for("the notices to go", lambda: one(f"{result_told} AND status = 'sent'") == 2)
    assert sign_task("worker_ids") == '["first", "second"]'
    assert one("SELECT status || ' ' || attempts FROM records_resultdocument") == "signed 1"
    assert one("SELECT count(*) FROM dossiers_dossierevent WHERE kind = 'result_signed'") == 1
    assert one("SELECT count(*) FROM core_storedfile") == files_before + 1  # one signed PDF
    assert one(
        "SELECT d.result_file_id = r.file_id FROM dossiers_dossier d"
        " JOIN records_resultdocument r ON r.dossier_id = d.id"
    )
    assert one(f"{result_told} AND topic = 'result_signed'") == one(result_told) == 2
    in_portal = "SELECT count(*) FROM core_notification WHERE channel = 'portal'"
    assert one(f"{in_portal} AND topic = 'result_signed'") == 1
    assert one("SELECT count(*) FROM core_workerheartbeat") == 0  # the second stopped cleanly
    database.close()
