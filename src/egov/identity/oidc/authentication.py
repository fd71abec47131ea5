"""What an authorization request to the built-in provider asks of the person's login, and what
the session can tell about it (OpenID Connect Core §3.1.2.1).

- ``max_age``: the login of this session must be at most that many seconds old; its time is
  recorded in the session at every login (``auth_time`` of the ID token).
- ``acr_values`` and an ``acr`` in the ``claims`` parameter: the identity level the relying party
  needs (``urn:egov:loa:2`` for a procedure that needs level 2). Values egov does not define are
  ignored, as the specification asks.
- ``id_token_hint`` and a ``sub`` in the ``claims`` parameter: the person the relying party
  expects; an ID token this provider signed, its expiry not checked (a hint is often old).

oauthlib asks the request validator about these while the browser's request is not in reach, so
the authorization view lends it for the time of the request (:func:`at_browser`).
"""

import contextlib
import json
import time
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest
from jwcrypto import jwk, jws
from jwcrypto.common import JWException
from oauth2_provider.settings import oauth2_settings

#: Where the time of the session's login waits, in Unix seconds.
SESSION_AUTH_TIME = "egov_oidc_auth_time"
ACR_PREFIX = "urn:egov:loa:"
LEVELS = (0, 1, 2)

_browser: ContextVar[HttpRequest | None] = ContextVar("egov_oidc_browser", default=None)


def acr_for_level(level: int) -> str:
    """The ``acr`` value of an identity level (0, 1 or 2)."""
    return f"{ACR_PREFIX}{int(level)}"


@receiver(user_logged_in)
def _remember_auth_time(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        session[SESSION_AUTH_TIME] = int(time.time())


@contextlib.contextmanager
def at_browser(request: HttpRequest) -> Iterator[None]:
    """Lend the browser's request to the request validator while the authorization endpoint
    answers it."""
    token = _browser.set(request)
    try:
        yield
    finally:
        _browser.reset(token)


def browser_request() -> HttpRequest | None:
    """The browser's request at the authorization endpoint, or None elsewhere."""
    return _browser.get()


def logged_in_user(request: HttpRequest | None) -> Any:
    """The person logged in at the browser, or None."""
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def auth_time(request: HttpRequest) -> int:
    """When the person of this session logged in (Unix seconds). A session from before the time
    was recorded falls back on the account's last login, which is never earlier."""
    recorded = request.session.get(SESSION_AUTH_TIME)
    if isinstance(recorded, int):
        return recorded
    last_login = getattr(request.user, "last_login", None)
    return int(last_login.timestamp()) if last_login else int(time.time())


def max_age(value: Any) -> int | None:
    """The ``max_age`` parameter in seconds, or None when absent or not a number."""
    try:
        seconds = int(str(value))
    except (TypeError, ValueError):
        return None
    return seconds if seconds >= 0 else None


def login_too_old(request: HttpRequest, max_age_value: Any) -> bool:
    """True when the request sets a ``max_age`` that the session's login exceeds."""
    seconds = max_age(max_age_value)
    return seconds is not None and time.time() - auth_time(request) > seconds


def claims_request(value: Any) -> dict[str, Any]:
    """The ``claims`` parameter as a dict (empty when absent or malformed; oauthlib refuses a
    malformed one before it matters)."""
    if isinstance(value, Mapping):
        return dict(value)
    if not value:
        return {}
    try:
        parsed = json.loads(str(value))
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def claims_malformed(value: Any) -> bool:
    """True when a ``claims`` parameter is given and is not a JSON object (the consent form sends
    ``null`` for none)."""
    if not value or isinstance(value, Mapping):
        return False
    try:
        parsed = json.loads(str(value))
    except ValueError:
        return True
    return not (parsed is None or isinstance(parsed, dict))


def _levels(values: Any) -> list[int]:
    return [
        int(value.removeprefix(ACR_PREFIX))
        for value in values
        if isinstance(value, str)
        and value.startswith(ACR_PREFIX)
        and value.removeprefix(ACR_PREFIX) in {str(level) for level in LEVELS}
    ]


def required_level(acr_values: Any, claims: Any) -> int | None:
    """The lowest identity level the request accepts, from ``acr_values`` and the ``acr`` asked
    for the ID token in ``claims``; None when it names no level egov defines."""
    asked = _levels(str(acr_values or "").split())
    acr = claims_request(claims).get("id_token", {})
    acr = acr.get("acr") if isinstance(acr, dict) else None
    if isinstance(acr, dict):
        asked += _levels([acr.get("value"), *(acr.get("values") or [])])
    return min(asked) if asked else None


def level_unmet(user: Any, acr_values: Any, claims: Any) -> bool:
    """True when the request needs a higher identity level than the person has."""
    needed = required_level(acr_values, claims)
    return needed is not None and int(user.identity_level) < needed


def expected_subject(id_token_hint: Any, claims: Any) -> tuple[set[str], bool]:
    """The ``sub`` values the request names (from ``id_token_hint`` and ``claims``), and whether
    the hint given is one this provider signed."""
    subjects: set[str] = set()
    valid = True
    if id_token_hint:
        subject = _hint_subject(str(id_token_hint))
        if subject is None:
            valid = False
        else:
            subjects.add(subject)
    sub = claims_request(claims).get("id_token", {})
    sub = sub.get("sub") if isinstance(sub, dict) else None
    if isinstance(sub, dict) and sub.get("value") is not None:
        subjects.add(str(sub["value"]))
    return subjects, valid


def _hint_subject(token: str) -> str | None:
    """The ``sub`` of an ID token signed by one of the provider's published keys."""
    keys = jwk.JWKSet()
    for pem in (
        oauth2_settings.OIDC_RSA_PRIVATE_KEY,
        *oauth2_settings.OIDC_RSA_PRIVATE_KEYS_INACTIVE,
    ):
        if pem:
            keys.add(jwk.JWK.from_pem(pem.encode()))
    try:
        signed = jws.JWS()
        signed.deserialize(token)
        signed.verify(keys, alg="RS256")
        claims = json.loads(signed.payload)
    except (JWException, ValueError, TypeError):
        return None
    subject = claims.get("sub") if isinstance(claims, dict) else None
    return str(subject) if subject is not None else None
