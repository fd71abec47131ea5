"""Reads for the officials pages and API: who can be managed where."""

from django.db.models import Prefetch, Q, QuerySet

from egov.core.models import Agency
from egov.identity.access import is_platform_admin
from egov.identity.models import OfficialRole, Role, User, UserKind


def manageable_agencies(actor: User) -> QuerySet[Agency]:
    """The agencies whose officials ``actor`` manages: every agency for a platform
    administrator, those where they are agency administrator otherwise."""
    if is_platform_admin(actor):
        return Agency.objects.filter(is_active=True)
    return Agency.objects.filter(
        pk__in=actor.official_roles.filter(role=Role.AGENCY_ADMIN).values("agency_id")
    )


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


def has_two_factor(official: User) -> bool:
    """True once the official has enrolled an authenticator (uses the prefetched devices)."""
    devices = official.totpdevice_set.all()  # type: ignore[attr-defined]  # django-otp's reverse FK
    return any(device.confirmed for device in devices)
