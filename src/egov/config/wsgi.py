import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "egov.config.settings")
application = get_wsgi_application()
# Every part's URLs and API schemas imported at start (1.3 s), not in a worker's first request.
get_resolver().url_patterns  # noqa: B018
