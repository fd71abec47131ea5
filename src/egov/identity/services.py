"""What identity's sub-packages share: the one way a citizen account is created (by the
portal's registration, the one-stop shop's counter, the first login through an identity provider,
demo data and commands), and sending a message to a person's contact (the account's codes and
notices, the login unlock codes). Organisations, officials and a person's own account have their
own ``services`` in their sub-packages."""

import enum
from datetime import date

from django.db import transaction
from django.utils import timezone

from egov.core import audit, notify

from .models import IdentityLevel, User, UserKind, VerificationChannel


class CitizenOrigin(enum.StrEnum):
    """How a citizen account came to be: the ``via`` of its ``citizen_created`` audit row."""

    #: The person registered on the portal (identity level 0 until a contact is proven).
    PORTAL = "portal"
    #: Identity established elsewhere: demo data, commands, an administrator with the person in
    #: front of them; at level 2 the registry verification time is set.
    REGISTRY = "registry"
    #: A receiving official filed a dossier for the person at the counter (no password).
    COUNTER = "counter"
    #: First login through an OpenID Connect provider (no password).
    OIDC = "oidc"


def create_citizen(
    *,
    personal_id: str,
    full_name: str,
    password: str | None = None,
    birth_date: date | None = None,
    email: str = "",
    phone: str = "",
    address: str = "",
    identity_level: int = IdentityLevel.UNVERIFIED,
    how: CitizenOrigin = CitizenOrigin.REGISTRY,
    by: User | None = None,
) -> User:
    """Create a citizen account, the one way every part does; the personal ID number is the
    login. Always audited (``citizen_created``, with ``how`` and the official ``by`` if any,
    never personal data). Raises ValidationError for details the model refuses.

    Without ``password`` the account has none until the person sets one (counter, OpenID
    Connect). At level 2 an account created from the registry gets its verification time; the
    contacts stay unproven."""
    verified = how == CitizenOrigin.REGISTRY and identity_level >= IdentityLevel.LEVEL_2
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
        registry_verified_at=timezone.now() if verified else None,
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.full_clean(exclude=["password"])
    with transaction.atomic():
        user.save()
        audit.record(
            "citizen_created",
            actor=by,
            object_type="user",
            object_id=user.pk,
            data={"via": str(how)},
        )
    return user


def send_message(
    user: User,
    channel: str,
    address: str,
    subject: str,
    text: str,
    topic: str,
    secret: bool = False,
) -> None:
    """Send ``text`` by email or SMS (a contact channel) to ``address`` through the one
    ``notify``: after the commit, retried, recorded; the page never waits for it or fails."""
    notify.notify(
        user,
        notify.EMAIL if channel == VerificationChannel.EMAIL else notify.SMS,
        subject=subject,
        text=text,
        topic=topic,
        address=address,
        about=("user", user.pk),
        secret=secret,
    )
