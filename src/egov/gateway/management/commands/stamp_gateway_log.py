from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from egov.gateway import anchors, txlog


class Command(BaseCommand):
    help = (
        "Time-stamp the head of the gateway's transaction log (RFC 3161, egov's TSA or TSA_URL); "
        "with --archive, also move rows past GATEWAY_LOG_RETENTION_DAYS to verifiable files. "
        "Run it every few minutes (cron or a systemd timer)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--archive", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        anchor = anchors.stamp()
        self.stdout.write(f"time-stamped record {anchor.seq}" if anchor else "nothing new to stamp")
        if options["archive"]:
            cutoff = timezone.now() - timedelta(days=settings.GATEWAY_LOG_RETENTION_DAYS)
            segment = txlog.archive(cutoff)
            if segment:
                self.stdout.write(
                    f"archived records {segment.first_seq}-{segment.last_seq} to {segment.path}"
                )
