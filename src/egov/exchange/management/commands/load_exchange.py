from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from egov.exchange import routing


class Command(BaseCommand):
    help = "Load the document axis' address book (nodes and the agencies they serve) from YAML."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default="data/exchange.yaml", type=Path)

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        counts = routing.load_address_book(path)
        self.stdout.write(f"{counts['nodes']} nodes, {counts['routes']} routes")
