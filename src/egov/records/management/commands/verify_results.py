from typing import Any

from django.core.management.base import BaseCommand, CommandError

from egov.records.models import ResultDocument, ResultStatus
from egov.records.verification import Outcome, verify_code


class Command(BaseCommand):
    help = (
        "Validate every signed result as a verifier would (signature, time-stamp, trust roots);"
        " name each one that does not verify. Run after restoring a backup."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        codes = ResultDocument.objects.filter(status=ResultStatus.SIGNED).values_list(
            "code", flat=True
        )
        failed = []
        for code in codes.iterator():
            verdict = verify_code(code)
            if verdict.outcome not in (Outcome.VALID, Outcome.REVOKED):
                failed.append(f"{code}: {verdict.outcome} {'; '.join(map(str, verdict.reasons))}")
        if failed:
            raise CommandError("\n".join(failed))
        self.stdout.write(self.style.SUCCESS(f"{codes.count()} signed results verify"))
