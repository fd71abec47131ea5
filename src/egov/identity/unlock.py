"""Mở khóa đăng nhập: the owner of an account that is being slowed down (egov.identity.throttling)
proves they hold its verified email address or phone number, and the browser they use becomes a
known device of the account: it logs in with the password at once.

The answers never tell whether a login exists or has a verified contact. Codes are six digits,
valid 15 minutes and 5 tries, kept as keyed hashes in the cache; sending them is limited like
the other codes (per client address and per login).
"""

import hashlib
import hmac
import secrets
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from egov.core import audit

from .account import services as account_services
from .models import User, VerificationChannel

CODE_SECONDS = 15 * 60
CODE_TRIES = 5


def _key(login: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), login.strip().encode(), hashlib.sha256)
    return f"egov-unlock:{digest.hexdigest()[:32]}"


def _code_hash(login: str, code: str) -> str:
    message = f"unlock:{login.strip()}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _verified_contact(user: User) -> tuple[str, str] | None:
    if user.email and user.email_verified_at:
        return VerificationChannel.EMAIL, user.email
    if user.phone and user.phone_verified_at:
        return VerificationChannel.PHONE, user.phone
    return None


def send_unlock_code(address: str, login: str) -> None:
    """Send a code to the verified contact of the account ``login``, if there is one; the same
    outcome for the caller either way. :class:`TooSoon` past the hourly limits."""
    login = (login or "").strip()
    account_services.throttle_codes(address, f"unlock:{login}")
    user = User.objects.filter(username=login, is_active=True).first()
    contact = _verified_contact(user) if user else None
    if user is None or contact is None:
        return
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set(_key(login), (_code_hash(login, code), 0), timeout=CODE_SECONDS)
    audit.record(
        "login_unlock_code_sent",
        actor=user,
        object_type="user",
        object_id=user.pk,
        data={"channel": contact[0]},
    )
    transaction.on_commit(partial(_deliver, user.pk, contact[0], contact[1], code))


def _deliver(user_id: int, channel: str, address: str, code: str) -> None:
    with translation.override("vi"):
        text = _(
            "Your egov login code is %(code)s. It lets the browser where you enter it log in to "
            "your account although logins are slowed down. It is valid for 15 minutes. Never "
            "give it to anyone. If you did not ask for it, someone may be guessing your password."
        ) % {"code": code}
        account_services.send_message(user_id, channel, address, _("Your egov login code"), text)


def check_unlock_code(login: str, code: str) -> bool:
    """True, once, for the code sent for ``login``; at most five tries per code."""
    login = (login or "").strip()
    code = "".join((code or "").split())
    state = cache.get(_key(login))
    if not isinstance(state, tuple) or state[1] >= CODE_TRIES:
        return False
    if not hmac.compare_digest(state[0], _code_hash(login, code)):
        cache.set(_key(login), (state[0], state[1] + 1), timeout=CODE_SECONDS)
        return False
    cache.delete(_key(login))
    user = User.objects.filter(username=login).first()
    if user is not None:
        audit.record("login_unlocked", actor=user, object_type="user", object_id=user.pk)
    return True
