"""Forget Idempotency-Keys older than a number of days (7 by default); run it daily."""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from egov.core.idempotency import KEEP_FOR, purge


class Command(BaseCommand):
    help = "Delete Idempotency-Keys (and the answers kept with them) older than --days days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=KEEP_FOR.days)

    def handle(self, *args: Any, **options: Any) -> None:
        count = purge(timedelta(days=max(options["days"], 0)))
        self.stdout.write(f"{count} idempotency keys purged")
