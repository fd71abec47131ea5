from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from egov.core.services import AgencyFileError, load_agencies


class Command(BaseCommand):
    help = "Create or update the agency tree from a YAML file (default: AGENCIES_FILE)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(settings.AGENCIES_FILE))

    def handle(self, *args: object, **options: str) -> None:
        try:
            count = load_agencies(Path(options["path"]))
        except AgencyFileError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"{count} agencies loaded"))
