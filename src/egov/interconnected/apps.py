from django.apps import AppConfig


class InterconnectedConfig(AppConfig):
    name = "egov.interconnected"
    label = "interconnected"
    verbose_name = "Liên thông / Interconnected procedures"

    def ready(self) -> None:
        from egov.dossiers import hooks as dossier_hooks
        from egov.insights import hooks as insights_hooks
        from egov.payments import hooks as payments_hooks

        from . import fees, remote, selectors, services, views

        dossier_hooks.event_recorded.register(services.follow_dossier)
        dossier_hooks.event_recorded.register(remote.publish_later)
        dossier_hooks.tracked_elsewhere.register(selectors.tracking_address)
        insights_hooks.dashboard_panels.register(views.dashboard_panel)
        payments_hooks.group_paid.register(fees.after_paid)
