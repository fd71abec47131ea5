"""The base registries as member services, for the systems holding the registry key (the
data-sharing gateway): population verification and lookup, business lookup and the check of a
business's legal representative.

Verification reveals nothing of a record: a caller learns whether what it declares matches, and
which of its fields do not. A lookup answers a few fields of the record to a caller that states
its purpose, and is logged. The key authenticates the gateway; the gateway names the member it
calls for in ``X-Egov-Client``, believed only because the key authenticated the gateway.
"""

import hmac
from datetime import date
from typing import Annotated, Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Header, Router, Schema
from ninja.security import HttpBearer
from pydantic import StringConstraints

from egov.core.errors import ErrorOut

from . import services
from .models import TAX_CODE_PATTERN, BusinessRecord, PopulationRecord


class ServiceKey(HttpBearer):
    """``Authorization: Bearer <POPULATION_REGISTRY_KEY>``. Without a configured key, nobody."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        expected = settings.POPULATION_REGISTRY_KEY
        if expected and hmac.compare_digest(token.encode(), expected.encode()):
            return "population-registry-client"
        return None


router = Router(auth=ServiceKey())


class VerifyIn(Schema):
    personal_id: str = Field(pattern=r"^\d{12}$", description="Số định danh cá nhân (12 digits)")
    full_name: str = Field(min_length=1, max_length=150)
    birth_date: date


class VerifyOut(Schema):
    match: bool = Field(description="Every declared field matches the registry record")
    found: bool = Field(description="The registry holds a record for this personal ID number")
    differences: list[str] = Field(
        description="Names of the declared fields that differ (personal_id when not found)"
    )


@router.post(
    "/population/verify",
    response={200: VerifyOut, 401: ErrorOut, 422: ErrorOut},
    summary="Verify a person's declared identity against the population registry",
)
def verify(request: HttpRequest, payload: VerifyIn) -> dict[str, Any]:
    answer = services.verify_person(payload.personal_id, payload.full_name, payload.birth_date)
    return {"match": answer.match, "found": answer.found, "differences": list(answer.differences)}


PersonalIdField = Annotated[
    str, Field(pattern=r"^\d{12}$", description="Số định danh cá nhân (12 digits)")
]
TaxCodeField = Annotated[
    str,
    Field(
        pattern=TAX_CODE_PATTERN,
        description="Mã số thuế / mã số doanh nghiệp: 10 digits, or 10-3 for a branch",
    ),
]
#: The member the gateway calls for, and the gateway's correlation id; both may be absent.
ClientHeader = Header(
    "",
    alias="X-Egov-Client",
    max_length=100,
    description="The calling member's code, e.g. 000.00.31.H26/MOTCUA (set by the gateway)",
)
CorrelationHeader = Header(
    "", alias="X-Correlation-ID", max_length=100, description="The gateway's transaction id"
)


class LookupIn(Schema):
    personal_id: PersonalIdField
    purpose: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=5, max_length=500)
    ] = Field(description="Why the caller needs the record (5–500 characters); it is logged")


class PersonOut(Schema):
    """The fields a lookup answers; household data stays in the registry."""

    personal_id: str
    full_name: str
    birth_date: date
    sex: str
    permanent_address: str


@router.post(
    "/population/lookup",
    response={200: PersonOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Look a person up in the population registry, for a stated purpose (logged)",
)
def lookup(
    request: HttpRequest,
    payload: LookupIn,
    client: str = ClientHeader,
    correlation_id: str = CorrelationHeader,
) -> PopulationRecord:
    return services.lookup_person(
        payload.personal_id,
        purpose=payload.purpose,
        client=client,
        correlation_id=correlation_id,
    )


class BusinessLookupIn(Schema):
    tax_code: TaxCodeField


class BusinessOut(Schema):
    tax_code: str
    name: str
    address: str
    representative_name: str = Field(description="The legal representative (a branch's head)")
    status: str = Field(description="active, suspended or dissolved")
    status_label: str = Field(description="The status in the request's language")

    @staticmethod
    def resolve_status_label(obj: BusinessRecord) -> str:
        return str(obj.get_status_display())


@router.post(
    "/business/lookup",
    response={200: BusinessOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Look a business up in the business registry by its tax code",
)
def business_lookup(request: HttpRequest, payload: BusinessLookupIn) -> BusinessRecord:
    return services.lookup_business(payload.tax_code)


class RepresentativeIn(Schema):
    tax_code: TaxCodeField
    personal_id: PersonalIdField


class RepresentativeOut(Schema):
    is_representative: bool = Field(
        description="The person is the business's registered legal representative"
    )
    status: str = Field(description="The business's status: active, suspended or dissolved")


@router.post(
    "/business/representative",
    response={200: RepresentativeOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Check whether a person is a business's legal representative",
)
def business_representative(request: HttpRequest, payload: RepresentativeIn) -> dict[str, Any]:
    answer = services.check_representative(payload.tax_code, payload.personal_id)
    return {"is_representative": answer.is_representative, "status": answer.status}
