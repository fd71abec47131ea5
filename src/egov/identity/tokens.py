"""API tokens (mã truy cập API): issued over HTTP after a login, listed and revoked by their
owner, expiring, and recorded when used.

- A citizen's token lives ``API_TOKEN_DAYS`` days. An official's (and staff's) is issued only
  after the one-time code of their authenticator, lives ``API_TOKEN_OFFICIAL_HOURS`` hours, and
  also stops working after ``OFFICIAL_IDLE_MINUTES`` without use, like their session.
- Only the SHA-256 of a token is stored; the secret is shown once.
- ``last_used_at`` is written at most once a minute per token: one UPDATE a minute, not one per call.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core import audit
from egov.core.errors import NotAllowed, ServiceError, TooManyRequests

from . import twofactor
from .access import needs_second_factor
from .models import ApiToken, User
from .throttling import refusal

#: ``last_used_at`` is written when it is at least this old.
TOUCH_INTERVAL = timedelta(seconds=60)


class TokenRefused(ServiceError):
    """Wrong login, password or one-time code (one message for all: nothing is told apart)."""

    code, http_status = "invalid_credentials", 401


class SecondFactorRequired(NotAllowed):
    """An official's token asked for without (or before enrolling) the one-time code."""

    code = "otp_required"


def _throttled(message: str, retry_after: int) -> TooManyRequests:
    return TooManyRequests(message, retry_after=retry_after)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def lifetime_for(user: User) -> timedelta:
    """How long a new token of ``user`` lives."""
    if needs_second_factor(user):
        return timedelta(hours=settings.API_TOKEN_OFFICIAL_HOURS)
    return timedelta(days=settings.API_TOKEN_DAYS)


def issue_api_token(user: User, name: str) -> str:
    """Create a token for ``user`` and return its secret, once; only the hash is kept. The
    caller has authenticated ``user`` (with the second factor for officials): see
    :func:`obtain_api_token`."""
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=(name or "").strip()[:100] or "API",
        key_hash=_hash(key),
        expires_at=timezone.now() + lifetime_for(user),
    )
    audit.record(
        "api_token_issued",
        actor=user,
        object_type="api_token",
        object_id=token.pk,
        data={"expires_at": token.expires_at.isoformat()},
    )
    return key


def _idle_too_long(token: ApiToken, now: datetime) -> bool:
    if not needs_second_factor(token.user):
        return False
    last = token.last_used_at or token.created_at
    return now - last > timedelta(minutes=settings.OFFICIAL_IDLE_MINUTES)


def user_for_token(key: str) -> User | None:
    """The active owner of a valid token (unexpired, not revoked, and for officials used within
    ``OFFICIAL_IDLE_MINUTES``), noting the use; else None."""
    if not key:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(key), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active or _idle_too_long(token, now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def tokens_of(user: User) -> QuerySet[ApiToken]:
    """The tokens of ``user`` that still work, newest first (the account page)."""
    return ApiToken.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-created_at", "-pk")


def revoke_api_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of ``user``'s own tokens (idempotent); Http404 for anyone else's."""
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise Http404
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record("api_token_revoked", actor=user, object_type="api_token", object_id=token.pk)
    return token


@dataclass(frozen=True)
class IssuedToken:
    token: str
    record: ApiToken


def obtain_api_token(
    request: Any, username: str, password: str, code: str, name: str
) -> IssuedToken:
    """A new token for whoever proves the login: the password, throttled and locked out as at the
    login page (the same authentication back ends count the failures), and for officials the
    current code of their enrolled authenticator (a wrong code counts as a failed login)."""
    user = authenticate(request, username=username, password=password)
    waiting = refusal(request)
    if waiting is not None:
        raise _throttled(*waiting)
    if user is None:
        raise TokenRefused(_("The login, password or code is not correct."))
    if needs_second_factor(user):
        device = twofactor.confirmed_device(user)
        if device is None:
            raise SecondFactorRequired(
                _("Set up two-step verification by logging in on the website first.")
            )
        if not code:
            raise SecondFactorRequired(
                _("Officials need the code from their authenticator app for a token."),
                {"code": _("Required.")},
            )
        if not twofactor.check_code(device, code):
            credentials = {"username": username}
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            waiting = refusal(request)
            if waiting is not None:
                raise _throttled(*waiting)
            raise TokenRefused(_("The login, password or code is not correct."))
    key = issue_api_token(user, name)
    return IssuedToken(key, ApiToken.objects.get(key_hash=_hash(key)))
