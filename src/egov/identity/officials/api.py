"""Officials and their roles, for agency administrators (their own agency) and platform
administrators (every agency). The same rules as the officials pages: the services check them."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from egov.core.errors import ERRORS
from egov.core.idempotency import idempotent
from egov.core.models import Agency
from egov.core.pagination import paginated
from egov.identity.auth import acting_user, api_auth
from egov.identity.models import User

from . import selectors
from .access import access_agency, access_official
from .services import create_official, grant_role, revoke_role

router = Router(auth=api_auth)

# The operation ids are those the endpoints had before they moved here (clients generate code
# from them), hence given by hand.


class OfficialOut(Schema):
    id: int
    username: str
    full_name: str
    agency_code: str | None
    #: The official's roles in the agency asked about.
    roles: list[str]
    two_factor_enrolled: bool


class NewOfficialIn(Schema):
    agency: str
    username: str
    full_name: str
    email: str = ""
    phone: str = ""
    password: str
    roles: list[str] = []


class RoleIn(Schema):
    agency: str
    role: str


def _out(official: User) -> dict[str, Any]:
    """``official`` as fetched by the selectors (with ``roles_here``)."""
    return {
        "id": official.pk,
        "username": official.username,
        "full_name": official.full_name,
        "agency_code": official.agency.code if official.agency else None,
        "roles": [held.role for held in official.roles_here],  # type: ignore[attr-defined]
        "two_factor_enrolled": selectors.has_two_factor(official),
    }


def _fresh(official: User, agency: Agency) -> dict[str, Any]:
    return _out(selectors.with_roles_in(User.objects.filter(pk=official.pk), agency).get())


def _managed(request: HttpRequest, code: str) -> Agency:
    """The agency, when the caller manages it (404 unknown, 403 not theirs)."""
    return access_agency(acting_user(request), code)


@router.get(
    "",
    operation_id="egov_identity_api_list_officials",
    response={200: list[OfficialOut], **ERRORS},
    summary="The officials of an agency, with their roles there",
)
@paginated(50)
def list_officials(request: HttpRequest, agency: str) -> Any:
    unit = _managed(request, agency)
    return [_out(official) for official in selectors.officials_of(unit)]


@router.post(
    "",
    operation_id="egov_identity_api_new_official",
    response={201: OfficialOut, **ERRORS},
    summary="Create an official account in an agency",
    description=(
        "The password must pass the password rules; the official sets up two-step verification "
        "at their first login. The username is unique, so a retried request is refused (422) "
        "instead of creating a second account."
    ),
)
@idempotent
def new_official(request: HttpRequest, payload: NewOfficialIn) -> Status:
    unit = _managed(request, payload.agency)
    official = create_official(
        username=payload.username,
        full_name=payload.full_name,
        password=payload.password,
        email=payload.email,
        phone=payload.phone,
        agency=unit,
        roles=payload.roles,
        by=acting_user(request),
    )
    return Status(201, _fresh(official, unit))


@router.post(
    "/{user_id}/roles",
    operation_id="egov_identity_api_grant",
    response={200: OfficialOut, **ERRORS},
    summary="Grant an official a role in an agency (idempotent)",
)
def grant(request: HttpRequest, user_id: int, payload: RoleIn) -> Any:
    unit = _managed(request, payload.agency)
    official = access_official(unit, user_id)
    grant_role(official, unit, payload.role, by=acting_user(request))
    return _fresh(official, unit)


@router.delete(
    "/{user_id}/roles/{role}",
    operation_id="egov_identity_api_revoke",
    response={200: OfficialOut, **ERRORS},
    summary="Revoke an official's role in an agency (idempotent)",
)
def revoke(request: HttpRequest, user_id: int, role: str, agency: str) -> Any:
    unit = _managed(request, agency)
    official = access_official(unit, user_id)
    revoke_role(official, unit, role, by=acting_user(request))
    return _fresh(official, unit)
