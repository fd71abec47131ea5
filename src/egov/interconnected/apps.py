from django.apps import AppConfig


class InterconnectedConfig(AppConfig):
    name = "egov.interconnected"
    label = "interconnected"
    verbose_name = "Liên thông / Interconnected procedures"

    def ready(self) -> None:
        from egov.dossiers import hooks as dossier_hooks
        from egov.insights import hooks as insights_hooks

        from . import remote, services, views

        dossier_hooks.event_recorded.register(services.follow_dossier)
        dossier_hooks.event_recorded.register(remote.publish_later)
        insights_hooks.dashboard_panels.register(views.dashboard_panel)
