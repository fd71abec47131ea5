"""What identity's sub-packages share: the one way a citizen account is created (by the
portal's registration, the one-stop shop's counter, the first login through an identity provider,
demo data and commands). Organisations, officials and a person's own account have their own
``services`` in their sub-packages."""

import logging
from datetime import date

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from egov.core import audit
from egov.core.sms import send_sms

from .models import IdentityLevel, User, UserKind, VerificationChannel

log = logging.getLogger("egov.identity")


def create_citizen(
    *,
    personal_id: str,
    full_name: str,
    password: str,
    birth_date: date | None = None,
    email: str = "",
    phone: str = "",
    address: str = "",
    identity_level: int = IdentityLevel.UNVERIFIED,
) -> User:
    """Create a citizen account; the personal ID number is the login.

    ``identity_level`` is for accounts whose identity was established elsewhere (demo data,
    tests, an administrator with the person in front of them); at level 2 the registry
    verification time is set, the contacts stay unproven. Self-registration starts at level 0
    (see ``account.services.register_citizen``).
    """
    user = User(
        username=personal_id,
        personal_id=personal_id,
        full_name=full_name,
        birth_date=birth_date,
        email=email,
        phone=phone,
        address=address,
        kind=UserKind.CITIZEN,
        identity_level=identity_level,
        registry_verified_at=timezone.now() if identity_level >= IdentityLevel.LEVEL_2 else None,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    with transaction.atomic():
        user.save()
        audit.record("citizen_created", object_type="user", object_id=user.pk)
    return user


def send_message(user_id: int, channel: str, address: str, subject: str, text: str) -> None:
    """Send ``text`` by email or SMS; a failure is logged (without the address), not raised."""
    try:
        if channel == VerificationChannel.EMAIL:
            send_mail(subject, text, None, [address])
        else:
            send_sms(address, text)
    except Exception:  # the person can ask again; the page must not fail
        log.warning("account_message_not_delivered", extra={"user": user_id, "channel": channel})
