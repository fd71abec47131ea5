"""Reads of organisations and their representatives."""

from collections.abc import Iterable

from django.db.models import QuerySet

from egov.identity.models import Organisation, Representation, User


def organisations_of(person: object) -> QuerySet[Organisation]:
    """The organisations ``person`` may act for now (an active representation), by name."""
    if not isinstance(person, User) or not person.is_active:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        representations__person=person, representations__revoked_at__isnull=True
    ).order_by("name", "pk")


def representation_kinds(person: User, organisations: Iterable[Organisation]) -> dict[int, str]:
    """The kind of ``person``'s active representation of each of ``organisations``, by id."""
    return dict(
        Representation.objects.filter(
            person=person, revoked_at__isnull=True, organisation__in=organisations
        ).values_list("organisation_id", "kind")
    )


def representations_of(organisation: Organisation) -> list[Representation]:
    """Current representatives first, then the revoked ones, newest first."""
    return sorted(
        organisation.representations.select_related("person"),
        key=lambda r: (r.revoked_at is not None, -r.granted_at.timestamp()),
    )


def representation_in(organisation: Organisation, representation_id: int) -> Representation | None:
    """One representation of ``organisation`` (current or revoked), with its person."""
    return (
        Representation.objects.select_related("person", "organisation")
        .filter(pk=representation_id, organisation=organisation)
        .first()
    )
