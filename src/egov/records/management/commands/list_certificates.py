from typing import Any

from django.core.management.base import BaseCommand

from egov.records import pki


class Command(BaseCommand):
    help = "List the signing certificates with their expiry, soonest first."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = pki.expiry_report()
        if not rows:
            self.stdout.write("No certificates.")
        for row in rows:
            state = "active" if row["active"] else "inactive"
            self.stdout.write(
                f"{row['id']:>4}  {row['kind']:<6} {row['agency'] or '-':<15} "
                f"{row['not_after']:%Y-%m-%d} ({row['days_left']} days, {state}, {row['source']})  "
                f"{row['subject']}"
            )
