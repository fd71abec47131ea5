from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "egov.reporting"
    label = "reporting"
    verbose_name = "Reporting regimes"

    def ready(self) -> None:
        from . import hooks, prefill

        hooks.prefill_source.register(prefill.own_sources)
