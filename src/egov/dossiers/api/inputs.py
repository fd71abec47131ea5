"""What the dossier API reads: request bodies, multipart uploads and the objects they name."""

import json
from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema

from egov.catalog.models import Procedure
from egov.catalog.selectors import get_procedure
from egov.core.errors import InvalidInput, NotAllowed
from egov.core.files import uploaded_files as _files
from egov.core.models import Agency
from egov.identity.models import Organisation
from egov.identity.organisations.services import normalise_tax_code

from .. import access
from ..constants import VERIFICATION_REASON_MAX_LENGTH
from ..models import Dossier
from ..services import DeliveryChoice, Upload


class NewDraftIn(Schema):
    procedure: str
    agency: str
    organisation: str = Field(
        "", description="Tax code of the organisation filed for; empty: for yourself"
    )


class ReasonIn(Schema):
    reason: str = ""
    version: int | None = None


class VerificationIn(Schema):
    reason: str = Field(
        "",
        max_length=VERIFICATION_REASON_MAX_LENGTH,
        description="What needs verifying, and why (required; shown to the applicant)",
    )
    version: int | None = None


class SupplementRequestIn(ReasonIn):
    components: list[str] = []


class CheckIn(Schema):
    ok: bool
    note: str = ""


class ReceiveIn(Schema):
    checklist: dict[str, CheckIn]
    version: int | None = None


class AssignIn(Schema):
    assignee: int
    version: int | None = None


class ApologyIn(ReasonIn):
    new_date: date


class RatingIn(Schema):
    score: int
    comment: str = ""


class VersionIn(Schema):
    version: int | None = None


class ProposeIn(Schema):
    note: str = Field("", description="The processor's note to the approver")
    version: int | None = None


class ApproveIn(Schema):
    note: str = ""
    version: int | None = None
    draft_sha256: str = Field(
        "",
        description=(
            "SHA-256 of the draft result the approver checked (`result_draft.sha256`); when "
            "given and the draft differs, approval is refused with 409 `stale`"
        ),
    )


def uploads(request: HttpRequest, skip: tuple[str, ...] = ()) -> dict[str, Upload]:
    return {
        name: Upload(name=upload.name or name, stream=upload, size=upload.size)
        for name, upload in _files(request)
        if name not in skip
    }


def form_json(raw: str) -> dict[str, Any]:
    try:
        data = json.loads(raw or "{}")
    except json.JSONDecodeError as exc:
        raise InvalidInput("Trường form không phải JSON hợp lệ / form is not valid JSON") from exc
    if not isinstance(data, dict):
        raise InvalidInput("Trường form phải là một đối tượng JSON / form must be a JSON object")
    return data


def procedure_and_agency(procedure_code: str, agency_code: str) -> tuple[Procedure, Agency]:
    procedure = get_procedure(procedure_code)
    agency = Agency.objects.filter(code=agency_code).first()
    if procedure is None or agency is None:
        raise InvalidInput(
            "Thủ tục hoặc cơ quan không tồn tại / unknown procedure or agency",
            {"procedure" if procedure is None else "agency": "not found"},
        )
    return procedure, agency


def dossier_for(request: HttpRequest, dossier_id: int, action: str = access.VIEW) -> Dossier:
    return access.access_dossier(request.user, dossier_id, action)


def organisation_for(tax_code: str) -> Organisation | None:
    """The organisation to file for, by tax code; None for an empty code. Unknown and
    not-represented organisations are refused alike, so the answer reveals nothing."""
    if not tax_code.strip():
        return None
    organisation = Organisation.objects.filter(tax_code=normalise_tax_code(tax_code)).first()
    if organisation is None:
        raise NotAllowed(
            "Bạn không được ủy quyền nộp hồ sơ cho tổ chức này / you do not act for this organisation",
            {"organisation": "not authorised"},
        )
    return organisation


class DeliveryIn(Schema):
    """How to receive the result. For ``post``: the recipient, a Vietnamese phone number, the
    street, and the commune and province, each an agency code of the agency tree (its people's
    committee), its place name ("phường Ba Đình"), or any name written out."""

    method: str = Field("online", pattern="^(online|counter|post)$")
    recipient_name: str = Field("", max_length=100)
    phone: str = Field("", max_length=20)
    street: str = Field("", max_length=200)
    commune: str = Field("", max_length=100)
    province: str = Field("", max_length=100)
    version: int | None = None

    def choice(self) -> DeliveryChoice:
        return DeliveryChoice(
            method=self.method,
            recipient_name=self.recipient_name,
            phone=self.phone,
            street=self.street,
            province=self.province,
            commune=self.commune,
        )


def delivery_json(raw: str) -> DeliveryChoice | None:
    """The ``delivery`` multipart field of a submission (a JSON object like DeliveryIn)."""
    if not raw.strip():
        return None
    data = form_json(raw)
    return DeliveryChoice.from_mapping(data)
