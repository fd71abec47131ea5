from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "egov.dossiers"
    label = "dossiers"
    verbose_name = "Hồ sơ / Dossiers"

    def ready(self) -> None:
        from egov.core import metrics
        from egov.identity import hooks

        from . import personal_data, selectors
        from .access import back_office_landing

        hooks.landing_page.register(back_office_landing)
        hooks.personal_data.register(personal_data.personal_data)
        metrics.collectors.register(selectors.metrics)
