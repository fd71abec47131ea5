"""HTTP API: public verification of result documents, and revocation by the issuing agency."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from egov.core.errors import ErrorOut, InvalidInput
from egov.core.pagination import paginated
from egov.identity.auth import acting_user, api_auth

from . import selectors, services
from .models import ResultDocument
from .verification import Verdict, verify_code, verify_pdf
from .views import checked_pdf

router = Router(auth=api_auth)
public_router = Router()


class VerdictOut(Schema):
    """``outcome`` is valid, invalid, revoked or unknown (no signed document has the code);
    ``reasons`` say why a document is invalid."""

    outcome: str
    reasons: list[str]
    sha256: str
    code: str
    title: str
    signer: str
    agency: str
    agency_code: str
    issued_at: datetime | None
    timestamp: datetime | None
    revoked_at: datetime | None
    revocation_reason: str


class ResultOut(Schema):
    code: str
    title: str
    document_type: str
    agency: str
    dossier: str
    status: str
    issued_at: datetime
    signed_at: datetime | None
    sha256: str
    revoked_at: datetime | None
    revocation_reason: str

    @staticmethod
    def resolve_agency(obj: ResultDocument) -> str:
        return obj.agency.code

    @staticmethod
    def resolve_dossier(obj: ResultDocument) -> str:
        """The dossier's receipt code; empty for a document that belongs to no dossier."""
        return (obj.dossier.code or "") if obj.dossier is not None else ""


class RevokeIn(Schema):
    reason: str


def _verdict(verdict: Verdict) -> Status:
    return Status(404 if verdict.outcome == "unknown" else 200, verdict)


@public_router.post(
    "/document",
    response={200: VerdictOut, 422: ErrorOut},
    summary="Verify a PDF document (multipart field `document`)",
)
def verify_document(request: HttpRequest, document: File[UploadedFile]) -> Verdict:
    try:
        return verify_pdf(checked_pdf(document))
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], {"document": exc.messages[0]}) from exc


@public_router.get(
    "/code/{code}",
    response={200: VerdictOut, 404: VerdictOut},
    summary="Verify the document issued under a verification code",
)
def verify_by_code(request: HttpRequest, code: str) -> Status:
    return _verdict(verify_code(code))


@router.get("", response=list[ResultOut], summary="Results issued by my agencies")
@paginated(50)
def issued(request: HttpRequest) -> Any:
    agency_ids = selectors.revocable_agencies(acting_user(request))
    return selectors.issued_results(agency_ids)


@router.post(
    "/{code}/revoke",
    response={
        200: ResultOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="Revoke a result of my agency, with a reason",
)
def revoke(request: HttpRequest, code: str, payload: RevokeIn) -> ResultDocument:
    document = services.revoke(code, acting_user(request), payload.reason)
    return ResultDocument.objects.select_related("agency", "dossier").get(pk=document.pk)
