from pathlib import Path

import yaml
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from egov.core.errors import ServiceError
from egov.interconnected.services import load_activations


class Command(BaseCommand):
    help = (
        "Store which provinces run which interconnected groups and where each member is"
        " performed (default: data/interconnected.yaml)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(settings.INTERCONNECTED_FILE))

    def handle(self, *args: object, **options: str) -> None:
        try:
            count = load_activations(yaml.safe_load(Path(options["file"]).read_text("utf-8")))
        except (OSError, yaml.YAMLError, ServiceError) as exc:
            raise CommandError(f"activations not loaded: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"{count} group activations"))
