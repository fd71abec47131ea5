from django.core.management.base import BaseCommand

from egov.payments.services import expire_stale


class Command(BaseCommand):
    help = "Close the online payment intents whose time ran out (also done by a background task)."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(f"{expire_stale()} payment(s) expired")
