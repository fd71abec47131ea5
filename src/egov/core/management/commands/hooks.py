"""``manage.py hooks``: every hook point of the installed parts, its contract, and what is
registered on it, in the order it runs (docs/architecture.md "Extension points")."""

import textwrap
from typing import Any

from django.core.management.base import BaseCommand

from egov.core.hooks import points


class Command(BaseCommand):
    help = "List the hook points of the installed parts and what is registered on each."

    def handle(self, *args: Any, **options: Any) -> None:
        for point in points():
            self.stdout.write(self.style.MIGRATE_HEADING(point.name))
            self.stdout.write(textwrap.indent(textwrap.fill(point.contract, 96), "    "))
            for name in point.names() or ["(nothing registered)"]:
                self.stdout.write(f"  - {name}")
            self.stdout.write("")
