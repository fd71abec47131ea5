"""One-time codes sent to an account's verified email address or phone number, for two jobs:

- Mở khóa đăng nhập (``UNLOCK``): the owner of an account that is being slowed down
  (egov.identity.throttling) proves they hold its verified contact, and the browser they use
  becomes a known device of the account: it logs in with the password at once.
- Quên mật khẩu (``RESET``): the owner who forgot the password proves they hold its verified
  contact and chooses a new one (``reset_password``).

The answers never tell whether a login exists or has a verified contact. Codes are six digits,
valid 15 minutes, once, kept as keyed hashes in the cache.

An attacker must not be able to use this path against the owner either: a new code does not
replace the ones already sent (up to ``LIVE_CODES`` work at once), and the limits on sending and
trying are per client address and login, so requests from elsewhere neither use up the owner's
codes nor their tries. Guessing an unlock code is not worth much anyway: it only makes a browser
a known device, which still needs the password. A reset code is worth the account: the same
limits allow 5 wrong codes an hour per login and address against a million codes, each valid
15 minutes. Each job has its own codes and limits.
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

UNLOCK = "unlock"
RESET = "reset"

CODE_SECONDS = 15 * 60
#: Codes sent for one login that work at the same time (the newest).
LIVE_CODES = 5
#: Codes sent per hour: per client address, per login and client address, per login.
SENT_PER_ADDRESS = 20
SENT_PER_LOGIN_AND_ADDRESS = 3
SENT_PER_LOGIN = 10
#: Wrong codes per hour per login and client address.
TRIES_PER_LOGIN_AND_ADDRESS = 5


def _key(login: str, purpose: str = UNLOCK) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), login.strip().encode(), hashlib.sha256)
    return f"egov-{purpose}:{digest.hexdigest()[:32]}"


def _code_hash(login: str, code: str, purpose: str = UNLOCK) -> str:
    message = f"{purpose}:{login.strip()}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _verified_contact(user: User) -> tuple[str, str] | None:
    if user.email and user.email_verified_at:
        return VerificationChannel.EMAIL, user.email
    if user.phone and user.phone_verified_at:
        return VerificationChannel.PHONE, user.phone
    return None


def _live_codes(login: str, now: float, purpose: str = UNLOCK) -> list[tuple[str, float]]:
    codes = cache.get(_key(login, purpose))
    if not isinstance(codes, list):
        return []
    return [(digest, until) for digest, until in codes if until > now]


def _messages(purpose: str, code: str) -> tuple[str, str, str]:
    """(subject, text, topic) of a code's message, in Vietnamese."""
    with translation.override("vi"):
        if purpose == RESET:
            text = _(
                "Your egov code to choose a new password is %(code)s. It is valid for 15 "
                "minutes. Never give it to anyone, not even to someone who says they work for "
                "egov. If you did not ask for it, ignore this message: your password is unchanged."
            ) % {"code": code}
            return _("Your egov password reset code"), text, "password_reset_code"
        text = _(
            "Your egov login code is %(code)s. It lets the browser where you enter it log in to "
            "your account although logins are slowed down. It is valid for 15 minutes. Never "
            "give it to anyone. If you did not ask for it, someone may be guessing your password."
        ) % {"code": code}
        return _("Your egov login code"), text, "login_unlock_code"


def send_code(address: str, login: str, purpose: str = UNLOCK) -> None:
    """Send a code for ``purpose`` to the verified contact of the account ``login``, if there is
    one; the same outcome for the caller either way. :class:`TooManyRequests` past the hourly
    limits."""
    login = (login or "").strip()
    allowed = [
        ratelimit.hit(f"{purpose}-address", address, SENT_PER_ADDRESS),
        ratelimit.hit(f"{purpose}-pair", f"{login}|{address}", SENT_PER_LOGIN_AND_ADDRESS),
        ratelimit.hit(f"{purpose}-login", login, SENT_PER_LOGIN),
    ]
    if not all(allowed):
        raise TooManyRequests(str(ratelimit.TOO_MANY))
    user = User.objects.filter(username=login, is_active=True).first()
    contact = _verified_contact(user) if user else None
    if user is None or contact is None:
        return
    code = f"{secrets.randbelow(10**6):06d}"
    now = time.time()
    kept = _live_codes(login, now, purpose)[-(LIVE_CODES - 1) :]
    codes = [*kept, (_code_hash(login, code, purpose), now + CODE_SECONDS)]
    cache.set(_key(login, purpose), codes, timeout=CODE_SECONDS)
    audit.record(
        "login_unlock_code_sent" if purpose == UNLOCK else "password_reset_code_sent",
        actor=user,
        object_type="user",
        object_id=user.pk,
        data={"channel": contact[0]},
    )
    subject, text, topic = _messages(purpose, code)
    send_message(user, contact[0], contact[1], subject, text, topic, secret=True)


def check_code(address: str, login: str, code: str, purpose: str = UNLOCK) -> User | None:
    """The account, once, for a code sent for ``login`` and ``purpose`` and still valid; at
    most ``TRIES_PER_LOGIN_AND_ADDRESS`` wrong codes an hour from one address."""
    login = (login or "").strip()
    code = "".join((code or "").split())
    pair = f"{login}|{address}"
    if ratelimit.count(f"{purpose}-tries", pair) >= TRIES_PER_LOGIN_AND_ADDRESS:
        return None
    now = time.time()
    codes = _live_codes(login, now, purpose)
    digest = _code_hash(login, code, purpose)
    if not any(hmac.compare_digest(stored, digest) for stored, _until in codes):
        ratelimit.add(f"{purpose}-tries", pair)
        return None
    remaining = [entry for entry in codes if entry[0] != digest]
    cache.set(_key(login, purpose), remaining, timeout=CODE_SECONDS)
    return User.objects.filter(username=login, is_active=True).first()


def send_unlock_code(address: str, login: str) -> None:
    send_code(address, login, UNLOCK)


def check_unlock_code(address: str, login: str, code: str) -> bool:
    """True, once, for a code sent for ``login`` and still valid (the browser becomes a known
    device)."""
    user = check_code(address, login, code, UNLOCK)
    if user is not None:
        audit.record("login_unlocked", actor=user, object_type="user", object_id=user.pk)
    return user is not None


def reset_password(address: str, login: str, code: str, password: str) -> User | None:
    """Quên mật khẩu: with a reset code sent for ``login`` (once, still valid), the account's
    password becomes ``password`` (already checked against the password validators); every
    session of the account ends (Django's session hash changes with the password). None when
    the code is wrong or spent: the password is unchanged."""
    user = check_code(address, login, code, RESET)
    if user is None:
        return None
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record("password_reset", actor=user, object_type="user", object_id=user.pk)
    return user
