"""The built-in OpenID Connect identity provider (eID): which claims a relying party receives.

django-oauth-toolkit runs the protocol (discovery, JWKS, authorization code with S256 PKCE, token,
userinfo); this validator only decides what the ID token and userinfo say about a person:

- ``sub``: the stable user id; ``personal_id``: the 12-digit personal ID number (số định danh cá
  nhân) of a citizen;
- ``name``, ``birthdate`` (ISO 8601), ``preferred_username`` and ``egov_kind`` (citizen/official)
  with the ``profile`` scope; ``email``/``phone_number`` (and whether they were proven) with the
  ``email``/``phone`` scopes;
- the assurance of the identity, always: ``identity_level`` (0, 1, 2: mức độ định danh) and the
  same as ``acr`` ``urn:egov:loa:<level>``; and, in the ID token, ``amr``: ``["pwd"]``, or
  ``["pwd", "otp"]`` when the person also gave a one-time code (django-otp) at this login.

The methods used at login are known only while the person is at the authorization endpoint; the
ID token is made later, on the client's back-channel token request. They travel on the
authorization code itself, inside the grant's stored ``claims`` (no extra table), and are taken
out again when the code is redeemed.
"""

from collections.abc import Callable
from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2.rfc6749 import errors

#: Where the login's authentication methods ride on the authorization code's stored claims.
_AMR_KEY = "urn:egov:amr"
ACR_PREFIX = "urn:egov:loa:"


def acr_for_level(level: int) -> str:
    """The ``acr`` value of an identity level (0, 1 or 2)."""
    return f"{ACR_PREFIX}{int(level)}"


def authentication_methods(user: Any) -> list[str]:
    """``amr`` of the current login: a password, plus ``otp`` when django-otp verified a device
    in this session (its middleware gives ``user.is_verified``)."""
    is_verified = getattr(user, "is_verified", None)
    if callable(is_verified) and is_verified():
        return ["pwd", "otp"]
    return ["pwd"]


def _amr(request: Any) -> list[str]:
    methods = getattr(request, "egov_amr", None)
    return list(methods) if methods else authentication_methods(request.user)


def _birthdate(request: Any) -> str | None:
    born = request.user.birth_date
    return born.isoformat() if born else None


_CLAIMS: dict[str, Callable[[Any], Any]] = {
    "name": lambda r: r.user.full_name or None,
    "personal_id": lambda r: r.user.personal_id or None,
    "birthdate": _birthdate,
    "preferred_username": lambda r: r.user.username,
    "egov_kind": lambda r: r.user.kind,
    "identity_level": lambda r: int(r.user.identity_level),
    "acr": lambda r: acr_for_level(r.user.identity_level),
    "amr": _amr,
    "email": lambda r: r.user.email or None,
    "email_verified": lambda r: bool(r.user.email and r.user.email_verified_at),
    "phone_number": lambda r: r.user.phone or None,
    "phone_number_verified": lambda r: bool(r.user.phone and r.user.phone_verified_at),
}


class EgovOAuth2Validator(OAuth2Validator):
    """django-oauth-toolkit's validator with egov's claims and the authorization code flow only."""

    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "personal_id": "profile",
        "egov_kind": "profile",
        # How sure we are of the person, and how they logged in: not personal data, always given.
        "identity_level": "openid",
        "acr": "openid",
        "amr": "openid",
    }

    # Without a request parameter, the claims are listed in the discovery document.
    def get_additional_claims(self) -> dict[str, Callable[[Any], Any]]:
        return dict(_CLAIMS)

    def get_oidc_claims(self, token: Any, token_handler: Any, request: Any) -> dict[str, Any]:
        """The claims the granted scopes allow, leaving out those the person has no value for."""
        claims = super().get_oidc_claims(token, token_handler, request)
        return {name: value for name, value in claims.items() if value is not None}

    def get_userinfo_claims(self, request: Any) -> dict[str, Any]:
        # How the person authenticated belongs to one login, told by its ID token only.
        claims = super().get_userinfo_claims(request)
        claims.pop("amr", None)
        return claims

    def validate_response_type(
        self,
        client_id: str,
        response_type: str,
        client: Any,
        request: Any,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        # The authorization code flow only: no token or ID token in the front channel.
        if response_type != "code":
            return False
        return bool(
            super().validate_response_type(
                client_id, response_type, client, request, *args, **kwargs
            )
        )

    def is_pkce_required(self, client_id: str, request: Any) -> bool:
        # S256 only (RFC 9700 §2.1.1), refused when the request arrives, before the consent page:
        # a challenge without a method is "plain" (RFC 7636 §4.3).
        if request.code_challenge is not None and request.code_challenge_method != "S256":
            raise errors.UnsupportedCodeChallengeMethodError(
                description='Only the "S256" code_challenge_method is supported.', request=request
            )
        return bool(super().is_pkce_required(client_id, request))

    def save_authorization_code(
        self, client_id: str, code: dict[str, Any], request: Any, *args: Any, **kwargs: Any
    ) -> None:
        # ``request.user`` is the person at the browser here, with django-otp's is_verified().
        request.claims = {**(request.claims or {}), _AMR_KEY: authentication_methods(request.user)}
        super().save_authorization_code(client_id, code, request, *args, **kwargs)

    def validate_code(
        self, client_id: str, code: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        valid = bool(super().validate_code(client_id, code, client, request, *args, **kwargs))
        if valid and isinstance(request.claims, dict):
            claims = dict(request.claims)
            request.egov_amr = claims.pop(_AMR_KEY, None) or ["pwd"]
            request.claims = claims or None
        return valid
