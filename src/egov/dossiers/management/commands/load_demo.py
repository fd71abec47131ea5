from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from egov.dossiers.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = (
        "Load demo agencies, procedures, citizens, officials and sample dossiers, then the other"
        " parts' demo data listed in DEMO_DATA (idempotent)."
    )

    def handle(self, *args: object, **options: object) -> None:
        result = load_demo()
        for loader in settings.DEMO_DATA:
            import_string(loader)()
        self.stdout.write(
            self.style.SUCCESS(
                f"demo data ready ({result['dossiers']} new dossiers); password for every demo account: {DEMO_PASSWORD}"
            )
        )
