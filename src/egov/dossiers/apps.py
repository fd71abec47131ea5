from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "egov.dossiers"
    label = "dossiers"
    verbose_name = "Hồ sơ / Dossiers"

    def ready(self) -> None:
        from egov.core import metrics
        from egov.identity import hooks

        from . import hooks as own_hooks
        from . import personal_data, selectors
        from .access import back_office_landing
        from .delivery_views import delivery_panel
        from .services.delivery import postal_guard, schedule_booking

        hooks.landing_page.register(back_office_landing)
        hooks.personal_data.register(personal_data.personal_data)
        metrics.collectors.register(selectors.metrics)
        # Results sent by post: booked once ready and returnable, returned when delivered.
        own_hooks.event_recorded.register(schedule_booking)
        own_hooks.step_guard.register(postal_guard)
        own_hooks.dossier_panels.register(delivery_panel)
