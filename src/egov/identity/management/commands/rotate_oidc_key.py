"""Create, rotate and list the identity provider's signing keys (PEM files in OIDC_KEYS_DIR)."""

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from oauth2_provider.utils import jwk_from_pem

from egov.identity.oidc.signing_keys import KEEP_INACTIVE, key_files, write_new_key


def key_id(pem: str) -> str:
    """The ``kid`` a key has in the JWKS and in the headers of the ID tokens it signs."""
    return str(jwk_from_pem(pem).thumbprint())


class Command(BaseCommand):
    help = (
        "Create a new signing key for the OpenID Connect provider in OIDC_KEYS_DIR. The newest key"
        f" signs ID tokens; the {KEEP_INACTIVE} before it stay published in the JWKS, so tokens"
        " they signed still verify; older ones are deleted. Restart the server (every node) to"
        " sign with the new key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="Create a key only when there is none yet (for start-up scripts).",
        )
        parser.add_argument(
            "--list", action="store_true", help="List the keys with their kid; change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        folder = Path(settings.OIDC_KEYS_DIR)
        if options["list"]:
            self._list(folder)
        elif options["if_missing"] and key_files(folder):
            self.stdout.write(f"signing key present in {folder}")
        else:
            self._rotate(folder)

    def _rotate(self, folder: Path) -> None:
        path = write_new_key(folder, timezone.now().strftime("%Y%m%dT%H%M%S%fZ"))
        self.stdout.write(
            self.style.SUCCESS(f"new signing key {path.name} (kid {key_id(path.read_text())})")
        )
        for retired in key_files(folder)[1 + KEEP_INACTIVE :]:
            retired.unlink()
            self.stdout.write(f"deleted {retired.name}: no longer published")
        if os.environ.get("OIDC_RSA_PRIVATE_KEY"):
            self.stdout.write(
                self.style.WARNING(
                    "OIDC_RSA_PRIVATE_KEY is set: that key keeps signing; the files are published"
                    " as inactive keys."
                )
            )
        self.stdout.write("Restart the server to sign with the new key.")

    def _list(self, folder: Path) -> None:
        """The keys as the server loads them when it starts: kid, role, file."""
        rows: list[tuple[str, str]] = []
        from_environment = os.environ.get("OIDC_RSA_PRIVATE_KEY", "")
        if from_environment:
            rows.append((from_environment, "(OIDC_RSA_PRIVATE_KEY)"))
        rows += [(path.read_text(), path.name) for path in key_files(folder)]
        if not rows:
            self.stdout.write(f"no signing key in {folder}: run `manage.py rotate_oidc_key`")
        for index, (pem, where) in enumerate(rows):
            if index == 0:
                role = "active"
            elif index <= KEEP_INACTIVE:
                role = "inactive"
            else:
                role = "retired"  # on disk, not published; the next rotation deletes it
            self.stdout.write(f"{key_id(pem)}  {role:<8}  {where}")
