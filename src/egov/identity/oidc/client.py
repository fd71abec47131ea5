"""The portal as an OpenID Connect relying party: Authlib's Django client for ``OIDC_ISSUER``.

Authlib discovers the provider's endpoints and keys from its discovery document, sends the
authorization request with S256 PKCE, a ``state`` and a ``nonce`` (kept in the session), redeems the
code on the back channel and verifies the ID token's signature (fetching the JWKS again when a
token names a key it does not know yet, as after a key rotation), issuer, audience, expiry and
nonce.
"""

import threading
from typing import Any

from authlib.integrations.django_client import OAuth
from django.conf import settings

#: What the portal asks for: who the person is, and how to reach them.
SCOPE = "openid profile email phone"
_NAME = "egov_idp"

_lock = threading.Lock()
_clients: dict[tuple[str, str, str], Any] = {}


class IssuerMismatch(ValueError):
    """The discovery document names another issuer than the one configured."""


def discovery_url(issuer: str) -> str:
    return f"{issuer.rstrip('/')}/.well-known/openid-configuration"


def relying_party() -> Any:
    """The Authlib client of the configured provider; one per configuration, so the discovery
    document and the keys are fetched once per process, not on every login."""
    key = (settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET)
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = OAuth().register(
                name=_NAME,
                client_id=settings.OIDC_CLIENT_ID,
                client_secret=settings.OIDC_CLIENT_SECRET,
                server_metadata_url=discovery_url(settings.OIDC_ISSUER),
                client_kwargs={
                    "scope": SCOPE,
                    "code_challenge_method": "S256",
                    "token_endpoint_auth_method": "client_secret_basic",
                    "default_timeout": settings.OIDC_HTTP_TIMEOUT,
                },
            )
            _clients[key] = client
    return client


def checked_metadata(client: Any) -> dict[str, Any]:
    """The provider's discovery document, after checking it speaks for the configured issuer
    (OpenID Connect Discovery §4.3): a document served elsewhere must not redirect our logins."""
    metadata: dict[str, Any] = client.load_server_metadata()
    if str(metadata.get("issuer", "")).rstrip("/") != settings.OIDC_ISSUER:
        raise IssuerMismatch("the discovery document names another issuer")
    return metadata
