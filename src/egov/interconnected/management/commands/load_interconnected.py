from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from egov.core.errors import ServiceError
from egov.interconnected.services import load_activations, read_activations


class Command(BaseCommand):
    help = (
        "Store which provinces run which interconnected groups and where each member is"
        " performed (default: data/interconnected.yaml). All or nothing: a wrong file is"
        " refused naming each entry at fault."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(settings.INTERCONNECTED_FILE))

    def handle(self, *args: object, **options: str) -> None:
        try:
            count = load_activations(read_activations(Path(options["file"])))
        except ServiceError as exc:
            raise CommandError(f"activations not loaded: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"{count} group activations"))
