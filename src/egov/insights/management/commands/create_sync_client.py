"""manage.py create_sync_client NAME UNIT_CODE...: let a deployment push its units' dossiers."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from egov.core.models import Agency
from egov.insights.sync import create_client


class Command(BaseCommand):
    help = (
        "Register a ministry or province deployment that may push dossiers of the given units "
        "(and every unit below them) to this one; prints its NATIONAL_SYNC_TOKEN once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("units", nargs="+", help="agency codes, e.g. 000.00.00.H26")

    def handle(self, *args: Any, name: str, units: list[str], **options: Any) -> None:
        agencies = list(Agency.objects.filter(code__in=units))
        missing = set(units) - {a.code for a in agencies}
        if missing:
            raise CommandError(f"unknown units: {', '.join(sorted(missing))}")
        client, token = create_client(name, agencies)
        self.stdout.write(f"sync client {client.pk}: {client.name}")
        self.stdout.write(f"NATIONAL_SYNC_TOKEN={token}")
