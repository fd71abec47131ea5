from argparse import ArgumentParser

from django.core.management.base import BaseCommand

from egov.reporting.services import open_periods
from egov.reporting.tasks import open_reporting_periods


class Command(BaseCommand):
    help = (
        "Open the reports owed for every reporting period that has ended (idempotent); with "
        "--schedule, enqueue the daily task that keeps doing it."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--schedule", action="store_true", help="enqueue the daily background task instead"
        )

    def handle(self, *args: object, **options: object) -> None:
        if options["schedule"]:
            open_reporting_periods.enqueue()
            self.stdout.write(self.style.SUCCESS("daily opening of reporting periods enqueued"))
            return
        created = open_periods()
        self.stdout.write(self.style.SUCCESS(f"{created} reports opened"))
