"""The base registries as member services, for the systems holding the registry key (the
data-sharing gateway): population verification and lookup, business lookup and the check of a
business's legal representative; and the registration of a birth.

Verification reveals nothing of a record: a caller learns whether what it declares matches, and
which of its fields do not. A lookup answers a few fields of the record to a caller that states
its purpose, and is logged. A birth registration records a newborn and issues the child's
personal ID number, once per registration key. The key authenticates the gateway; the gateway
names the member it calls for in ``X-Egov-Client``, believed only because the key authenticated
the gateway.
"""

import hmac
from datetime import date
from typing import Annotated, Any, Literal

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Header, Router, Schema, Status
from ninja.security import HttpBearer
from pydantic import StringConstraints

from egov.core.errors import ErrorOut

from . import services
from .models import TAX_CODE_PATTERN, BusinessRecord, PopulationRecord


def authorised(token: str) -> bool:
    """The bearer token is the registry key. Without a configured key, nobody is."""
    expected = settings.POPULATION_REGISTRY_KEY
    return bool(expected) and hmac.compare_digest(token.encode(), expected.encode())


class ServiceKey(HttpBearer):
    """``Authorization: Bearer <POPULATION_REGISTRY_KEY>``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return "population-registry-client" if authorised(token) else None


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


#: Printable text: no control characters (a NUL, a line break) in a name or an address.
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


class BirthIn(Schema):
    registration_key: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=PRINTABLE),
    ] = Field(
        description=(
            "The birth registration's receipt code (mã hồ sơ), 1–100 characters: the idempotency"
            " key. The same key with the same request answers the same number."
        )
    )
    full_name: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=150, pattern=PRINTABLE),
    ] = Field(description="The child's full name")
    birth_date: date = Field(description="The child's date of birth (not in the future)")
    sex: Literal["male", "female"] = Field(description="The child's sex: male or female")
    birth_province: str = Field(
        pattern=r"^\d{3}$",
        description=(
            "Three-digit code of the province where the birth is registered (001 Hà Nội, 079"
            " TP. Hồ Chí Minh, …): the first three digits of the number issued"
        ),
    )
    mother_personal_id: str = Field(
        "", pattern=r"^(\d{12})?$", description="The mother's personal ID number, if known"
    )
    father_personal_id: str = Field(
        "", pattern=r"^(\d{12})?$", description="The father's personal ID number, if known"
    )
    permanent_address: str = Field(
        "",
        max_length=255,
        pattern=PRINTABLE,
        description=(
            "The child's permanent residence; empty: the mother's (else the father's) as the"
            " registry holds it. Required when neither parent is in the registry."
        ),
    )


class BirthOut(Schema):
    personal_id: str = Field(description="The child's personal ID number (12 digits)")


@router.post(
    "/population/births",
    response={200: BirthOut, 201: BirthOut, 401: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Register a birth and issue the child's personal ID number (idempotent by key)",
)
def register_birth(
    request: HttpRequest,
    payload: BirthIn,
    client: str = ClientHeader,
    correlation_id: str = CorrelationHeader,
) -> Status:
    """201 with the new number; 200 with the same number when the registration key was already
    answered for the same request (nothing is created); 422 naming the field at fault when a
    parent's number is not in the registry, the date of birth is in the future, or the key was
    used for another birth."""
    birth = services.register_birth(
        registration_key=payload.registration_key,
        full_name=payload.full_name,
        birth_date=payload.birth_date,
        sex=payload.sex,
        birth_province=payload.birth_province,
        mother_personal_id=payload.mother_personal_id,
        father_personal_id=payload.father_personal_id,
        permanent_address=payload.permanent_address,
        client=client,
        correlation_id=correlation_id,
    )
    return Status(201 if birth.created else 200, {"personal_id": birth.personal_id})


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
