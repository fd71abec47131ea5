from django.core.management.base import BaseCommand

from egov.interconnected.constants import ApplicationStatus
from egov.interconnected.models import Application
from egov.interconnected.services import advance


class Command(BaseCommand):
    help = (
        "Move every application being processed on (files the parts whose results are there):"
        " after the registry or a member's cause of refusal is back in order."
    )

    def handle(self, *args: object, **options: object) -> None:
        ids = Application.objects.filter(status=ApplicationStatus.PROCESSING).values_list(
            "pk", flat=True
        )
        for application_id in ids:
            advance(application_id)
        self.stdout.write(self.style.SUCCESS(f"{len(ids)} applications looked at"))
