from typing import Any

from django.core.management.base import BaseCommand

from egov.gateway import events


class Command(BaseCommand):
    help = (
        "Try every event delivery that is due (publish/subscribe): run it every minute, so that "
        "a retry whose task was lost is not lost."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        results = [events.deliver(delivery_id) for delivery_id in events.due()]
        self.stdout.write(
            f"{len(results)} due: {results.count('delivered')} delivered, "
            f"{results.count('dead')} dead letters"
        )
