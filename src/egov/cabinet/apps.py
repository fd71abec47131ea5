from django.apps import AppConfig


class CabinetConfig(AppConfig):
    name = "egov.cabinet"
    label = "cabinet"
    verbose_name = "eCabinet / Họp và lấy ý kiến"

    def ready(self) -> None:
        from egov.insights import hooks

        from . import views

        hooks.dashboard_panels.register(views.dashboard_panel)
