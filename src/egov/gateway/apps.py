from django.apps import AppConfig


class GatewayConfig(AppConfig):
    name = "egov.gateway"
    label = "gateway"
    verbose_name = "Nền tảng tích hợp, chia sẻ dữ liệu / Data-sharing platform"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from egov.core import metrics

        from . import models, selectors
        from .proxy import gateway

        metrics.collectors.register(selectors.metrics)

        # A change made in this process is seen by its proxy at once; other nodes re-read the
        # directory within GATEWAY_DIRECTORY_TTL.
        for model in (models.Member, models.Service, models.Grant):
            post_save.connect(_invalidate, sender=model, dispatch_uid=f"gateway_{model.__name__}")
            post_delete.connect(_invalidate, sender=model, dispatch_uid=f"gw_del_{model.__name__}")
        self.proxy = gateway


def _invalidate(**kwargs: object) -> None:
    from .proxy import gateway

    gateway.invalidate()
