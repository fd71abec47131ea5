"""manage.py rebuild_indicators: recompute local facts from events and every count from facts."""

import time
from typing import Any

from django.core.management.base import BaseCommand

from egov.insights.services import rebuild


class Command(BaseCommand):
    help = "Recompute the dossier facts of this deployment from their events and every indicator count."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        changed = rebuild()
        elapsed = time.monotonic() - started
        self.stdout.write(f"rebuilt indicators: {changed} facts changed, {elapsed:.1f}s")
