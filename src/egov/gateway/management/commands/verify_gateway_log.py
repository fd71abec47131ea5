from typing import Any

from django.core.management.base import BaseCommand, CommandError

from egov.gateway import txlog
from egov.gateway.models import ChainAnchor, ChainHead


class Command(BaseCommand):
    help = (
        "Verify the gateway's transaction log: the hash chain (archived segments included) and "
        "every RFC 3161 time-stamp of it; names the first bad record."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        problem = txlog.verify()
        if problem:
            raise CommandError(f"gateway transaction log: {problem}")
        head = ChainHead.objects.filter(pk=1).first()
        self.stdout.write(
            f"gateway transaction log verified: {head.seq if head else 0} records, "
            f"{ChainAnchor.objects.count()} time-stamps"
        )
