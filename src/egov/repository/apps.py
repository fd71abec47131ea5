from django.apps import AppConfig


class RepositoryConfig(AppConfig):
    name = "egov.repository"
    label = "repository"
    verbose_name = "Kho dữ liệu / Data repository"

    def ready(self) -> None:
        from . import signals

        signals.connect()
