from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "egov.records"
    label = "records"
    verbose_name = "Kết quả điện tử / Electronic results"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from egov.dossiers import services as dossier_services
        from egov.dossiers import views as dossier_pages
        from egov.dossiers.constants import EVENT_LABELS

        from . import services, views

        dossier_services.step_hooks.append(services.issue_on_approval)
        dossier_services.step_guards.append(services.refuse_return_until_signed)
        if views.result_panel not in dossier_pages.dossier_panels:
            dossier_pages.dossier_panels.append(views.result_panel)
        EVENT_LABELS.setdefault("result_signed", _("Result signed electronically"))
