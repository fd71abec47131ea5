from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from egov.catalog.definitions import CatalogError
from egov.catalog.services import load_catalog


class Command(BaseCommand):
    help = "Validate the procedure and group files and store new versions (default folder: CATALOG_DIR)."

    def add_arguments(self, parser):
        parser.add_argument("folder", nargs="?", default=str(settings.CATALOG_DIR))

    def handle(self, *args: object, **options: str) -> None:
        try:
            report = load_catalog(Path(options["folder"]))
        except CatalogError as exc:
            raise CommandError(f"catalogue not loaded:\n{exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.created} new procedure versions, {report.unchanged} unchanged;"
                f" {report.groups_created} new group versions, {report.groups_unchanged} unchanged"
            )
        )
