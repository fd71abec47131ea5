from django.core.management.base import BaseCommand

from egov.dossiers.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load demo agencies, procedures, citizens, officials and sample dossiers (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        result = load_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"demo data ready ({result['dossiers']} new dossiers); password for every demo account: {DEMO_PASSWORD}"
            )
        )
