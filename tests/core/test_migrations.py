"""The models and the committed migrations agree (Open Forms' `makemigrations --check`)."""

import io
from typing import Any

from django.core.management import call_command


def test_no_missing_migrations(db: Any) -> None:
    out = io.StringIO()
    # Exits with status 1 (SystemExit) when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    assert "No changes detected" in out.getvalue()
