from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from egov.payments.reconciliation import StatementError, read_statement, reconcile


class Command(BaseCommand):
    help = (
        "Compare the platform's online payments with a provider's statement (CSV: reference,"
        " transaction, amount, status, paid_at) and list every difference; exit status 1 if any."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("statement", type=Path)
        parser.add_argument("--provider", default="vnpay")
        parser.add_argument("--from", dest="start", type=date.fromisoformat, required=True)
        parser.add_argument("--to", dest="end", type=date.fromisoformat, required=True)

    def handle(self, *args: object, **options: object) -> None:
        path = options["statement"]
        assert isinstance(path, Path)
        try:
            with path.open(encoding="utf-8-sig", newline="") as stream:
                rows = read_statement(stream)
        except (OSError, StatementError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        differences = reconcile(rows, str(options["provider"]), options["start"], options["end"])  # type: ignore[arg-type]
        for difference in differences:
            self.stdout.write(str(difference))
        self.stdout.write(f"{len(rows)} statement row(s), {len(differences)} difference(s)")
        if differences:
            raise SystemExit(1)
