"""Local accounts from an external identity provider's claims (the portal as a relying party).

The provider is the one the operator configured (``OIDC_ISSUER``), so what it says about a citizen
is trusted: the citizen's account is created on the first login and kept in step on later ones.
Officials are different: they hold back-office roles here, which a foreign provider cannot grant.
An official logs in only to an account that already exists here, and only with two factors.
"""

import contextlib
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from egov.core import audit
from egov.identity.models import PERSONAL_ID_RE, IdentityLevel, User, UserKind
from egov.identity.services import CitizenOrigin, create_citizen

from .provider import CLAIM_IDENTITY_LEVEL, CLAIM_KIND, CLAIM_PERSONAL_ID

#: Where a login through the provider keeps its ``amr`` (e.g. ``["pwd", "otp"]``) in the session.
SESSION_AMR = "egov_oidc_amr"
#: The ID token of that login, sent back to the provider as ``id_token_hint`` at logout.
SESSION_ID_TOKEN = "egov_oidc_id_token"  # noqa: S105 - a session key, not a secret

ONE_FACTOR = _(
    "Officials log in with two factors. Log in again at the identity provider and enter the"
    " one-time code from your authenticator app."
)
NO_OFFICIAL_ACCOUNT = _(
    "There is no official account for you on this portal. An administrator of this portal must"
    " create it before you can log in."
)
NO_PERSONAL_ID = _("The identity provider did not give a valid personal ID number.")
NOT_A_CITIZEN = _("This personal ID number belongs to an account that cannot log in this way.")
UNUSABLE_DETAILS = _("The identity provider's details about you cannot be used here.")
LOCKED = _("This account is locked. Contact the administrator of this portal.")


class ProvisioningRefused(Exception):
    """The provider's answer does not let this person log in here; ``message`` says why."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


def provision_user(claims: Mapping[str, Any]) -> User:
    """The local account for a person the provider authenticated, created or updated from its
    claims: a citizen by ``personal_id``; an existing official by ``preferred_username``, with
    ``otp`` in ``amr``. Raises :class:`ProvisioningRefused` otherwise."""
    if egov_claim(claims, CLAIM_KIND) == UserKind.OFFICIAL:
        return _official(claims)
    return _citizen(claims)


def egov_claim(claims: Mapping[str, Any], name: str) -> Any:
    """One of egov's own claims (``urn:egov:personal_id``); an egov provider from before they had
    collision-resistant names sends the bare name (``personal_id``; ``egov_kind`` for the kind)."""
    if name in claims:
        return claims[name]
    bare = name.removeprefix("urn:egov:")
    return claims.get("egov_kind" if bare == "kind" else bare)


def national_phone(phone: str) -> str:
    """A Vietnamese number in E.164, as providers send it (``+84912000001``), in the national
    form the accounts keep (``0912000001``); other numbers as they are."""
    return f"0{phone.removeprefix('+84')}" if phone.startswith("+84") else phone


def login_methods(request: HttpRequest) -> list[str]:
    """How the provider authenticated the person of this session (its ``amr``); empty when they
    logged in here with a password instead."""
    return list(request.session.get(SESSION_AMR, []))


def _official(claims: Mapping[str, Any]) -> User:
    if "otp" not in (claims.get("amr") or []):
        raise ProvisioningRefused(ONE_FACTOR)
    username = str(claims.get("preferred_username") or "")
    user = User.objects.filter(username=username, kind=UserKind.OFFICIAL).first()
    if user is None:
        # Back-office roles are granted here, never by a foreign provider.
        raise ProvisioningRefused(NO_OFFICIAL_ACCOUNT)
    _check_active(user)
    audit.record("oidc_login_official", actor=user, object_type="user", object_id=user.pk)
    return user


@transaction.atomic
def _citizen(claims: Mapping[str, Any]) -> User:
    personal_id = str(egov_claim(claims, CLAIM_PERSONAL_ID) or "")
    if not PERSONAL_ID_RE.match(personal_id):
        raise ProvisioningRefused(NO_PERSONAL_ID)
    fields = _citizen_fields(claims)
    user = User.objects.select_for_update().filter(personal_id=personal_id).first()
    if user is None:
        return _create_citizen(personal_id, fields)
    if user.kind != UserKind.CITIZEN:
        raise ProvisioningRefused(NOT_A_CITIZEN)
    _check_active(user)
    # A level proven here (e.g. against the population registry) is not lost because the
    # provider knows less.
    fields["identity_level"] = max(fields.get("identity_level", 0), user.identity_level)
    changed = [name for name, value in fields.items() if getattr(user, name) != value]
    if changed:
        for name in changed:
            setattr(user, name, fields[name])
        user.save(update_fields=changed)
        audit.record(
            "citizen_updated_from_provider",
            object_type="user",
            object_id=user.pk,
            data={"fields": sorted(changed)},
        )
    return user


def _create_citizen(personal_id: str, fields: dict[str, Any]) -> User:
    # The person authenticates at the provider: no password here until they set one.
    details: dict[str, Any] = {"full_name": "", **fields}
    try:
        return create_citizen(personal_id=personal_id, how=CitizenOrigin.OIDC, **details)
    except ValidationError as error:
        raise ProvisioningRefused(UNUSABLE_DETAILS) from error


def _citizen_fields(claims: Mapping[str, Any]) -> dict[str, Any]:
    """Local fields from the claims; a claim the provider did not send leaves its field alone."""
    fields: dict[str, Any] = {}
    if claims.get("name"):
        fields["full_name"] = str(claims["name"])[:150]
    if claims.get("birthdate"):
        with contextlib.suppress(ValueError):  # a malformed date leaves the field alone
            fields["birth_date"] = date.fromisoformat(str(claims["birthdate"]))
    level = egov_claim(claims, CLAIM_IDENTITY_LEVEL)
    if isinstance(level, int) and level in IdentityLevel.values:
        fields["identity_level"] = level
    if claims.get("email"):
        fields["email"] = str(claims["email"])[:254]
    if claims.get("phone_number"):
        fields["phone"] = national_phone(str(claims["phone_number"]))[:20]
    return fields


def _check_active(user: User) -> None:
    if not user.is_active:
        raise ProvisioningRefused(LOCKED)
