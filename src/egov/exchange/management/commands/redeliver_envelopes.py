from typing import Any

from django.core.management.base import BaseCommand

from egov.exchange import outbox


class Command(BaseCommand):
    help = (
        "Try every envelope delivery that is due (the document axis' outbox): run it every "
        "minute and at start, so that a delivery whose task or process was lost is not lost."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        results = [outbox.deliver(delivery_id) for delivery_id in outbox.due()]
        self.stdout.write(
            f"{len(results)} due: {results.count('delivered')} delivered, "
            f"{results.count('dead')} undelivered"
        )
