import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "egov.config.settings")
django_application = get_asgi_application()

from egov.gateway.asgi import with_gateway  # noqa: E402  (needs the settings loaded above)

application = with_gateway(django_application)
