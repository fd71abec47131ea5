from django.core.management.base import BaseCommand, CommandError

from egov.core.audit import chain_problem
from egov.core.models import AuditEntry


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log; name the first broken row."

    def handle(self, *args: object, **options: object) -> None:
        problem = chain_problem()
        if problem is not None:
            raise CommandError(problem)
        self.stdout.write(
            self.style.SUCCESS(f"audit chain intact: {AuditEntry.objects.count()} rows")
        )
