"""Backup and restore of a deployment: the database and the stored files, consistent with each
other, and a manifest that proves a restore lost nothing (docs/operations.md, "Backups").

The database is copied first, by the engine's own tool (PostgreSQL's ``pg_dump``, SQLite's
online backup), then every stored file the copy names. Stored files are content-addressed and
never rewritten, and a file is written before the row that names it commits: so every file
the database copy names exists when it is copied, however busy the deployment is meanwhile.
The manifest counts the rows of every table of egov's parts and gives each file's SHA-256;
:func:`check` compares a running deployment with it.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from .audit import chain_problem
from .files import open_stored
from .models import StoredFile

FORMAT = "egov-backup/1"
MANIFEST = "manifest.json"


class BackupError(Exception):
    """The backup or restore cannot be done, or a restored deployment differs from it."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _engine() -> str:
    vendor = connections[DEFAULT_DB_ALIAS].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"No backup for the {vendor} engine.")
    return vendor


def _pg_environment() -> tuple[list[str], dict[str, str]]:
    """libpq arguments and environment for the default database (the password stays out of
    the command line)."""
    db = connections[DEFAULT_DB_ALIAS].settings_dict
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = {"PGPASSWORD": str(db["PASSWORD"])} if db.get("PASSWORD") else {}
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(  # noqa: S603  (the engine's own tools, arguments from settings)
        command, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:500]}")


def counts() -> dict[str, int]:
    """Rows per table of egov's parts."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model.__module__.startswith("egov.")
    }


def backup(target: Path) -> dict[str, Any]:
    """Write the database copy, the stored files and the manifest into the empty folder
    ``target``; return the manifest."""
    target.mkdir(parents=True, exist_ok=True)
    if any(target.iterdir()):
        raise BackupError(f"{target} is not empty.")
    engine = _engine()
    if engine == "sqlite":
        database = target / "database.sqlite3"
        source = connections[DEFAULT_DB_ALIAS]
        source.ensure_connection()
        copy = sqlite3.connect(database)
        try:
            source.connection.backup(copy)  # a consistent snapshot, taken online
        finally:
            copy.close()
    else:
        database = target / "database.dump"
        args, env = _pg_environment()
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(database), *args], env)
    # The rows as the copy has them: counted after it, they can only be as many or more.
    manifest_counts = counts()
    files_dir = target / "files"
    files: dict[str, int] = {}
    for stored in StoredFile.objects.order_by("sha256").iterator():
        path = files_dir / stored.storage_name
        path.parent.mkdir(parents=True, exist_ok=True)
        with open_stored(stored) as source_file, path.open("wb") as out:
            shutil.copyfileobj(source_file, out)
        if _sha256(path) != stored.sha256:
            raise BackupError(f"The stored file {stored.sha256} does not match its SHA-256.")
        files[stored.sha256] = stored.size
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "engine": engine,
        "database": {"file": database.name, "sha256": _sha256(database)},
        "counts": manifest_counts,
        "files": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest


def read_manifest(source: Path) -> dict[str, Any]:
    """The manifest of a complete backup. It is written last, so a backup that was stopped
    half-way (killed, disk full) has none and is refused, never half restored."""
    if not (source / MANIFEST).is_file():
        raise BackupError(f"{source} holds no complete backup (no {MANIFEST}).")
    manifest = json.loads((source / MANIFEST).read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source} is not an egov backup.")
    database = source / manifest["database"]["file"]
    if _sha256(database) != manifest["database"]["sha256"]:
        raise BackupError("The database copy does not match the manifest's SHA-256.")
    return manifest


def restore(source: Path) -> dict[str, Any]:
    """Restore a backup into this deployment's database, which must be empty (new), and its
    file storage; return the manifest."""
    manifest = read_manifest(source)
    if manifest["engine"] != _engine():
        raise BackupError(f"This is a {manifest['engine']} backup; the database is {_engine()}.")
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.introspection.table_names():
        raise BackupError("The database is not empty: restore into a new database.")
    database = source / manifest["database"]["file"]
    if manifest["engine"] == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(database)
        try:
            copy.backup(connection.connection)
        finally:
            copy.close()
    else:
        args, env = _pg_environment()
        _run(["pg_restore", "--no-owner", "--exit-on-error", *args, str(database)], env)
    for sha256 in manifest["files"]:
        stored = StoredFile(sha256=sha256)
        if not default_storage.exists(stored.storage_name):
            data = (source / "files" / stored.storage_name).read_bytes()
            default_storage.save(stored.storage_name, ContentFile(data))
    return manifest


def check(manifest: dict[str, Any]) -> list[str]:
    """What differs between this deployment and ``manifest``: rows missing from a table, a
    file missing or changed, a broken audit chain. Empty when nothing was lost."""
    problems = []
    found = counts()
    for label, expected in sorted(manifest["counts"].items()):
        if found.get(label, 0) < expected:
            problems.append(f"{label}: {found.get(label, 0)} rows, the backup had {expected}")
    for sha256 in manifest["files"]:
        stored = StoredFile.objects.filter(sha256=sha256).first()
        if stored is None:
            problems.append(f"file {sha256}: no row")
            continue
        digest = hashlib.sha256()
        try:
            with open_stored(stored) as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
        except FileNotFoundError:
            problems.append(f"file {sha256}: missing")
            continue
        if digest.hexdigest() != sha256:
            problems.append(f"file {sha256}: its content changed")
    chain = chain_problem()
    if chain:
        problems.append(f"audit chain: {chain}")
    return problems
