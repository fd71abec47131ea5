from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from egov.core.backup import BackupError, check, read_manifest


class Command(BaseCommand):
    help = (
        "Check this deployment against a backup's manifest: every row and file is there, each"
        " file's SHA-256 matches, the audit chain is intact."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)

    def handle(self, *args: Any, folder: Path, **options: Any) -> None:
        try:
            problems = check(read_manifest(folder))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if problems:
            raise CommandError("\n".join(problems))
        self.stdout.write(self.style.SUCCESS("nothing lost"))
