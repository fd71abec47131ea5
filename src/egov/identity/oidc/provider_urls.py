"""The identity provider's endpoints, mounted at ``/o/`` (namespace ``oauth2_provider``).

Only what the provider offers is mounted: the authorization endpoint with the remembered consent
(egov.identity.oidc.consent), the introspection endpoint telling a client about its own tokens
only (egov.identity.oidc.introspection), egov's discovery document (egov.identity.oidc.discovery), the RFC 8414 metadata, and
django-oauth-toolkit's token, revocation, JWKS, userinfo and end-session endpoints.
The toolkit's other pages (application management for any logged-in person, the device flow,
dynamic registration) are not: clients are registered by ``create_oidc_client`` or the admin site.
"""

from django.urls import URLPattern, path, re_path
from oauth2_provider import views

from .consent import RememberingAuthorizationView
from .discovery import AuthorizationServerMetadataView, DiscoveryView
from .introspection import IntrospectionView

app_name = "oauth2_provider"

urlpatterns: list[URLPattern] = [
    path("authorize/", RememberingAuthorizationView.as_view(), name="authorize"),
    path("token/", views.TokenView.as_view(), name="token"),
    path("revoke_token/", views.RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", IntrospectionView.as_view(), name="introspect"),
    re_path(
        r"^\.well-known/openid-configuration/?$",
        DiscoveryView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    # RFC 8414 (its base is also the ``iss`` of authorization responses, RFC 9207).
    path(
        ".well-known/oauth-authorization-server",
        AuthorizationServerMetadataView.as_view(),
        name="oauth-server-metadata",
    ),
    path(".well-known/jwks.json", views.JwksInfoView.as_view(), name="jwks-info"),
    path("userinfo/", views.UserInfoView.as_view(), name="user-info"),
    path("logout/", views.RPInitiatedLogoutView.as_view(), name="rp-initiated-logout"),
]
