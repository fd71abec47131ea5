"""Organisations that file dossiers (tổ chức, doanh nghiệp) and the people who act for them:
registration and authorisations (ủy quyền). Every write is audited, without personal data."""

import logging
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core import audit
from egov.core.errors import Conflict, InvalidInput, NotAllowed
from egov.identity.access import is_platform_admin
from egov.identity.models import (
    Organisation,
    OrganisationKind,
    Representation,
    RepresentationKind,
    User,
    UserKind,
)

from . import registry
from .access import can_manage_representatives, can_register_organisation

log = logging.getLogger(__name__)


def normalise_tax_code(value: str) -> str:
    """Mã số thuế as stored: 10 digits, or a branch's 13 in the 10-3 form (``0101234565-001``).
    Spaces and dots are ignored and 13 plain digits are put in the 10-3 form."""
    text = "".join((value or "").split()).replace(".", "")
    if len(text) == 13 and text.isdigit():
        return f"{text[:10]}-{text[10:]}"
    return text


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
    if not can_register_organisation(by):
        raise NotAllowed(
            _(
                "Only a person whose identity is verified at level 2, or a platform"
                " administrator, can register an organisation."
            )
        )
    # A platform administrator names the legal representative (or none); a citizen is it.
    representative = legal_representative if is_platform_admin(by) else by
    if kind not in OrganisationKind.values:
        raise InvalidInput(
            _("Choose the kind of organisation."), {"kind": _("Choose the kind of organisation.")}
        )
    code = normalise_tax_code(tax_code)
    if kind == OrganisationKind.BUSINESS and not code:
        raise InvalidInput(
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
        raise InvalidInput(_("The organisation's details are not valid."), errors) from exc
    if code:
        organisation.registry_checked_at = _check_with_business_registry(code, representative)
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
        raise Conflict(
            _("An organisation with this tax code is already registered."),
            {"tax_code": _("This tax code is already registered.")},
        ) from exc
    return organisation


def _check_with_business_registry(tax_code: str, representative: User | None) -> datetime | None:
    """When the legal representative is confirmed by the business registry (through the
    gateway); refused when the registry knows the tax code and lists someone else, or does not
    know it; None when the registry cannot answer now (the registration goes on, unchecked)."""
    if representative is None or not representative.personal_id:
        return None
    try:
        answer = registry.check_representative(tax_code, representative.personal_id)
    except registry.BusinessRegistryUnavailable:
        log.warning("business registry unavailable for a representative check")
        return None
    if not answer.found:
        raise InvalidInput(
            _("The national business registry has no business with this tax code."),
            {"tax_code": _("Check the tax code against the business registration certificate.")},
        )
    if not answer.is_representative:
        raise NotAllowed(
            _(
                "The national business registry does not list this person as the business's"
                " legal representative."
            )
        )
    return timezone.now()


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
        raise NotAllowed(
            _("Only a legal representative of the organisation can manage its representatives.")
        )
    if kind not in RepresentationKind.values:
        raise InvalidInput(_("Choose the kind of representation."), {"kind": _("Choose a kind.")})
    if person.kind != UserKind.CITIZEN or not person.is_active:
        raise InvalidInput(
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
                raise Conflict(
                    _(
                        "This person already represents the organisation; revoke it first to change it."
                    )
                )
            return _grant(organisation, person, kind, by)
    except IntegrityError as exc:  # granted concurrently
        raise Conflict(_("This person already represents the organisation.")) from exc


def grant_by_personal_id(
    organisation: Organisation, personal_id: str, kind: str, *, by: User
) -> Representation:
    """Grant a representation to the citizen with this personal ID number."""
    if not can_manage_representatives(by, organisation):
        raise NotAllowed(
            _("Only a legal representative of the organisation can manage its representatives.")
        )
    person = User.objects.filter(
        personal_id=(personal_id or "").strip(), kind=UserKind.CITIZEN, is_active=True
    ).first()
    if person is None:
        raise InvalidInput(
            _(
                "There is no citizen account with this personal ID number; the person must register first."
            ),
            {"personal_id": _("No such account.")},
        )
    return grant_representation(organisation, person, kind, by=by)


def revoke_representation(representation: Representation, *, by: User) -> Representation:
    """End an authorisation (thu hồi ủy quyền): by a legal representative or a platform
    administrator; the last legal representative is removed by a platform administrator only.
    Idempotent."""
    organisation = representation.organisation
    if not can_manage_representatives(by, organisation):
        raise NotAllowed(
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
            raise Conflict(
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
