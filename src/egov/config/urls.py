from django.contrib import admin
from django.urls import include, path

from .api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # The built-in OpenID Connect identity provider (eID): discovery at /o/.well-known/openid-configuration
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("api/v1/", api.urls),
    path("", include("egov.core.urls")),
    path("", include("egov.identity.urls")),
    path("procedures/", include("egov.catalog.urls")),
    path("", include("egov.dossiers.urls")),
    path("", include("egov.records.urls")),
]
