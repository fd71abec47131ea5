from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "egov.insights"
    label = "insights"
    verbose_name = "Chỉ số / Insights"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the projection of local dossiers)
