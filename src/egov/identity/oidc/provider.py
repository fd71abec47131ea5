"""The built-in OpenID Connect identity provider (eID): which claims a relying party receives, and
what an authorization request may ask of the person's login.

django-oauth-toolkit runs the protocol (discovery, JWKS, authorization code with S256 PKCE, token,
userinfo); this validator decides what the ID token and userinfo say about a person:

- ``sub``: the stable user id; ``urn:egov:personal_id``: the 12-digit personal ID number (số định
  danh cá nhân) of a citizen;
- ``name``, ``birthdate`` (ISO 8601), ``preferred_username`` and ``urn:egov:kind``
  (citizen/official) with the ``profile`` scope; ``email``/``phone_number`` (E.164, and whether
  they were proven) with the ``email``/``phone`` scopes;
- the assurance of the identity, always: ``urn:egov:identity_level`` (0, 1, 2: mức độ định danh)
  and the same as ``acr`` ``urn:egov:loa:<level>``; and, in the ID token, ``amr``: ``["pwd"]``, or
  ``["pwd", "otp"]`` when the person also gave a one-time code (django-otp) at this login, and
  ``auth_time``, when that login was made.

egov's own claims have collision-resistant names (OpenID Connect Core §5.1.2), in the ``urn:egov:``
namespace of its ``acr`` values; a relying party of an older egov provider reads the bare names.

The methods and time of the login are known only while the person is at the authorization
endpoint; the ID token is made later, on the client's back-channel token request. They travel on
the authorization code itself, inside the grant's stored ``claims`` (no extra table), and are taken
out again when the code is redeemed.

It also answers oauthlib's questions about ``prompt=none`` (silent login: is someone logged in,
recently enough, who allowed this client these scopes, at the level asked?) and ``id_token_hint``
(is it that person?), from the browser's request the authorization view lends it
(:mod:`egov.identity.oidc.authentication`); and it revokes the tokens of a code presented twice
(:mod:`egov.identity.oidc.redemption`).
"""

from collections.abc import Callable
from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2.rfc6749 import errors

from . import authentication, redemption
from .authentication import ACR_PREFIX, acr_for_level
from .consent import consented

__all__ = ["ACR_PREFIX", "CLAIM_IDENTITY_LEVEL", "CLAIM_KIND", "CLAIM_PERSONAL_ID", "acr_for_level"]

#: egov's own claims.
CLAIM_PERSONAL_ID = "urn:egov:personal_id"
CLAIM_KIND = "urn:egov:kind"
CLAIM_IDENTITY_LEVEL = "urn:egov:identity_level"
#: Where the login's authentication methods and time ride on the authorization code's claims.
_AMR_KEY = "urn:egov:grant:amr"
_AUTH_TIME_KEY = "urn:egov:grant:auth_time"


def e164(phone: str) -> str | None:
    """A Vietnamese phone number in E.164 (``0912000001`` → ``+84912000001``), as the
    ``phone_number`` claim must be; None when it is not a phone number."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if not digits:
        return None
    if phone.strip().startswith("+"):
        return f"+{digits}"
    if digits.startswith("84") and len(digits) >= 11:
        return f"+{digits}"
    return f"+84{digits.removeprefix('0')}"


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
    CLAIM_PERSONAL_ID: lambda r: r.user.personal_id or None,
    "birthdate": _birthdate,
    "preferred_username": lambda r: r.user.username,
    CLAIM_KIND: lambda r: r.user.kind,
    CLAIM_IDENTITY_LEVEL: lambda r: int(r.user.identity_level),
    "acr": lambda r: acr_for_level(r.user.identity_level),
    "amr": _amr,
    "email": lambda r: r.user.email or None,
    "email_verified": lambda r: bool(r.user.email and r.user.email_verified_at),
    "phone_number": lambda r: e164(r.user.phone or ""),
    "phone_number_verified": lambda r: bool(r.user.phone and r.user.phone_verified_at),
}


def _interaction_required(request: Any, description: str) -> errors.OAuth2Error:
    return errors.CustomOAuth2Error(
        "interaction_required", description=description, request=request, status_code=302
    )


def _check_request_form(request: Any) -> None:
    """What discovery says is not supported is refused, not silently ignored: another response
    mode than ``query``, and request objects (``request``, ``request_uri``); and a ``claims``
    parameter that is not a JSON object."""
    if request.response_mode not in (None, "", "query"):
        raise errors.InvalidRequestError(
            description='Only the "query" response_mode is supported.', request=request
        )
    if authentication.claims_malformed(request.claims):
        # oauthlib would refuse it too, but without the client's redirect URI to answer at.
        raise errors.InvalidRequestError(description="Malformed claims parameter.", request=request)
    sent = dict(request.uri_query_params) | dict(request.decoded_body or [])
    for parameter in ("request", "request_uri"):
        if sent.get(parameter):
            raise errors.CustomOAuth2Error(
                f"{parameter}_not_supported",
                description=f"The {parameter} parameter is not supported.",
                request=request,
            )


class EgovOAuth2Validator(OAuth2Validator):
    """django-oauth-toolkit's validator with egov's claims, the authorization code flow only,
    silent login, and revocation on code replay."""

    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        CLAIM_PERSONAL_ID: "profile",
        CLAIM_KIND: "profile",
        # How sure we are of the person, and how they logged in: not personal data, always given.
        CLAIM_IDENTITY_LEVEL: "openid",
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

    def get_id_token_dictionary(
        self, token: Any, token_handler: Any, request: Any
    ) -> tuple[dict[str, Any], Any]:
        claims, expiration = super().get_id_token_dictionary(token, token_handler, request)
        # The time of the login the code was given at, not of the account's latest login.
        login_time = getattr(request, "egov_auth_time", None)
        if isinstance(login_time, int):
            claims["auth_time"] = login_time
        return claims, expiration

    # --- the authorization request -------------------------------------------------------------

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
        _check_request_form(request)
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

    def get_default_redirect_uri(
        self, client_id: str, request: Any, *args: Any, **kwargs: Any
    ) -> Any:
        # OpenID Connect requires redirect_uri (Core §3.1.2.1): without it, an error page here,
        # not a code sent to a registered address the client did not name.
        if "openid" in str(request.scope or "").split():
            return None
        return super().get_default_redirect_uri(client_id, request, *args, **kwargs)

    def validate_silent_login(self, request: Any) -> bool:
        """``prompt=none``: someone is logged in at the browser, recently enough for
        ``max_age``; otherwise oauthlib answers ``login_required``."""
        browser = authentication.browser_request()
        if browser is None or authentication.logged_in_user(browser) is None:
            return False
        return not authentication.login_too_old(browser, request.max_age)

    def validate_silent_authorization(self, request: Any) -> bool:
        """``prompt=none``: the person allowed this client these scopes before (otherwise
        oauthlib answers ``consent_required``), at the identity level the client asks for
        (otherwise ``interaction_required``: the person must raise it on their account page)."""
        user = authentication.logged_in_user(authentication.browser_request())
        if user is None:
            return False
        if authentication.level_unmet(user, request.acr_values, request.claims):
            raise _interaction_required(request, "The identity level asked for is not met.")
        if request.client is not None and request.client.skip_authorization:
            return True
        return consented(user, request.client_id, list(request.scopes or []))

    def validate_user_match(
        self, id_token_hint: Any, scopes: Any, claims: Any, request: Any
    ) -> bool:
        """``id_token_hint`` (and a ``sub`` asked in ``claims``) must name the person logged in;
        otherwise oauthlib answers ``login_required``. A hint this provider did not sign is
        refused as ``invalid_request``."""
        subjects, hint_valid = authentication.expected_subject(id_token_hint, claims)
        if not hint_valid:
            raise errors.InvalidRequestError(
                description="The id_token_hint is not an ID token of this provider.",
                request=request,
            )
        if not subjects:
            return True
        user = authentication.logged_in_user(authentication.browser_request())
        return user is not None and subjects == {str(user.pk)}

    def save_authorization_code(
        self, client_id: str, code: dict[str, Any], request: Any, *args: Any, **kwargs: Any
    ) -> None:
        # ``request.user`` is the person at the browser here, with django-otp's is_verified().
        ride: dict[str, Any] = {_AMR_KEY: authentication_methods(request.user)}
        browser = authentication.browser_request()
        if browser is not None:
            ride[_AUTH_TIME_KEY] = authentication.auth_time(browser)
        request.claims = {**(request.claims or {}), **ride}
        super().save_authorization_code(client_id, code, request, *args, **kwargs)

    # --- the token request ---------------------------------------------------------------------

    def validate_code(
        self, client_id: str, code: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        valid = bool(super().validate_code(client_id, code, client, request, *args, **kwargs))
        if not valid:
            # A code redeemed before has leaked: what it gave is revoked (RFC 6749 §4.1.2).
            redemption.revoke_replayed(code)
            return False
        if isinstance(request.claims, dict):
            claims = dict(request.claims)
            request.egov_amr = claims.pop(_AMR_KEY, None) or ["pwd"]
            request.egov_auth_time = claims.pop(_AUTH_TIME_KEY, None)
            request.claims = claims or None
        return valid

    def save_bearer_token(
        self, token: dict[str, Any], request: Any, *args: Any, **kwargs: Any
    ) -> Any:
        saved = super().save_bearer_token(token, request, *args, **kwargs)
        if request.grant_type == "authorization_code" and request.code:
            redemption.record_redemption(request.code, request.client_id, request.user, token)
        return saved
