"""Who may manage officials and their roles where: agency administrators in their own agency,
platform administrators in every agency. The checks are pure functions; ``access_*`` return what
was asked for or raise (404 when it does not exist, 403 with an audit row when it is not theirs),
as ``dossiers.access.access_dossier`` does."""

from typing import NoReturn

from django.http import Http404
from django.utils.translation import gettext as _

from egov.core import audit
from egov.core.errors import NotAllowed
from egov.core.models import Agency
from egov.identity.access import is_platform_admin
from egov.identity.models import Role, User

from . import selectors


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


def can_reset_two_factor(actor: object, official: User, agency: Agency) -> bool:
    """An administrator of ``agency`` may remove an official's authenticator; only a platform
    administrator removes another platform administrator's."""
    return can_manage_roles(actor, agency) and (
        not is_platform_admin(official) or is_platform_admin(actor)
    )


def refuse_role_management(
    actor: object, agency: Agency, action: str, message: str, roles: list[str] | None = None
) -> NoReturn:
    """Audit a refused attempt to manage the officials of ``agency`` (``permission_denied``, as
    refused dossier actions are), then raise :class:`NotAllowed`."""
    audit.record(
        "permission_denied",
        actor=actor if isinstance(actor, User) else None,
        object_type="agency",
        object_id=agency.pk,
        data={"action": action, "roles": list(roles or [])},
    )
    raise NotAllowed(message)


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


def access_official(agency: Agency, user_id: int) -> User:
    """One official of ``agency`` (see :func:`selectors.officials_of`), else Http404."""
    official = selectors.officials_of(agency).filter(pk=user_id).first()
    if official is None:
        raise Http404
    return official
