from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "egov.records"
    label = "records"
    verbose_name = "Kết quả điện tử / Electronic results"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _
        from django_tasks.signals import task_finished

        from egov.dossiers import services as dossier_services
        from egov.dossiers import views as dossier_pages
        from egov.dossiers.constants import EVENT_LABELS

        from . import services, tasks, views

        dossier_services.step_hooks.append(services.draft_on_proposal)
        dossier_services.step_hooks.append(services.discard_unapproved_draft)
        dossier_services.step_hooks.append(services.issue_on_approval)
        dossier_services.step_guards.append(services.refuse_approval_without_draft)
        dossier_services.step_guards.append(services.refuse_return_until_signed)
        task_finished.connect(tasks.signing_failed_for_good, dispatch_uid="records_signing")
        if views.result_panel not in dossier_pages.dossier_panels:
            dossier_pages.dossier_panels.append(views.result_panel)
        EVENT_LABELS.setdefault("result_signed", _("Result signed electronically"))
        EVENT_LABELS.setdefault("result_drafted", _("Draft result drawn up for approval"))
