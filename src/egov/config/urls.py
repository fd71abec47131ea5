from django.contrib import admin
from django.urls import include, path

from egov.catalog.views import home
from egov.core import metrics
from egov.identity.officials.login import admin_login

from .api import api

urlpatterns = [
    # Operations: Prometheus (bearer token), and the load balancer's probes.
    path("metrics", metrics.metrics, name="metrics"),
    path("healthz/live", metrics.live, name="live"),
    path("healthz/ready", metrics.ready, name="ready"),
    path("i18n/", include("django.conf.urls.i18n")),
    # One login for everyone, with the second factor for staff (egov.identity.officials.login).
    path("admin/login/", admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    # The built-in OpenID Connect identity provider (eID): discovery at /o/.well-known/openid-configuration
    # (egov.identity.oidc.provider_urls: its consent is asked once per client and scopes).
    path("o/", include("egov.identity.oidc.provider_urls", namespace="oauth2_provider")),
    path("api/v1/", api.urls),
    # The portal's home page (the catalogue's front), named "home" for every part's links.
    path("", home, name="home"),
    path("", include("egov.identity.urls")),
    path("procedures/", include("egov.catalog.urls")),
    path("", include("egov.dossiers.urls")),
    path("reporting/", include("egov.reporting.urls")),
    path("chi-so/", include("egov.insights.urls")),
    path("", include("egov.payments.urls")),
    path("", include("egov.repository.urls")),
    path("", include("egov.records.urls")),
    path("", include("egov.feedback.urls")),
    path("", include("egov.gateway.urls")),
    path("", include("egov.exchange.urls")),
    path("", include("egov.interconnected.urls")),
    path("", include("egov.cabinet.urls")),
]
