"""Organisations API: register an organisation, see the ones I represent, authorise people to
act for them and revoke it. Errors are the API's JSON shape ``{code, message, errors}``; the
rules are the services'."""

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from egov.core.errors import ErrorOut
from egov.core.idempotency import idempotent
from egov.core.pagination import paginated
from egov.identity.auth import acting_user, api_auth
from egov.identity.models import Organisation, Representation

from . import selectors, services
from .access import organisation_for

router = Router(auth=api_auth)

# The operation ids are those the endpoints had before they moved here (clients generate code
# from them), hence given by hand.


ERRORS: dict[int, Any] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


# --- schemas -------------------------------------------------------------------------------------


class RepresentationOut(Schema):
    id: int
    person_id: int
    person_name: str
    kind: str
    granted_at: datetime
    revoked_at: datetime | None

    @staticmethod
    def resolve_person_name(representation: Representation) -> str:
        return representation.person.full_name


class OrganisationOut(Schema):
    id: int
    kind: str
    tax_code: str | None
    registration_number: str
    name: str
    address: str
    email: str
    phone: str
    registry_checked_at: datetime | None = Field(
        description="When the business registry confirmed the legal representative"
    )


class OrganisationDetailOut(OrganisationOut):
    representatives: list[RepresentationOut]

    @staticmethod
    def resolve_representatives(organisation: Organisation) -> list[Representation]:
        return selectors.representations_of(organisation)


class OrganisationIn(Schema):
    kind: str = Field(pattern="^(business|other)$")
    name: str
    tax_code: str = Field("", description="10 digits, or 13 for a branch (0101234565-001)")
    registration_number: str = ""
    address: str = ""
    email: str = ""
    phone: str = ""


class GrantIn(Schema):
    personal_id: str = Field(description="The person to authorise (a citizen account)")
    kind: str = Field("authorised", pattern="^(legal|authorised)$")


# --- endpoints -----------------------------------------------------------------------------------


def _organisation(request: HttpRequest, organisation_id: int) -> Organisation:
    found = organisation_for(acting_user(request), organisation_id)
    if found is None:
        raise Http404
    return found


@router.get(
    "",
    operation_id="egov_identity_account_api_my_organisations",
    response=list[OrganisationOut],
    summary="Organisations I represent",
)
@paginated(20)
def my_organisations(request: HttpRequest) -> Any:
    return selectors.organisations_of(acting_user(request))


@router.post(
    "",
    operation_id="egov_identity_account_api_create_organisation",
    response={201: OrganisationDetailOut, **ERRORS},
    summary="Register an organisation (you become its legal representative)",
    description="A citizen verified at identity level 2 registers an organisation and becomes "
    "its legal representative; a platform administrator registers any organisation.",
)
@idempotent
def create_organisation(request: HttpRequest, payload: OrganisationIn) -> Status:
    organisation = services.register_organisation(by=acting_user(request), **payload.dict())
    return Status(201, organisation)


@router.get(
    "/{organisation_id}",
    operation_id="egov_identity_account_api_get_organisation",
    response={200: OrganisationDetailOut, **ERRORS},
    summary="One organisation I represent, with its representatives",
)
def get_organisation(request: HttpRequest, organisation_id: int) -> Organisation:
    return _organisation(request, organisation_id)


@router.post(
    "/{organisation_id}/representatives",
    operation_id="egov_identity_account_api_grant",
    response={201: RepresentationOut, **ERRORS},
    summary="Authorise a person to act for the organisation (legal representatives only)",
)
@idempotent
def grant(request: HttpRequest, organisation_id: int, payload: GrantIn) -> Status:
    organisation = _organisation(request, organisation_id)
    representation = services.grant_by_personal_id(
        organisation, payload.personal_id, payload.kind, by=acting_user(request)
    )
    return Status(201, representation)


@router.post(
    "/{organisation_id}/representatives/{representation_id}/revoke",
    operation_id="egov_identity_account_api_revoke",
    response={200: RepresentationOut, **ERRORS},
    summary="Revoke an authorisation (legal representatives only)",
)
def revoke(request: HttpRequest, organisation_id: int, representation_id: int) -> Representation:
    organisation = _organisation(request, organisation_id)
    representation = selectors.representation_in(organisation, representation_id)
    if representation is None:
        raise Http404
    return services.revoke_representation(representation, by=acting_user(request))
