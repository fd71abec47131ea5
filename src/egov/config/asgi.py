import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "egov.config.settings")
django_application = get_asgi_application()

# Both need the settings loaded above.
from egov.gateway.asgi import with_gateway  # noqa: E402
from egov.registries.asgi import with_registry  # noqa: E402

application = with_gateway(with_registry(django_application))
