from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "egov.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from egov.dossiers import services as dossier_services
        from egov.dossiers import views as dossier_pages
        from egov.dossiers.constants import EVENT_LABELS

        from .guards import payment_due_guard
        from .services import request_payment_after_step
        from .views import fees_panel

        if payment_due_guard not in dossier_services.step_guards:
            dossier_services.step_guards.append(payment_due_guard)
        if request_payment_after_step not in dossier_services.step_hooks:
            dossier_services.step_hooks.append(request_payment_after_step)
        if fees_panel not in dossier_pages.dossier_panels:
            dossier_pages.dossier_panels.append(fees_panel)
        # The dossier timeline names the event this part writes.
        EVENT_LABELS.setdefault("paid", _("Fee paid"))
