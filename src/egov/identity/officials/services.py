"""Official accounts and their back-office roles, audited. With ``by``, an administrator acts
and is checked (``access.can_manage_roles``); without it, the platform itself does (demo data,
commands, tests)."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from egov.core import audit
from egov.core.errors import InvalidInput
from egov.core.models import Agency
from egov.identity.access import is_platform_admin
from egov.identity.models import OfficialRole, Role, User, UserKind

from .access import can_manage_roles, can_reset_two_factor, refuse_role_management


class InvalidRole(InvalidInput, ValueError):
    """A role name egov does not know."""

    code = "invalid_role"


def create_official(
    *,
    username: str,
    full_name: str,
    password: str,
    agency: Agency,
    roles: list[str],
    email: str = "",
    phone: str = "",
    by: User | None = None,
) -> User:
    """Create an official attached to ``agency`` holding ``roles`` there.

    With ``by``, an administrator creates the account: they must be allowed to manage ``agency``
    (see :func:`can_manage_roles`), and the password must pass the password validators. Without
    it, the platform itself does (demo data, commands, tests).
    """
    if by is not None:
        _check_can_manage(by, agency, roles, "create_official")
    user = User(
        username=username,
        full_name=full_name,
        email=email,
        phone=phone,
        agency=agency,
        kind=UserKind.OFFICIAL,
    )
    if by is not None:
        _check_new_official(user, password)
    user.set_password(password)
    with transaction.atomic():
        user.save()
        audit.record(
            "official_created",
            actor=by,
            object_type="user",
            object_id=user.pk,
            data={"agency": agency.code},
        )
        for role in roles:
            grant_role(user, agency, role, by=by)
    return user


def _check_new_official(user: User, password: str) -> None:
    """Every problem with an account an administrator types in, by field."""
    errors: dict[str, list[str]] = {}
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        errors |= exc.message_dict
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)


def _check_can_manage(actor: User, agency: Agency, roles: list[str], action: str) -> None:
    unknown = [role for role in roles if role not in Role.values]
    if unknown:
        raise InvalidRole(f"unknown role {unknown[0]}")
    if not can_manage_roles(actor, agency):
        refuse_role_management(
            actor,
            agency,
            action,
            _("Only an administrator of this agency or a platform administrator can do this."),
            roles,
        )
    if Role.PLATFORM_ADMIN in roles and not is_platform_admin(actor):
        refuse_role_management(
            actor,
            agency,
            action,
            _("Only a platform administrator can grant or revoke this role."),
            roles,
        )


def grant_role(user: User, agency: Agency, role: str, *, by: User | None = None) -> None:
    """Give ``user`` a back-office role in ``agency`` (idempotent), audited.

    ``by`` is the administrator doing it, who must be allowed to (:func:`can_manage_roles`;
    only a platform administrator grants platform_admin). Without ``by``, the platform itself
    does (demo data, commands, tests).
    """
    if role not in Role.values:
        raise InvalidRole(f"unknown role {role}")
    if by is not None:
        _check_can_manage(by, agency, [role], "grant_role")
    if not user.is_official:
        raise InvalidInput(_("Roles are only given to officials."))
    with transaction.atomic():
        _role, created = OfficialRole.objects.get_or_create(user=user, agency=agency, role=role)
        if created:
            audit.record(
                "role_granted",
                actor=by,
                object_type="user",
                object_id=user.pk,
                data={"agency": agency.code, "role": role},
            )
    user.__dict__.pop("_roles_cache", None)


def revoke_role(user: User, agency: Agency, role: str, *, by: User | None = None) -> None:
    """Take a back-office role in ``agency`` away from ``user`` (idempotent), audited.

    The same rules as :func:`grant_role`; the last platform administrator cannot be removed, so
    that somebody can still manage every agency.
    """
    if role not in Role.values:
        raise InvalidRole(f"unknown role {role}")
    if by is not None:
        _check_can_manage(by, agency, [role], "revoke_role")
    with transaction.atomic():
        held = OfficialRole.objects.select_for_update().filter(user=user, agency=agency, role=role)
        if not held.exists():
            return
        if role == Role.PLATFORM_ADMIN:
            # Locked, so that two administrators removing each other cannot both succeed.
            holders = OfficialRole.objects.select_for_update().filter(
                role=Role.PLATFORM_ADMIN, user__is_active=True
            )
            if not [held for held in holders if held.user_id != user.pk]:
                raise InvalidInput(_("The last platform administrator cannot be removed."))
        held.delete()
        audit.record(
            "role_revoked",
            actor=by,
            object_type="user",
            object_id=user.pk,
            data={"agency": agency.code, "role": role},
        )
    user.__dict__.pop("_roles_cache", None)


def reset_devices(user: User, agency: Agency, *, by: User) -> int:
    """Remove an official's authenticator (a lost phone), audited; they enrol a new one at their
    next login. ``by`` must manage ``agency``; only a platform administrator resets another
    platform administrator's."""
    if not can_reset_two_factor(by, user, agency):
        refuse_role_management(
            by,
            agency,
            "reset_two_factor",
            _("Only an administrator of this agency or a platform administrator can do this."),
        )
    with transaction.atomic():
        removed, _counts = TOTPDevice.objects.filter(user=user).delete()
        audit.record(
            "totp_reset",
            actor=by,
            object_type="user",
            object_id=user.pk,
            data={"agency": agency.code},
        )
    return removed
