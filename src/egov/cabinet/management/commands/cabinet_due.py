from typing import Any

from django.core.management.base import BaseCommand

from egov.cabinet import services


class Command(BaseCommand):
    help = "Close opinion sheets past their deadline (signing their summaries) and send reminders."

    def handle(self, *args: Any, **options: Any) -> None:
        closed, reminded = services.due_work()
        self.stdout.write(f"closed {closed}, reminded {reminded}")
