"""Mở khóa đăng nhập: the owner of an account that is being slowed down (egov.identity.throttling)
proves they hold its verified email address or phone number, and the browser they use becomes a
known device of the account: it logs in with the password at once.

The answers never tell whether a login exists or has a verified contact. Codes are six digits,
valid 15 minutes, once, kept as keyed hashes in the cache.

An attacker must not be able to use this path against the owner either: a new code does not
replace the ones already sent (up to ``LIVE_CODES`` work at once), and the limits on sending and
trying are per client address and login, so requests from elsewhere neither use up the owner's
codes nor their tries. Guessing a code is not worth much anyway: it only makes a browser a known
device, which still needs the password and has its own lock after a few failures.
"""

import hashlib
import hmac
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext as _

from egov.core import audit
from egov.core.errors import TooManyRequests

from . import ratelimit
from .models import User, VerificationChannel
from .services import send_message

CODE_SECONDS = 15 * 60
#: Codes sent for one login that work at the same time (the newest).
LIVE_CODES = 5
#: Codes sent per hour: per client address, per login and client address, per login.
SENT_PER_ADDRESS = 20
SENT_PER_LOGIN_AND_ADDRESS = 3
SENT_PER_LOGIN = 10
#: Wrong codes per hour per login and client address.
TRIES_PER_LOGIN_AND_ADDRESS = 5


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


def _live_codes(login: str, now: float) -> list[tuple[str, float]]:
    codes = cache.get(_key(login))
    if not isinstance(codes, list):
        return []
    return [(digest, until) for digest, until in codes if until > now]


def send_unlock_code(address: str, login: str) -> None:
    """Send a code to the verified contact of the account ``login``, if there is one; the same
    outcome for the caller either way. :class:`TooManyRequests` past the hourly limits."""
    login = (login or "").strip()
    allowed = [
        ratelimit.hit("unlock-address", address, SENT_PER_ADDRESS),
        ratelimit.hit("unlock-pair", f"{login}|{address}", SENT_PER_LOGIN_AND_ADDRESS),
        ratelimit.hit("unlock-login", login, SENT_PER_LOGIN),
    ]
    if not all(allowed):
        raise TooManyRequests(str(ratelimit.TOO_MANY))
    user = User.objects.filter(username=login, is_active=True).first()
    contact = _verified_contact(user) if user else None
    if user is None or contact is None:
        return
    code = f"{secrets.randbelow(10**6):06d}"
    now = time.time()
    kept = _live_codes(login, now)[-(LIVE_CODES - 1) :]
    codes = [*kept, (_code_hash(login, code), now + CODE_SECONDS)]
    cache.set(_key(login), codes, timeout=CODE_SECONDS)
    audit.record(
        "login_unlock_code_sent",
        actor=user,
        object_type="user",
        object_id=user.pk,
        data={"channel": contact[0]},
    )
    with translation.override("vi"):
        text = _(
            "Your egov login code is %(code)s. It lets the browser where you enter it log in to "
            "your account although logins are slowed down. It is valid for 15 minutes. Never "
            "give it to anyone. If you did not ask for it, someone may be guessing your password."
        ) % {"code": code}
        subject = _("Your egov login code")
    send_message(user, contact[0], contact[1], subject, text, "login_unlock_code", secret=True)


def check_unlock_code(address: str, login: str, code: str) -> bool:
    """True, once, for a code sent for ``login`` and still valid; at most
    ``TRIES_PER_LOGIN_AND_ADDRESS`` wrong codes an hour from one address."""
    login = (login or "").strip()
    code = "".join((code or "").split())
    pair = f"{login}|{address}"
    if ratelimit.count("unlock-tries", pair) >= TRIES_PER_LOGIN_AND_ADDRESS:
        return False
    now = time.time()
    codes = _live_codes(login, now)
    digest = _code_hash(login, code)
    if not any(hmac.compare_digest(stored, digest) for stored, _until in codes):
        ratelimit.add("unlock-tries", pair)
        return False
    cache.set(_key(login), [entry for entry in codes if entry[0] != digest], timeout=CODE_SECONDS)
    user = User.objects.filter(username=login).first()
    if user is not None:
        audit.record("login_unlocked", actor=user, object_type="user", object_id=user.pk)
    return True
