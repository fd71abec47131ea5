from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from egov.gateway.services import load_directory


class Command(BaseCommand):
    help = (
        "Join this deployment's member systems, their services and grants to the data-sharing "
        "gateway from a YAML file (default data/gateway.yaml); idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", nargs="?", default=str(Path(settings.BASE_DIR) / "data" / "gateway.yaml")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = load_directory(Path(options["file"]))
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        except (ValidationError, ObjectDoesNotExist, KeyError) as exc:
            raise CommandError(f"{options['file']}: {exc}") from exc
        self.stdout.write(
            "gateway: {members} members, {services} services, {grants} grants".format(**counts)
        )
