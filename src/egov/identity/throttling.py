"""Login throttling that slows an attacker without locking the owner out (docs/identity.md §8).

Three counters of failed logins (wrong password, or an official's wrong one-time code):

1. **One client on one account** (django-axes, ``AXES_LOCKOUT_PARAMETERS``): after
   ``LOGIN_FAILURE_LIMIT`` failures that client address is locked out of that account for
   ``LOGIN_LOCKOUT_MINUTES``. Nobody else is: not the owner elsewhere, not the other people
   behind the same address (a NAT, an office).
2. **One account, any client**: after ``LOGIN_ACCOUNT_FAILURES`` failures, each further attempt
   must wait 2, 4, 8 … seconds, up to ``LOGIN_MAX_DELAY_MINUTES``: a guesser spread over many
   addresses is slowed to a few guesses an hour.
3. **One client, any account**: the same growing delays after ``LOGIN_CLIENT_FAILURES``
   failures (one address trying many accounts; high enough for a shared address).

An attempt made during a wait is refused before the password is checked and is not counted.
The counters are forgotten a day after their last failure.

**The owner's way in.** A browser where the account logged in successfully keeps a signed
*device cookie* naming the account (a keyed hash of the login). For that account, such a browser
skips the waits of 2 and 3 and the lock of 1, with its own lock after ``LOGIN_FAILURE_LIMIT``
failures (a stolen cookie gives no more guesses than a fresh address). On a new browser, a
one-time code sent to the account's verified email address or phone number makes the browser a
known device for the account (``/login/unlock/``).

Keys are keyed hashes (a personal ID number never reaches the cache in clear); the counts live in
the ``default`` cache, which should be shared between nodes (docs/identity.md).
"""

import hashlib
import hmac
import math
import secrets
import time
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import ngettext

from .clientip import client_key

DEVICE_COOKIE = "egov_device"
DEVICE_SALT = "egov.identity.device"
DEVICE_MAX_AGE = 180 * 24 * 3600
#: Accounts a browser is remembered for (a family computer).
DEVICE_ACCOUNTS = 5
#: Counters are kept this long after their last failure.
MEMORY = 24 * 3600
#: Request attribute set when an attempt was refused for a wait: the seconds left.
RETRY_AFTER_ATTR = "egov_login_retry_after"


def _hash(text: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), text.strip().encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def login_key(request: Any, credentials: dict[str, Any] | None) -> str:
    """AXES_USERNAME_CALLABLE: a keyed hash of the login as typed, never the login itself."""
    username = (credentials or {}).get("username") or ""
    return _hash(username) if username else ""


# --- the device cookie ----------------------------------------------------------------------------


def _device(request: Any) -> dict[str, Any] | None:
    raw = getattr(request, "COOKIES", {}).get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        value = signing.loads(raw, salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("accounts"), list):
        return None
    return value


def is_known_device(request: Any, login: str) -> bool:
    """True when this browser logged in to ``login`` before (or proved a code sent to its owner),
    and has not failed ``LOGIN_FAILURE_LIMIT`` times on it since."""
    device = _device(request)
    if not login or device is None or _hash(login) not in device["accounts"]:
        return False
    failures, _until = _state("device", f"{device['id']}:{_hash(login)}")
    return failures < settings.AXES_FAILURE_LIMIT


def remember_device(request: Any, response: HttpResponse, login: str) -> None:
    """Mark this browser as a known device of ``login`` (after a login or an unlock code)."""
    device = _device(request) or {"id": secrets.token_urlsafe(16), "accounts": []}
    account = _hash(login)
    accounts = [account] + [other for other in device["accounts"] if other != account]
    device["accounts"] = accounts[:DEVICE_ACCOUNTS]
    cache.delete(_key("device", f"{device['id']}:{account}"))
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps(device, salt=DEVICE_SALT),
        max_age=DEVICE_MAX_AGE,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


def axes_whitelist(request: Any, credentials: dict[str, Any] | None) -> bool:
    """AXES_WHITELIST_CALLABLE: a known device of the account is not locked by address; its own
    failures are counted here instead (:func:`record_failure`)."""
    return is_known_device(request, (credentials or {}).get("username") or "")


# --- the growing delays ---------------------------------------------------------------------------


def _key(scope: str, subject: str) -> str:
    return f"egov-login:{scope}:{_hash(subject)}"


def _state(scope: str, subject: str) -> tuple[int, float]:
    value = cache.get(_key(scope, subject))
    if not isinstance(value, tuple) or len(value) != 2:
        return 0, 0.0
    return int(value[0]), float(value[1])


def delay_after(failures: int, free: int) -> int:
    """Seconds to wait after ``failures`` failures when ``free`` of them cost nothing:
    2, 4, 8 … seconds, at most ``LOGIN_MAX_DELAY_MINUTES``."""
    if failures <= free:
        return 0
    return int(min(2 ** min(failures - free, 30), settings.LOGIN_MAX_DELAY_MINUTES * 60))


def _fail(scope: str, subject: str, free: int) -> None:
    failures, _until = _state(scope, subject)
    failures += 1
    until = time.time() + delay_after(failures, free)
    cache.set(_key(scope, subject), (failures, until), timeout=MEMORY)


def _limits() -> list[tuple[str, int]]:
    return [
        ("account", settings.LOGIN_ACCOUNT_FAILURES),
        ("client", settings.LOGIN_CLIENT_FAILURES),
    ]


def _subjects(request: Any, login: str) -> dict[str, str]:
    return {"account": login.strip(), "client": client_key(request)}


def wait_seconds(request: Any, login: str) -> int:
    """Seconds before ``login`` may be tried from this request's client (0: now)."""
    if is_known_device(request, login):
        return 0
    now = time.time()
    waits = [
        _state(scope, subject)[1] - now for scope, subject in _subjects(request, login).items()
    ]
    return max(0, math.ceil(max(waits)))


def record_failure(request: Any, login: str) -> None:
    """Count one failed login (the ``user_login_failed`` signal calls this)."""
    if request is None or getattr(request, RETRY_AFTER_ATTR, None):
        return  # refused for a wait: the password was not checked
    device = _device(request)
    if device is not None and login and _hash(login) in device["accounts"]:
        _fail("device", f"{device['id']}:{_hash(login)}", settings.AXES_FAILURE_LIMIT)
        if is_known_device(request, login):
            return
    subjects = _subjects(request, login)
    for scope, free in _limits():
        if subjects[scope]:
            _fail(scope, subjects[scope], free)


class LoginThrottleBackend:
    """First of AUTHENTICATION_BACKENDS: refuses an attempt made during a wait, before any
    password is checked (the login page and the token API answer 429 with Retry-After). It has
    no ``get_user``: it never logs anyone in, so Django never names it as a session's back end."""

    def authenticate(self, request: Any, username: str | None = None, **kwargs: Any) -> None:
        if request is None or not username:
            return None
        seconds = wait_seconds(request, username)
        if seconds > 0:
            setattr(request, RETRY_AFTER_ATTR, seconds)
            raise PermissionDenied
        return None


def refusal(request: HttpRequest) -> tuple[str, int] | None:
    """Why and for how long a login attempt was refused without checking it: a wait of the
    growing delays, or django-axes' lock of this client on this account; None when it was not."""
    seconds = int(getattr(request, RETRY_AFTER_ATTR, 0) or 0)
    if seconds:
        return wait_message(seconds), seconds
    if getattr(request, "axes_locked_out", False):
        minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        return wait_message(minutes * 60), minutes * 60
    return None


def wait_message(seconds: int) -> str:
    if seconds < 120:
        return ngettext(
            "Too many failed logins. Please try again in %(count)d second.",
            "Too many failed logins. Please try again in %(count)d seconds.",
            seconds,
        ) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "Too many failed logins. Please try again in %(count)d minute.",
        "Too many failed logins. Please try again in %(count)d minutes.",
        minutes,
    ) % {"count": minutes}
