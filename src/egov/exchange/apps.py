from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "egov.exchange"
    label = "exchange"
    verbose_name = "Trục liên thông văn bản / Document axis"

    def ready(self) -> None:
        from egov.core import metrics
        from egov.insights import hooks

        from . import selectors, views

        metrics.collectors.register(selectors.metrics)
        hooks.dashboard_panels.register(views.dashboard_panel)
