"""A person's own account: self-registration, proving a contact (identity level 1), verification
against the population registry (level 2), and the download of everything held on them.

The personal ID number is personal data: it goes to the database and to the registry, never to
logs or to the audit log, whose rows carry ids, channels and field names only.
"""

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from egov.core import audit
from egov.core.errors import Conflict, InvalidInput, NotAllowed, TooManyRequests
from egov.core.queue import task_named

from .. import ratelimit
from ..models import (
    IdentityLevel,
    RegistryVerification,
    RegistryVerificationStatus,
    User,
    UserKind,
    VerificationChannel,
    VerificationCode,
)
from ..services import CitizenOrigin, create_citizen, send_message
from .registry import RegistryAnswer

log = logging.getLogger("egov.identity")

#: A code is valid this long, for this many tries, and a new one is sent at most this often.
CODE_VALIDITY = timedelta(minutes=15)
CODE_MAX_ATTEMPTS = 5
CODE_RESEND_INTERVAL = timedelta(seconds=60)
#: Registrations accepted per hour from one address, and for one personal ID number.
REGISTRATIONS_PER_ADDRESS = 10
REGISTRATIONS_PER_PERSON = 3
#: Verification codes sent (or tried, without a login) per hour from one address and per person.
CODES_PER_ADDRESS = 20
CODES_PER_PERSON = 5
#: Tries to reach the registry before a check is given up as failed (backoff in between).
REGISTRY_MAX_ATTEMPTS = 5
PHONE_RE = re.compile(r"^(\+84|0)\d{9,10}$")


# --- rate limits ---------------------------------------------------------------------------------


def throttle_registration(address: str, personal_id: str) -> None:
    """Count one registration attempt; :class:`TooManyRequests` past the hourly limits, per client
    address and per personal ID number (whether or not it has an account)."""
    by_address = ratelimit.hit("register-address", address, REGISTRATIONS_PER_ADDRESS)
    by_person = ratelimit.hit(
        "register-person", (personal_id or "").strip(), REGISTRATIONS_PER_PERSON
    )
    if not (by_address and by_person):
        audit.record(
            "registration_throttled", data={"by": "address" if not by_address else "person"}
        )
        raise TooManyRequests(str(ratelimit.TOO_MANY))


def throttle_codes(address: str, person: str) -> None:
    """Count one code sent or tried without a login; :class:`TooManyRequests` past the hourly limits
    per client address and per person (a user id or a personal ID number)."""
    by_address = ratelimit.hit("codes-address", address, CODES_PER_ADDRESS)
    by_person = ratelimit.hit("codes-person", person, CODES_PER_PERSON)
    if not (by_address and by_person):
        raise TooManyRequests(str(ratelimit.TOO_MANY))


# --- registration (level 0) ------------------------------------------------------------------------


def register_citizen(
    *,
    personal_id: str,
    full_name: str,
    birth_date: date | None,
    password: str,
    email: str = "",
    phone: str = "",
) -> User | None:
    """Đăng ký tài khoản: a person creates their own account (identity level 0) and is sent a
    code by email and/or SMS to prove the contact they gave (level 1).

    Whether a personal ID number already has an account is not told to whoever registers: for
    such a number nothing is created, ``None`` is returned (callers answer exactly as for a new
    account) and the owner is told by their verified contacts instead."""
    personal_id, full_name = (personal_id or "").strip(), " ".join((full_name or "").split())
    email, phone = (email or "").strip().lower(), "".join((phone or "").split())
    errors: dict[str, str] = {}
    if not email and not phone:
        errors["email"] = _("Give an email address or a phone number (or both).")
    if phone and not PHONE_RE.match(phone):
        errors["phone"] = _("Enter a Vietnamese phone number, e.g. 0912345678.")
    if birth_date is None:
        errors["birth_date"] = _("Enter your date of birth.")
    elif birth_date > timezone.localdate():
        errors["birth_date"] = _("The date of birth cannot be in the future.")
    candidate = User(
        username=personal_id,
        personal_id=personal_id,
        full_name=full_name,
        birth_date=birth_date,
        email=email,
        phone=phone,
        kind=UserKind.CITIZEN,
    )
    try:
        candidate.full_clean(exclude=["password", "username"], validate_unique=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, " ".join(messages))
    taken = User.objects.filter(Q(username=personal_id) | Q(personal_id=personal_id)).exists()
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        errors["password"] = " ".join(exc.messages)
    if errors:
        raise InvalidInput(_("Please correct the fields marked below."), errors)
    if taken:
        _tell_owner(personal_id)
        return None
    try:
        with transaction.atomic():
            user = create_citizen(
                personal_id=personal_id,
                full_name=full_name,
                password=password,
                birth_date=birth_date,
                email=email,
                phone=phone,
                how=CitizenOrigin.PORTAL,
            )
            for channel in _unverified_channels(user):
                send_verification_code(user, channel)
    except IntegrityError:  # registered concurrently
        _tell_owner(personal_id)
        return None
    return user


def _tell_owner(personal_id: str) -> None:
    """Someone tried to register a personal ID number that has an account: its owner is told
    by their verified email address and phone number (audited by user id only)."""
    owner = User.objects.filter(Q(username=personal_id) | Q(personal_id=personal_id)).first()
    if owner is None:
        return
    audit.record("registration_of_existing_account", object_type="user", object_id=owner.pk)
    contacts = []
    if owner.email and owner.email_verified_at:
        contacts.append((VerificationChannel.EMAIL, owner.email))
    if owner.phone and owner.phone_verified_at:
        contacts.append((VerificationChannel.PHONE, owner.phone))
    for channel, address in contacts:
        with translation.override("vi"):
            text = _(
                "Someone tried to create a new egov account with your personal ID number. You "
                "already have an account: if it was you, log in with it. If it was not you, you "
                "need not do anything; your account is unchanged."
            )
            send_message(owner, channel, address, _("Your egov account"), text, "account_notice")


def _unverified_channels(user: User) -> list[str]:
    channels: list[str] = []
    if user.email and user.email_verified_at is None:
        channels.append(VerificationChannel.EMAIL)
    if user.phone and user.phone_verified_at is None:
        channels.append(VerificationChannel.PHONE)
    return channels


def pending_channels(user: User) -> list[str]:
    """The contacts of ``user`` not yet proven, which a code can be sent to."""
    return _unverified_channels(user)


# --- verification codes (level 1) ------------------------------------------------------------------


def _code_hash(user_id: int, channel: str, code: str) -> str:
    """Keyed, so that a copy of the table does not give the six-digit codes away."""
    message = f"{user_id}:{channel}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def send_verification_code(user: User, channel: str) -> None:
    """Send a new six-digit code to the email address or phone number of ``user``; earlier codes
    for that contact stop working. The code is kept only as a keyed hash."""
    address = user.email if channel == VerificationChannel.EMAIL else user.phone
    if channel not in VerificationChannel.values or not address:
        raise InvalidInput(_("There is no such contact to verify."), {"channel": _("Unknown.")})
    if channel not in _unverified_channels(user):
        raise Conflict(_("This contact is already verified."))
    now = timezone.now()
    with transaction.atomic():
        codes = VerificationCode.objects.select_for_update().filter(
            user=user, channel=channel, used_at__isnull=True
        )
        if codes.filter(created_at__gt=now - CODE_RESEND_INTERVAL).exists():
            raise TooManyRequests(
                _("A code was sent less than a minute ago. Please wait a moment.")
            )
        codes.filter(expires_at__gt=now).update(expires_at=now)
        code = f"{secrets.randbelow(10**6):06d}"
        VerificationCode.objects.create(
            user=user,
            channel=channel,
            code_hash=_code_hash(user.pk, channel, code),
            expires_at=now + CODE_VALIDITY,
        )
        audit.record(
            "verification_code_sent",
            actor=user,
            object_type="user",
            object_id=user.pk,
            data={"channel": channel},
        )
        with translation.override("vi"):
            text = _(
                "Your egov verification code is %(code)s. It is valid for 15 minutes. "
                "Never give it to anyone."
            ) % {"code": code}
            subject = _("Your egov verification code")
        send_message(user, channel, address, subject, text, "verification_code", secret=True)


def verify_contact(user: User, channel: str, code: str) -> User:
    """Check a code; when right, the contact is proven and the account reaches level 1.

    A code works once, for 15 minutes, and for five tries at most."""
    code = "".join((code or "").split())
    now = timezone.now()
    with transaction.atomic():
        pending = (
            VerificationCode.objects.select_for_update()
            .filter(user=user, channel=channel, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if pending is None:
            raise InvalidInput(
                _("This code has expired or is no longer valid. Ask for a new one."),
                {"code": _("Ask for a new code.")},
            )
        if pending.attempts >= CODE_MAX_ATTEMPTS:
            raise InvalidInput(
                _("Too many wrong codes. Ask for a new one."), {"code": _("Ask for a new code.")}
            )
        pending.attempts += 1
        right = hmac.compare_digest(pending.code_hash, _code_hash(user.pk, channel, code))
        if right:
            pending.used_at = now
        pending.save(update_fields=["attempts", "used_at"])
        if right:
            _mark_verified(user, channel, now)
    if not right:  # raised after the commit, so that the try counts
        left = CODE_MAX_ATTEMPTS - pending.attempts
        raise InvalidInput(
            _("The code is not right. Tries left: %(left)s.") % {"left": left},
            {"code": _("The code is not right.")},
        )
    return user


def _mark_verified(user: User, channel: str, now: Any) -> None:
    field = "email_verified_at" if channel == VerificationChannel.EMAIL else "phone_verified_at"
    setattr(user, field, now)
    fields = [field]
    raised = user.identity_level < IdentityLevel.LEVEL_1
    if raised:
        user.identity_level = IdentityLevel.LEVEL_1
        fields.append("identity_level")
    user.save(update_fields=fields)
    audit.record(
        "contact_verified",
        actor=user,
        object_type="user",
        object_id=user.pk,
        data={"channel": channel},
    )
    if raised:
        audit.record(
            "identity_level_raised",
            actor=user,
            object_type="user",
            object_id=user.pk,
            data={"level": IdentityLevel.LEVEL_1, "by": channel},
        )


def verify_contact_of(personal_id: str, channel: str, code: str) -> User:
    """The same check for a client that is not logged in yet (the API after registration): an
    unknown personal ID number fails exactly like a wrong code."""
    user = User.objects.filter(personal_id=(personal_id or "").strip(), is_active=True).first()
    if user is None:
        raise InvalidInput(
            _("This code has expired or is no longer valid. Ask for a new one."),
            {"code": _("Ask for a new code.")},
        )
    return verify_contact(user, channel, code)


# --- the population registry (level 2) -------------------------------------------------------------


def latest_registry_verification(user: User) -> RegistryVerification | None:
    return user.registry_verifications.order_by("-requested_at", "-pk").first()


def request_registry_verification(user: User) -> RegistryVerification:
    """Ask the population registry whether the person's name and date of birth match their
    personal ID number; a background task asks and records the answer. Idempotent while a
    check is pending."""
    verify_with_population_registry = task_named(
        "egov.identity.account.tasks.verify_with_population_registry"
    )
    if user.kind != UserKind.CITIZEN:
        raise NotAllowed(_("Only citizens verify their identity this way."))
    if user.identity_level >= IdentityLevel.LEVEL_2:
        raise Conflict(_("Your identity is already verified at level 2."))
    if user.identity_level < IdentityLevel.LEVEL_1:
        raise NotAllowed(
            _("First verify your email address or phone number (level 1), then try again.")
        )
    if not (user.personal_id and user.full_name and user.birth_date):
        raise InvalidInput(
            _("Your personal ID number, full name and date of birth are needed for this check.")
        )
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one pending check per person
        pending = user.registry_verifications.filter(
            status=RegistryVerificationStatus.PENDING
        ).first()
        if pending is not None:
            return pending
        verification = RegistryVerification.objects.create(user=user, requested_at=timezone.now())
        audit.record(
            "registry_verification_requested",
            actor=user,
            object_type="user",
            object_id=user.pk,
            data={"verification": verification.pk},
        )
        transaction.on_commit(partial(verify_with_population_registry.enqueue, verification.pk))
    return verification


@dataclass(frozen=True)
class RegistryQuestion:
    """What the task sends to the registry: the person's declared identity."""

    personal_id: str
    full_name: str
    birth_date: date


def registry_question(verification_id: int) -> RegistryQuestion | None:
    """The declared identity to check, or None when the check is no longer pending."""
    verification = (
        RegistryVerification.objects.select_related("user").filter(pk=verification_id).first()
    )
    if verification is None or verification.status != RegistryVerificationStatus.PENDING:
        return None
    user = verification.user
    if not (user.personal_id and user.full_name and user.birth_date):
        return None
    return RegistryQuestion(user.personal_id, user.full_name, user.birth_date)


def record_registry_answer(verification_id: int, answer: RegistryAnswer) -> str:
    """Apply the registry's answer: a match raises the account to level 2; a mismatch records
    which fields differ (their names only). Idempotent."""
    now = timezone.now()
    with transaction.atomic():
        verification = (
            RegistryVerification.objects.select_for_update().filter(pk=verification_id).first()
        )
        if verification is None or verification.status != RegistryVerificationStatus.PENDING:
            return verification.status if verification else "missing"
        user = User.objects.select_for_update().get(pk=verification.user_id)
        verification.attempts += 1
        verification.completed_at = now
        verification.last_error = ""
        if answer.match:
            verification.status = RegistryVerificationStatus.MATCHED
            verification.differences = []
            user.identity_level = IdentityLevel.LEVEL_2
            user.registry_verified_at = now
            user.save(update_fields=["identity_level", "registry_verified_at"])
            audit.record(
                "identity_level_raised",
                object_type="user",
                object_id=user.pk,
                data={"level": IdentityLevel.LEVEL_2, "by": "population_registry"},
            )
        else:
            verification.status = RegistryVerificationStatus.MISMATCH
            verification.differences = sorted(answer.differences) or ["personal_id"]
            audit.record(
                "registry_verification_mismatch",
                object_type="user",
                object_id=user.pk,
                data={"verification": verification.pk, "differences": verification.differences},
            )
        verification.save()
    log.info(
        "registry_verification_done",
        extra={"verification": verification_id, "status": verification.status},
    )
    return verification.status


def record_registry_failure(verification_id: int, reason: str) -> tuple[str, int]:
    """Count a failed call to the registry. Returns (status, attempts): still pending (to be
    retried) or, after the last try, failed. ``reason`` must not hold personal data."""
    with transaction.atomic():
        verification = (
            RegistryVerification.objects.select_for_update().filter(pk=verification_id).first()
        )
        if verification is None or verification.status != RegistryVerificationStatus.PENDING:
            return (verification.status if verification else "missing"), 0
        verification.attempts += 1
        verification.last_error = reason[:120]
        if verification.attempts >= REGISTRY_MAX_ATTEMPTS:
            verification.status = RegistryVerificationStatus.FAILED
            verification.completed_at = timezone.now()
            audit.record(
                "registry_verification_failed",
                object_type="user",
                object_id=verification.user_id,
                data={"verification": verification.pk, "reason": verification.last_error},
            )
        verification.save(update_fields=["attempts", "last_error", "status", "completed_at"])
    log.warning(
        "registry_unreachable",
        extra={"verification": verification_id, "attempt": verification.attempts},
    )
    return verification.status, verification.attempts
