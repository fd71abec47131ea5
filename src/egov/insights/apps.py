from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "egov.insights"
    label = "insights"
    verbose_name = "Chỉ số / Insights"

    def ready(self) -> None:
        from egov.dossiers import hooks

        from . import signals  # noqa: F401  (drops the flattened agency tree when it changes)
        from .facts import project_event

        hooks.event_recorded.register(project_event)
