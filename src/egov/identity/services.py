"""Accounts, roles and API tokens."""

import enum
from datetime import date
from typing import NoReturn

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core import audit
from egov.core.errors import ServiceError
from egov.core.models import Agency

from . import tokens
from .models import (
    IdentityLevel,
    OfficialRole,
    Organisation,
    OrganisationKind,
    Representation,
    RepresentationKind,
    Role,
    User,
    UserKind,
)


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


# --- roles -----------------------------------------------------------------------------------------


class RoleError(Exception):
    """A refused change to officials or their roles; ``code`` is stable for API clients, the
    message is for people."""

    code = "invalid"
    http_status = 422

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RoleNotAllowed(RoleError, PermissionDenied):
    """The actor may not manage roles there (or may not hand out this role)."""

    code, http_status = "forbidden", 403


class InvalidRole(RoleError, ValueError):
    code = "invalid_role"


def is_platform_admin(user: object) -> bool:
    """Quản trị nền tảng: holds the platform_admin role in any agency."""
    return bool(
        isinstance(user, User)
        and user.is_active
        and user.is_official
        and user.official_roles.filter(role=Role.PLATFORM_ADMIN).exists()
    )


def can_manage_roles(actor: object, agency: Agency) -> bool:
    """True when ``actor`` may manage the officials and roles of ``agency``: an agency
    administrator of that agency, or a platform administrator (every agency)."""
    if not isinstance(actor, User) or not actor.is_active or not actor.is_official:
        return False
    return Role.AGENCY_ADMIN in actor.roles_in(agency.pk) or is_platform_admin(actor)


def assignable_roles(actor: object, agency: Agency) -> list[str]:
    """The roles ``actor`` may grant or revoke in ``agency``: none, every role but
    platform_admin (an agency administrator), or every role (a platform administrator)."""
    if is_platform_admin(actor):
        return list(Role.values)
    if can_manage_roles(actor, agency):
        return [role for role in Role.values if role != Role.PLATFORM_ADMIN]
    return []


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


def refuse_role_management(
    actor: object, agency: Agency, action: str, message: str, roles: list[str] | None = None
) -> NoReturn:
    """Audit a refused attempt to manage the officials of ``agency`` (``permission_denied``, as
    refused dossier actions are), then raise :class:`RoleNotAllowed`."""
    audit.record(
        "permission_denied",
        actor=actor if isinstance(actor, User) else None,
        object_type="agency",
        object_id=agency.pk,
        data={"action": action, "roles": list(roles or [])},
    )
    raise RoleNotAllowed(message)


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
        raise RoleError(_("Roles are only given to officials."))
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
                raise RoleError(_("The last platform administrator cannot be removed."))
        held.delete()
        audit.record(
            "role_revoked",
            actor=by,
            object_type="user",
            object_id=user.pk,
            data={"agency": agency.code, "role": role},
        )
    user.__dict__.pop("_roles_cache", None)


# API tokens live in egov.identity.tokens; these two names are kept for their callers.
issue_api_token = tokens.issue_api_token
user_for_token = tokens.user_for_token


# --- organisations and their representatives -------------------------------------------------------


class OrganisationError(ServiceError):
    """A refused change to an organisation or its representatives."""


class OrganisationNotAllowed(OrganisationError, PermissionDenied):
    code, http_status = "forbidden", 403


class OrganisationConflict(OrganisationError):
    code, http_status = "conflict", 409


def normalise_tax_code(value: str) -> str:
    """Mã số thuế as stored: 10 digits, or a branch's 13 in the 10-3 form (``0101234565-001``).
    Spaces and dots are ignored and 13 plain digits are put in the 10-3 form."""
    text = "".join((value or "").split()).replace(".", "")
    if len(text) == 13 and text.isdigit():
        return f"{text[:10]}-{text[10:]}"
    return text


def organisations_of(person: object) -> QuerySet[Organisation]:
    """The organisations ``person`` may act for now (an active representation), by name."""
    if not isinstance(person, User) or not person.is_active:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        representations__person=person, representations__revoked_at__isnull=True
    ).order_by("name", "pk")


def represents(person: object, organisation_id: int | None) -> bool:
    """True while ``person`` holds an active representation of the organisation."""
    return bool(
        organisation_id
        and isinstance(person, User)
        and person.is_active
        and Representation.objects.filter(
            person=person, organisation_id=organisation_id, revoked_at__isnull=True
        ).exists()
    )


def can_manage_representatives(actor: object, organisation: Organisation) -> bool:
    """A legal representative of the organisation, or a platform administrator."""
    if is_platform_admin(actor):
        return True
    return bool(
        isinstance(actor, User)
        and actor.is_active
        and Representation.objects.filter(
            person=actor,
            organisation=organisation,
            kind=RepresentationKind.LEGAL,
            revoked_at__isnull=True,
        ).exists()
    )


def register_organisation(
    *,
    by: User,
    kind: str,
    name: str,
    tax_code: str = "",
    registration_number: str = "",
    address: str = "",
    email: str = "",
    phone: str = "",
    legal_representative: User | None = None,
) -> Organisation:
    """Register an organisation that files dossiers: a business by its tax code, or another
    organisation (its tax code, if any, or a registration number).

    A platform administrator registers any organisation and may name its legal representative;
    a citizen verified at identity level 2 registers one and becomes its legal representative.
    Audited, without personal data.
    """
    if is_platform_admin(by):
        representative = legal_representative
    elif (
        isinstance(by, User)
        and by.is_active
        and by.kind == UserKind.CITIZEN
        and by.identity_level >= IdentityLevel.LEVEL_2
    ):
        representative = by
    else:
        raise OrganisationNotAllowed(
            _(
                "Only a person whose identity is verified at level 2, or a platform"
                " administrator, can register an organisation."
            )
        )
    if kind not in OrganisationKind.values:
        raise OrganisationError(
            _("Choose the kind of organisation."), {"kind": _("Choose the kind of organisation.")}
        )
    code = normalise_tax_code(tax_code)
    if kind == OrganisationKind.BUSINESS and not code:
        raise OrganisationError(
            _("A business is registered by its tax code."),
            {"tax_code": _("Enter the tax code (10 digits, or 13 for a branch).")},
        )
    organisation = Organisation(
        kind=kind,
        tax_code=code or None,
        registration_number=(registration_number or "").strip(),
        name=(name or "").strip(),
        address=(address or "").strip(),
        email=(email or "").strip(),
        phone=(phone or "").strip(),
    )
    try:
        organisation.full_clean(validate_unique=False)
    except ValidationError as exc:
        errors = {field: " ".join(messages) for field, messages in exc.message_dict.items()}
        raise OrganisationError(_("The organisation's details are not valid."), errors) from exc
    try:
        with transaction.atomic():
            organisation.save()
            audit.record(
                "organisation_registered",
                actor=by,
                object_type="organisation",
                object_id=organisation.pk,
                data={"kind": kind},
            )
            if representative is not None:
                _grant(organisation, representative, RepresentationKind.LEGAL, by)
    except IntegrityError as exc:
        raise OrganisationConflict(
            _("An organisation with this tax code is already registered."),
            {"tax_code": _("This tax code is already registered.")},
        ) from exc
    return organisation


def _grant(organisation: Organisation, person: User, kind: str, by: User) -> Representation:
    representation = Representation.objects.create(
        organisation=organisation,
        person=person,
        kind=kind,
        granted_by=by,
        granted_at=timezone.now(),
    )
    audit.record(
        "representation_granted",
        actor=by,
        object_type="organisation",
        object_id=organisation.pk,
        data={"representation": representation.pk, "person": person.pk, "kind": kind},
    )
    return representation


def grant_representation(
    organisation: Organisation, person: User, kind: str, *, by: User
) -> Representation:
    """Authorise ``person`` to act for ``organisation`` (ủy quyền), as its legal representative
    or as an authorised person. Granted by a legal representative or a platform administrator;
    idempotent for the same kind."""
    if not can_manage_representatives(by, organisation):
        raise OrganisationNotAllowed(
            _("Only a legal representative of the organisation can manage its representatives.")
        )
    if kind not in RepresentationKind.values:
        raise OrganisationError(
            _("Choose the kind of representation."), {"kind": _("Choose a kind.")}
        )
    if person.kind != UserKind.CITIZEN or not person.is_active:
        raise OrganisationError(
            _("Only a person with a citizen account can represent an organisation."),
            {"person": _("Not a citizen account.")},
        )
    try:
        with transaction.atomic():
            current = (
                Representation.objects.select_for_update()
                .filter(organisation=organisation, person=person, revoked_at__isnull=True)
                .first()
            )
            if current is not None:
                if current.kind == kind:
                    return current
                raise OrganisationConflict(
                    _(
                        "This person already represents the organisation; revoke it first to change it."
                    )
                )
            return _grant(organisation, person, kind, by)
    except IntegrityError as exc:  # granted concurrently
        raise OrganisationConflict(_("This person already represents the organisation.")) from exc


def revoke_representation(representation: Representation, *, by: User) -> Representation:
    """End an authorisation (thu hồi ủy quyền): by a legal representative or a platform
    administrator; the last legal representative is removed by a platform administrator only.
    Idempotent."""
    organisation = representation.organisation
    if not can_manage_representatives(by, organisation):
        raise OrganisationNotAllowed(
            _("Only a legal representative of the organisation can manage its representatives.")
        )
    with transaction.atomic():
        active = list(
            Representation.objects.select_for_update().filter(
                organisation=organisation, revoked_at__isnull=True
            )
        )
        current = next((r for r in active if r.pk == representation.pk), None)
        if current is None:
            representation.refresh_from_db()
            return representation
        other_legal = [
            r for r in active if r.kind == RepresentationKind.LEGAL and r.pk != current.pk
        ]
        if (
            current.kind == RepresentationKind.LEGAL
            and not other_legal
            and not is_platform_admin(by)
        ):
            raise OrganisationConflict(
                _("The last legal representative can only be removed by a platform administrator.")
            )
        current.revoked_at = timezone.now()
        current.revoked_by = by
        current.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(
            "representation_revoked",
            actor=by,
            object_type="organisation",
            object_id=organisation.pk,
            data={"representation": current.pk, "person": current.person_id},
        )
    return current
