from typing import Any

from django.core.management.base import BaseCommand

from egov.cabinet import meetings, services


class Command(BaseCommand):
    help = (
        "Close opinion sheets past their deadline (signing their summaries), send reminders, and "
        "sign the minutes of closed meetings still without them."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        closed, reminded = services.due_work()
        minutes = meetings.sign_missing_minutes()
        self.stdout.write(f"closed {closed}, reminded {reminded}, minutes signed {minutes}")
