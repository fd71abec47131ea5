from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "egov.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from egov.dossiers import hooks

        from .guards import payment_due_guard
        from .services import request_payment_after_delivery, request_payment_after_step
        from .views import fees_panel

        hooks.step_guard.register(payment_due_guard)
        hooks.after_step.register(request_payment_after_step)
        hooks.event_recorded.register(request_payment_after_delivery)
        hooks.dossier_panels.register(fees_panel)
