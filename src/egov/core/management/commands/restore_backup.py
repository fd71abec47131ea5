from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from egov.core.backup import BackupError, check, restore


class Command(BaseCommand):
    help = (
        "Restore a backup into this deployment's new, empty database and its file storage,"
        " then check that nothing was lost."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)

    def handle(self, *args: Any, folder: Path, **options: Any) -> None:
        try:
            manifest = restore(folder)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        problems = check(manifest)
        if problems:
            raise CommandError("Restored, but it differs from the backup:\n" + "\n".join(problems))
        self.stdout.write(self.style.SUCCESS(f"restored {folder}: nothing lost"))
