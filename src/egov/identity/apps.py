from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "egov.identity"
    label = "identity"
    verbose_name = "Định danh / Identity"

    def ready(self) -> None:
        from . import signals  # noqa: F401
        from .oidc import authentication  # noqa: F401  # records the time of each login
