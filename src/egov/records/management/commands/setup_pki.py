from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from egov.records import pki


class Command(BaseCommand):
    help = (
        "Create the development root CA, the time-stamping certificate and a signing certificate "
        "for every active agency (idempotent; only when the development CA is on)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.SIGNING_DEV_CA:
            self.stdout.write("SIGNING_DEV_CA is off: import agency certificates instead.")
            return
        certificates = pki.ensure_development_pki()
        self.stdout.write(f"{len(certificates)} certificates ready.")
