from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "egov.records"
    label = "records"
    verbose_name = "Kết quả điện tử / Electronic results"

    def ready(self) -> None:
        from django_tasks.signals import task_finished

        from egov.core import metrics
        from egov.dossiers import hooks

        from . import selectors, services, tasks, views

        hooks.after_step.register(services.draft_on_proposal)
        hooks.after_step.register(services.discard_unapproved_draft)
        hooks.after_step.register(services.issue_on_approval)
        hooks.step_guard.register(services.refuse_approval_without_draft)
        hooks.step_guard.register(services.refuse_return_until_signed)
        hooks.dossier_panels.register(views.result_panel)
        metrics.collectors.register(selectors.metrics)
        task_finished.connect(tasks.signing_failed_for_good, dispatch_uid="records_signing")
