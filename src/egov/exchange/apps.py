from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "egov.exchange"
    label = "exchange"
    verbose_name = "Trục liên thông văn bản / Document axis"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from egov.core import metrics
        from egov.core.models import Agency
        from egov.insights import hooks

        from . import models, selectors, views

        metrics.collectors.register(selectors.metrics)
        hooks.dashboard_panels.register(views.dashboard_panel)
        # A change made in this process routes at once; other processes within
        # EXCHANGE_ROUTES_TTL.
        for model in (models.Node, models.Route, Agency):
            for signal in (post_save, post_delete):
                signal.connect(_invalidate, sender=model, dispatch_uid=f"exchange_{model.__name__}")


def _invalidate(**kwargs: object) -> None:
    from . import routing

    routing.invalidate()
