from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from egov.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and the stored files, consistently, into an empty folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)

    def handle(self, *args: Any, folder: Path, **options: Any) -> None:
        try:
            manifest = backup(folder)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"{folder}: the {manifest['engine']} database ({rows} rows) and"
                f" {len(manifest['files'])} files"
            )
        )
