"""The population registry as a member service: verification only, for systems holding its key.

No personal data leaves the registry through this service: a caller learns whether what it
declares matches, and which of its fields do not, never the record itself.
"""

import hmac
from datetime import date
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.security import HttpBearer

from egov.core.errors import ErrorOut

from . import services


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
