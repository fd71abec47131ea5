import getpass
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from egov.core.models import Agency
from egov.records import pki
from egov.records.errors import PkiError


class Command(BaseCommand):
    help = (
        "Import an agency's signing certificate issued by a real CA from a PKCS#12 (.p12/.pfx) "
        "file; its private key is stored encrypted with SIGNING_KEY_PASSWORD."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("agency", help="the agency's electronic code, e.g. 000.00.31.H26")
        parser.add_argument("p12", type=Path, help="the PKCS#12 file")
        parser.add_argument(
            "--passphrase-env",
            default="P12_PASSPHRASE",
            help="environment variable holding the file's passphrase (asked for when unset)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        agency = Agency.objects.filter(code=options["agency"]).first()
        if agency is None:
            raise CommandError(f"No agency has the code {options['agency']}.")
        passphrase = os.environ.get(options["passphrase_env"])
        if passphrase is None:
            passphrase = getpass.getpass("PKCS#12 passphrase: ")
        try:
            row = pki.import_pkcs12(
                agency, options["p12"].read_bytes(), passphrase.encode() or None
            )
        except PkiError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Imported {row.subject}, valid until {row.not_after:%Y-%m-%d}.")
