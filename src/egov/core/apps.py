from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "egov.core"
    label = "core"
    verbose_name = "Nền tảng chung / Core"

    def ready(self) -> None:
        from . import metrics, task_origin

        metrics.collectors.register(metrics.core_metrics)
        task_origin.connect()
