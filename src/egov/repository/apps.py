from django.apps import AppConfig


class RepositoryConfig(AppConfig):
    name = "egov.repository"
    label = "repository"
    verbose_name = "Kho dữ liệu / Data repository"

    def ready(self) -> None:
        from egov.dossiers import hooks as dossier_hooks
        from egov.identity import hooks as identity_hooks

        from . import personal_data, services, views

        dossier_hooks.event_recorded.register(services.file_result_when_signed)
        dossier_hooks.component_extras.register(views.component_extras)
        dossier_hooks.dossier_panels.register(views.dossier_panels)
        identity_hooks.personal_data.register(personal_data.personal_data)
