from typing import Any

from django.core.management.base import BaseCommand

from egov.repository.services import file_pending_results


class Command(BaseCommand):
    help = "File in the repository every signed result whose event was not filed (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = file_pending_results()
        self.stdout.write(f"{count} signed results are in the repository.")
