"""The provider's discovery document (OpenID Connect Discovery §3), saying what it does and no more.

django-oauth-toolkit's document is the base; egov corrects what it leaves out or overstates:

- ``grant_types_supported``: the default, when absent, is ``authorization_code`` and
  ``implicit``; the implicit grant is refused here, and refresh tokens are given;
- ``response_modes_supported``: ``query`` only (the validator refuses others);
- ``id_token_signing_alg_values_supported``: RS256 only (every client is registered with it);
- ``prompt_values_supported``: ``consent`` as well, which the consent page honours;
- ``acr_values_supported``: the identity levels (``urn:egov:loa:0`` … ``2``);
- ``claims_parameter_supported``; ``request_parameter_supported`` and
  ``request_uri_parameter_supported`` false (the latter is true when absent);
- the revocation (RFC 7009) and introspection (RFC 7662) endpoints, with client authentication.

The OAuth 2.0 metadata (RFC 8414, ``/o/.well-known/oauth-authorization-server``) gets the same
grant types and response modes.
"""

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from oauth2_provider.views import ConnectDiscoveryInfoView, OAuthServerMetadataView

from .authentication import LEVELS, acr_for_level

GRANT_TYPES = ["authorization_code", "refresh_token"]
CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


class DiscoveryView(ConnectDiscoveryInfoView):
    """``/o/.well-known/openid-configuration``, mounted ahead of the toolkit's own."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        base = super().get(request, *args, **kwargs)
        document: dict[str, Any] = json.loads(base.content)
        document.update(
            {
                "grant_types_supported": GRANT_TYPES,
                "response_modes_supported": ["query"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "prompt_values_supported": ["none", "login", "consent"],
                "acr_values_supported": [acr_for_level(level) for level in LEVELS],
                "claim_types_supported": ["normal"],
                "claims_parameter_supported": True,
                "request_parameter_supported": False,
                "request_uri_parameter_supported": False,
                "ui_locales_supported": [code for code, _name in settings.LANGUAGES],
                "token_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
                "revocation_endpoint": request.build_absolute_uri(
                    reverse("oauth2_provider:revoke-token")
                ),
                "revocation_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
                "introspection_endpoint": request.build_absolute_uri(
                    reverse("oauth2_provider:introspect")
                ),
                "introspection_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
            }
        )
        # auth_time is in every ID token (the time of the login the code was given at).
        document["claims_supported"] = sorted({*document["claims_supported"], "auth_time"})
        response = JsonResponse(document)
        response["Access-Control-Allow-Origin"] = "*"
        return response


class AuthorizationServerMetadataView(OAuthServerMetadataView):
    """``/o/.well-known/oauth-authorization-server`` (RFC 8414), mounted instead of the
    toolkit's own: the grants this provider gives, not every grant the toolkit knows."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        base = super().get(request, *args, **kwargs)
        document: dict[str, Any] = json.loads(base.content)
        document["grant_types_supported"] = GRANT_TYPES
        document["response_modes_supported"] = ["query"]
        response = JsonResponse(document)
        for header in ("Access-Control-Allow-Origin", "Cache-Control"):
            if header in base:
                response[header] = base[header]
        return response
