from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "egov.insights"
    label = "insights"
    verbose_name = "Chỉ số / Insights"

    def ready(self) -> None:
        from egov.core import metrics
        from egov.dossiers import hooks

        from . import selectors, signals  # noqa: F401  (signals: the agency tree's copy)
        from .facts import project_event

        hooks.event_recorded.register(project_event)
        metrics.collectors.register(selectors.metrics)
