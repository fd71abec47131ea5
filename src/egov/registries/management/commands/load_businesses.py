from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from egov.registries.services import load_businesses


class Command(BaseCommand):
    help = "Load the business registry's records from a YAML file (default data/businesses.yaml)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", nargs="?", default=str(Path(settings.BASE_DIR) / "data" / "businesses.yaml")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = load_businesses(Path(options["file"]))
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            f"business registry: {counts['created']} created, {counts['updated']} updated"
        )
