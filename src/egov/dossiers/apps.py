from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "egov.dossiers"
    label = "dossiers"
    verbose_name = "Hồ sơ / Dossiers"

    def ready(self) -> None:
        from egov.identity import landing

        from .access import back_office_landing

        if back_office_landing not in landing.landing_pages:
            landing.landing_pages.append(back_office_landing)
