"""Another egov deployment for tests that cross deployments (OpenID Connect login, national sync):
its own SQLite database, keys and media under a temporary folder, ``manage.py`` to prepare it, and
uvicorn serving it on a free loopback port."""

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
#: One database migrated from scratch per test process, copied for each deployment: running
#: every migration takes a fresh process most of a minute on a busy machine.
_migrated: list[Path] = []


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Deployment:
    def __init__(self, folder: Path, name: str, **environment: str):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"{name}.log"
        self.database = folder / f"{name}.sqlite3"
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", str(folder)),
            "DJANGO_SETTINGS_MODULE": "egov.config.settings",
            "DEBUG": "1",  # plain http on 127.0.0.1, as `make run` does
            "SECRET_KEY": f"{name}-secret-key-for-a-test-of-two-deployments",
            "DATABASE_URL": f"sqlite:///{self.database}",
            "OIDC_KEYS_DIR": str(folder / f"{name}-keys"),
            "MEDIA_ROOT": str(folder / f"{name}-media"),
            "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "EGOV_FAST_PASSWORD_HASHER": "1",
            "LOG_LEVEL": "WARNING",
            **environment,
        }

    def manage(self, *args: str) -> str:
        """Run a management command in the deployment; its output, or the test fails."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def migrate(self) -> None:
        """``manage.py migrate`` on the deployment's empty database: the first deployment of the
        test process runs it, the others start from a copy of what it made."""
        if not _migrated:
            template = Deployment(Path(tempfile.mkdtemp(prefix="egov-migrated-")), "template")
            template.manage("migrate", "--no-input", "-v0")
            _migrated.append(template.database)
        for suffix in ("", "-wal", "-shm"):  # with the write-ahead log, if one was left
            made = Path(f"{_migrated[0]}{suffix}")
            if made.exists():
                shutil.copyfile(made, f"{self.database}{suffix}")

    @contextmanager
    def serving(self, ready_path: str) -> Iterator[str]:
        """Serve the deployment until the block ends; wait until ``ready_path`` answers 200."""
        # As `make run`: the peer is the client (egov.identity.clientip decides on proxies).
        options = ["--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"]
        options += ["--no-proxy-headers"]
        with self.log.open("wb") as output:
            server = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "egov.config.asgi:application", *options],
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            self._wait_until_up(f"{self.url}{ready_path}", server)
            yield self.url
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    def _wait_until_up(self, url: str, server: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                pytest.fail(f"deployment {self.name} stopped:\n{self.log.read_text()}")
            try:
                if requests.get(url, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        pytest.fail(f"deployment {self.name} did not answer at {url}:\n{self.log.read_text()}")


class Site:
    """A deployment as it runs: its web server and a task worker (the database task backend),
    driven by ``manage.py shell`` and read through its SQLite database."""

    def __init__(self, folder: Path, name: str, **environment: str):
        self.folder = folder
        self.deployment = Deployment(
            folder,
            name,
            TASKS_BACKEND="django_tasks_db.DatabaseBackend",
            TASK_LEASE_SECONDS="3",
            **environment,
        )
        self.workers: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        return self.deployment.url

    def shell(self, code: str) -> str:
        return self.deployment.manage("shell", "-c", code)

    def stored(self, file_id: int) -> bytes:
        """The bytes of a ``core.StoredFile`` of the deployment (its file storage is a folder)."""
        ((digest,),) = self.query(f"select sha256 from core_storedfile where id = {int(file_id)}")
        return (
            Path(self.deployment.env["MEDIA_ROOT"]) / "cas" / digest[:2] / digest[2:4] / digest
        ).read_bytes()

    def query(self, sql: str) -> list[tuple]:
        with sqlite3.connect(self.deployment.database, timeout=30) as db:
            return db.execute(sql).fetchall()

    def start_worker(self) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{self.deployment.name}-worker.log").open("ab")
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.1"],
            cwd=ROOT,
            env=self.deployment.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.workers.append(worker)
        return worker

    @contextmanager
    def running(self) -> Iterator[None]:
        with self.deployment.serving("/healthz/live"):
            self.start_worker()
            try:
                yield
            finally:
                for worker in self.workers:
                    worker.terminate()
                for worker in self.workers:
                    try:
                        worker.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        worker.kill()


def wait_until(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}")
