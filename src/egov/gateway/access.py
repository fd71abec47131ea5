"""Who manages what on the platform: the platform operator (platform administrator) everything;
an agency administrator the member systems of their agency, the services those members offer and
the grants on those services (a provider decides who reads its data, as in X-Road)."""

from django.db.models import QuerySet

from egov.identity.access import is_platform_admin
from egov.identity.models import Role, User

from .models import Grant, Member, Service


def managed_agency_ids(actor: User) -> set[int] | None:
    """The agencies ``actor`` administers; None for the platform operator (all of them)."""
    if is_platform_admin(actor):
        return None
    return set(
        actor.official_roles.filter(role=Role.AGENCY_ADMIN).values_list("agency_id", flat=True)
    )


def can_manage(actor: object, agency_id: int) -> bool:
    if not isinstance(actor, User) or not actor.is_active or not actor.is_official:
        return False
    agencies = managed_agency_ids(actor)
    return agencies is None or agency_id in agencies


def members_for(actor: User) -> QuerySet[Member]:
    agencies = managed_agency_ids(actor)
    members = Member.objects.select_related("agency")
    return members if agencies is None else members.filter(agency_id__in=agencies)


def services_for(actor: User) -> QuerySet[Service]:
    agencies = managed_agency_ids(actor)
    services = Service.objects.select_related("owner")
    return services if agencies is None else services.filter(owner__agency_id__in=agencies)


def grants_for(actor: User) -> QuerySet[Grant]:
    agencies = managed_agency_ids(actor)
    grants = Grant.objects.select_related("client", "service__owner")
    return grants if agencies is None else grants.filter(service__owner__agency_id__in=agencies)
