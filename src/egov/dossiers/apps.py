from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "egov.dossiers"
    label = "dossiers"
    verbose_name = "Hồ sơ / Dossiers"

    def ready(self) -> None:
        from egov.identity.officials import login

        from .access import back_office_landing

        if back_office_landing not in login.landing_pages:
            login.landing_pages.append(back_office_landing)
