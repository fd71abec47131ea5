"""Who may act for an organisation and manage its representatives (pure functions: no writes;
the services call them and raise the refusals)."""

from egov.identity.access import is_platform_admin
from egov.identity.models import (
    IdentityLevel,
    Organisation,
    Representation,
    RepresentationKind,
    User,
    UserKind,
)


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


def can_register_organisation(actor: object) -> bool:
    """A platform administrator, or a citizen whose identity is verified at level 2."""
    return is_platform_admin(actor) or bool(
        isinstance(actor, User)
        and actor.is_active
        and actor.kind == UserKind.CITIZEN
        and actor.identity_level >= IdentityLevel.LEVEL_2
    )


def organisation_for(user: object, organisation_id: int) -> Organisation | None:
    """The organisation if ``user`` represents it now or is a platform administrator; None
    otherwise, whether or not it exists (pages and API answer 404 either way)."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        return None
    if represents(user, organisation.pk) or is_platform_admin(user):
        return organisation
    return None
