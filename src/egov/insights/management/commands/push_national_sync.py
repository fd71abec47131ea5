"""manage.py push_national_sync: push this deployment's changed dossiers to NATIONAL_SYNC_URL now."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from egov.insights import push


class Command(BaseCommand):
    help = "Push every changed dossier of this deployment to the national deployment now."

    def handle(self, *args: Any, **options: Any) -> None:
        if not push.enabled():
            raise CommandError("NATIONAL_SYNC_URL is not set.")
        try:
            sent = push.push_pending()
        except push.PushFailed as exc:
            raise CommandError(f"push failed: {exc}") from exc
        self.stdout.write(f"pushed {sent} dossiers")
