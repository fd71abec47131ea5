"""Reads for the officials pages and API: who can be managed where."""

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from egov.core.models import Agency
from egov.identity.models import OfficialRole, Role, User, UserKind
from egov.identity.services import can_manage_roles, is_platform_admin, refuse_role_management


def manageable_agencies(actor: User) -> QuerySet[Agency]:
    """The agencies whose officials ``actor`` manages: every agency for a platform
    administrator, those where they are agency administrator otherwise."""
    if is_platform_admin(actor):
        return Agency.objects.filter(is_active=True)
    return Agency.objects.filter(
        pk__in=actor.official_roles.filter(role=Role.AGENCY_ADMIN).values("agency_id")
    )


def access_agency(actor: User, code: str) -> Agency:
    """The agency if ``actor`` manages it; Http404 when there is no such agency, NotAllowed
    (403) when ``actor`` may not manage it (the list of agencies is public anyway)."""
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise Http404
    if not can_manage_roles(actor, agency):
        refuse_role_management(
            actor,
            agency,
            "manage_officials",
            _("Only an administrator of this agency or a platform administrator can do this."),
        )
    return agency


def with_roles_in(users: QuerySet[User], agency: Agency) -> QuerySet[User]:
    """``users`` with ``roles_here`` (their roles in ``agency``), their agency and their TOTP
    devices fetched along."""
    return users.select_related("agency").prefetch_related(
        Prefetch(
            "official_roles",
            queryset=OfficialRole.objects.filter(agency=agency).order_by("role"),
            to_attr="roles_here",
        ),
        "totpdevice_set",
    )


def officials_of(agency: Agency) -> QuerySet[User]:
    """The officials attached to ``agency`` or holding a role there, with their roles there
    (see :func:`with_roles_in`)."""
    officials = (
        User.objects.filter(kind=UserKind.OFFICIAL)
        .filter(Q(agency=agency) | Q(official_roles__agency=agency))
        .distinct()
        .order_by("full_name", "username")
    )
    return with_roles_in(officials, agency)


def access_official(agency: Agency, user_id: int) -> User:
    """One official of ``agency`` (see :func:`officials_of`), else Http404."""
    official = officials_of(agency).filter(pk=user_id).first()
    if official is None:
        raise Http404
    return official


def has_two_factor(official: User) -> bool:
    """True once the official has enrolled an authenticator (uses the prefetched devices)."""
    devices = official.totpdevice_set.all()  # type: ignore[attr-defined]  # django-otp's reverse FK
    return any(device.confirmed for device in devices)
