from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "egov.feedback"
    label = "feedback"
    verbose_name = "Phản ánh, kiến nghị / Feedback"

    def ready(self) -> None:
        from egov.catalog import hooks

        from . import views

        hooks.procedure_panels.register(views.procedure_questions)
