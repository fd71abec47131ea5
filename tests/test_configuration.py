"""Project-level checks: configuration documented, deploy checks clean, migrations complete."""

import re
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]


def test_every_environment_variable_is_documented() -> None:
    settings_source = (ROOT / "src/egov/config/settings.py").read_text()
    names = set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', settings_source))
    names |= set(re.findall(r'env_(?:bool|list)\("([A-Z_]+)"', settings_source))
    documented = (ROOT / "docs/configuration.md").read_text()
    missing = sorted(name for name in names if f"`{name}`" not in documented)
    assert names and not missing, f"undocumented environment variables: {missing}"


def test_production_settings_pass_the_deploy_checks() -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "egov.config.settings",
        "SECRET_KEY": "x" * 64 + "-production-like-secret-for-the-check",
        "AUDIT_HMAC_KEY": "y" * 64,
        "GATEWAY_TOKEN_KEY": "z" * 64,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "dichvucong.example.gov.vn",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_settings_refuse_to_start_without_a_secret_key() -> None:
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "egov.config.settings", "DEBUG": "0"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_settings_refuse_to_start_without_an_audit_key() -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "egov.config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "x" * 64,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "AUDIT_HMAC_KEY must be set" in result.stderr


def test_migrations_are_complete(db: object) -> None:
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
