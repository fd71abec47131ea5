from django.core.management.base import BaseCommand, CommandError, CommandParser

from egov.core.errors import ServiceError
from egov.interconnected.remote import subscribe


class Command(BaseCommand):
    help = (
        "Follow the status topic of a deployment performing interconnected members: subscribe"
        " the webhook through the gateway and keep the key its events are signed with."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "topic", help="agency/system/code, e.g. 000.00.07.H26/BHXH/lienthong-status"
        )
        parser.add_argument(
            "webhook", help="this deployment's https://…/api/v1/interconnected/events"
        )

    def handle(self, *args: object, **options: str) -> None:
        try:
            subscription = subscribe(options["topic"], options["webhook"])
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"subscribed to {subscription.topic}"))
