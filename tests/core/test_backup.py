"""The backup drill: back up a deployment with a signed result, restore it into a new database
and folder in another process, and prove nothing was lost (counts, files' SHA-256, audit chain,
the result still verifies); a changed file is named."""

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from egov.core.backup import BackupError, backup, restore
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """The URL of a database that does not exist yet, of the engine the tests run on."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    params = connection.settings_dict
    name = f"egov_restore_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(
        host=params["HOST"],
        port=params["PORT"] or 5432,
        user=params["USER"],
        password=params["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    user = params["USER"]
    yield f"postgres://{user}@{params['HOST']}:{params['PORT'] or 5432}/{name}"
    admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.close()


def manage(*args: str, database_url: str, media: Path) -> subprocess.CompletedProcess[str]:
    """manage.py in another process, on the restored deployment's database and folder, with the
    keys of this one (the signing keys are kept encrypted under SECRET_KEY)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "egov.config.settings",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media),
        "DEBUG": "1",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_restored_backup_has_every_row_file_and_signature(
    make_dossier: Callable[..., Dossier], tmp_path: Path, fresh_database: str
) -> None:
    make_dossier(Status.RESULT_READY)  # uploads, a signed result, audit rows
    make_dossier(Status.RECEIVED)
    folder = tmp_path / "backup"
    call_command("backup", folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["counts"]["dossiers.Dossier"] == 2
    assert manifest["counts"]["records.ResultDocument"] >= 1
    assert len(manifest["files"]) >= 3

    media = tmp_path / "restored-media"
    restored = manage("restore_backup", str(folder), database_url=fresh_database, media=media)
    assert restored.returncode == 0, restored.stderr
    assert "nothing lost" in restored.stdout
    verified = manage("verify_results", database_url=fresh_database, media=media)
    assert verified.returncode == 0, verified.stderr
    assert "1 signed results verify" in verified.stdout

    # A file changed after the restore is named by the check.
    changed = next(path for path in media.rglob("*") if path.is_file())
    changed.write_bytes(changed.read_bytes() + b"tampered")
    checked = manage("verify_backup", str(folder), database_url=fresh_database, media=media)
    assert checked.returncode != 0
    assert f"file {changed.name}: its content changed" in checked.stderr

    # A restore never overwrites a database that holds data.
    again = manage("restore_backup", str(folder), database_url=fresh_database, media=media)
    assert again.returncode != 0 and "not empty" in again.stderr


def test_a_backup_goes_into_an_empty_folder_only(tmp_path: Path) -> None:
    (tmp_path / "something").write_text("x")
    with pytest.raises(BackupError, match="not empty"):
        backup(tmp_path)


def test_a_backup_stopped_half_way_is_refused_not_half_restored(tmp_path: Path) -> None:
    """The manifest is written last: a backup killed before it (SIGKILL, disk full) has none."""
    (tmp_path / "database.sqlite3").write_bytes(b"half a copy")
    with pytest.raises(BackupError, match="no complete backup"):
        restore(tmp_path)
