import os

from django.core.asgi import get_asgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "egov.config.settings")
django_application = get_asgi_application()
# Every part's URLs and API schemas imported at start (1.3 s), not in a worker's first request.
get_resolver().url_patterns  # noqa: B018

# Both need the settings loaded above.
from egov.gateway.asgi import with_gateway  # noqa: E402
from egov.registries.asgi import with_registry  # noqa: E402

application = with_gateway(with_registry(django_application))
