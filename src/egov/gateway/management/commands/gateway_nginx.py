from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from egov.gateway import dataplane


class Command(BaseCommand):
    help = (
        "The gateway's data plane in nginx, egov as its control plane: render nginx's "
        "configuration from the directory, run nginx, reload it when the directory changes and "
        "append its access log to the transaction log's chain (docs/gateway.md). With --once: "
        "render and ingest once, for an nginx run by the system (then reload it yourself)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--folder", type=Path, default=settings.GATEWAY_NGINX_DIR)
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--nginx", default="nginx", help="nginx's binary")
        parser.add_argument(
            "--nice",
            type=int,
            default=10,
            help="this process's niceness once nginx runs: calls before the log's bookkeeping",
        )
        parser.add_argument(
            "--ingest-every",
            type=float,
            default=1.0,
            help="seconds between two readings of nginx's log into the chain (and at the stop)",
        )

    def handle(
        self,
        *args: Any,
        folder: Path,
        once: bool,
        nginx: str,
        nice: int,
        ingest_every: float,
        **options: Any,
    ) -> None:
        if not once:
            self.stdout.write(f"gateway data plane on {settings.GATEWAY_NGINX_LISTEN} ({folder})")
            dataplane.run(folder, nginx=nginx, nice=nice, ingest_every=ingest_every)
            return
        changed = dataplane.write_config(folder)
        self.stdout.write(
            f"{folder / dataplane.CONFIG_NAME}: {'written' if changed else 'unchanged'}"
        )
        log_path = folder / dataplane.LOG_NAME
        if log_path.exists():
            self.stdout.write(f"{dataplane.ingest(log_path)} calls appended to the chain")
