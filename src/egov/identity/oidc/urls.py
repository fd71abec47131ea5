"""URL patterns of the oidc pages (part of the identity namespace).

The identity provider itself (discovery, JWKS, authorize, token, userinfo) is django-oauth-toolkit,
mounted at ``/o/`` by ``egov.config.urls``; these are the relying party's pages.
"""

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("login/start/", views.start_login, name="start_login"),
    path("oidc/login/", views.oidc_login, name="oidc_login"),
    path("oidc/callback/", views.oidc_callback, name="oidc_callback"),
]
