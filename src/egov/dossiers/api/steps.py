"""The back office's steps on /dossiers/{id}/…, under the same permission rules as the pages
(``access``); mounted on the applicant router, whose authentication they share."""

from django.http import HttpRequest, HttpResponse
from ninja import Body, Router

from egov.core.errors import ERRORS, InvalidInput
from egov.core.idempotency import idempotent
from egov.identity.auth import acting_user
from egov.identity.models import User

from .. import access, receipts, services
from ..models import Dossier
from .inputs import (
    ApologyIn,
    ApproveIn,
    AssignIn,
    ProposeIn,
    ReasonIn,
    ReceiveIn,
    SupplementRequestIn,
    VerificationIn,
    VersionIn,
    dossier_for,
)
from .schemas import DossierOut

router = Router()


@router.post(
    "/{dossier_id}/receive", response={200: DossierOut, **ERRORS}, summary="Receive (intake check)"
)
def receive(request: HttpRequest, dossier_id: int, payload: ReceiveIn) -> Dossier:
    checklist = {code: (check.ok, check.note) for code, check in payload.checklist.items()}
    services.receive(dossier_id, acting_user(request), checklist, payload.version)
    return dossier_for(request, dossier_id)


@router.post(
    "/{dossier_id}/refuse-intake", response={200: DossierOut, **ERRORS}, summary="Refuse at intake"
)
def refuse_intake(request: HttpRequest, dossier_id: int, payload: ReasonIn) -> Dossier:
    services.refuse_intake(dossier_id, acting_user(request), payload.reason, payload.version)
    return dossier_for(request, dossier_id)


@router.post(
    "/{dossier_id}/request-supplement",
    response={200: DossierOut, **ERRORS},
    summary="Request a supplement",
)
def request_supplement(
    request: HttpRequest, dossier_id: int, payload: SupplementRequestIn
) -> Dossier:
    services.request_supplement(
        dossier_id,
        acting_user(request),
        payload.reason,
        payload.components,
        payload.version,
    )
    return dossier_for(request, dossier_id)


@router.post(
    "/{dossier_id}/assign", response={200: DossierOut, **ERRORS}, summary="Assign to a processor"
)
def assign(request: HttpRequest, dossier_id: int, payload: AssignIn) -> Dossier:
    assignee = User.objects.filter(pk=payload.assignee).first()
    if assignee is None:
        raise InvalidInput("Cán bộ không tồn tại / unknown official", {"assignee": "not found"})
    services.assign(dossier_id, acting_user(request), assignee, payload.version)
    return dossier_for(request, dossier_id)


@router.post(
    "/{dossier_id}/extend-for-verification",
    response={200: DossierOut, **ERRORS},
    summary="Record that the dossier needs verification: its legal due date moves",
    description=(
        "Cần xác minh. By a processing official of the dossier's agency while it is being "
        "processed, once, for a procedure that gives a longer legal time when verification is "
        "needed (`verification_working_days` in the catalogue): `due_at` becomes the moment "
        "the dossier was received plus that many working days, and the applicant is told the "
        "reason. Not an apology slip: on time is counted against the new date. 409 `invalid_state` "
        "when the procedure has no longer time, the time was already extended, or the status "
        "does not allow it."
    ),
)
def extend_for_verification(
    request: HttpRequest, dossier_id: int, payload: VerificationIn
) -> Dossier:
    services.extend_for_verification(
        dossier_id, acting_user(request), payload.reason, payload.version
    )
    return dossier_for(request, dossier_id)


@router.post(
    "/{dossier_id}/propose",
    response={200: DossierOut, **ERRORS},
    summary="Propose the result for approval: the draft result is drawn up from its template",
    description=(
        "By the processor the dossier is assigned to. The dossier awaits approval; the unsigned "
        "draft (`result_draft`) can be read at `GET /{dossier_id}/draft-result` by the agency's "
        "officials."
    ),
)
def propose(request: HttpRequest, dossier_id: int, payload: ProposeIn = Body(None)) -> Dossier:  # noqa: B008
    services.propose(
        dossier_id,
        acting_user(request),
        payload.note if payload else "",
        payload.version if payload else None,
    )
    return dossier_for(request, dossier_id)


@router.get(
    "/{dossier_id}/draft-result",
    response={200: None, **ERRORS},
    summary="The draft result proposed for approval (unsigned PDF; officials of the agency)",
)
def draft_result(request: HttpRequest, dossier_id: int) -> HttpResponse:
    dossier = dossier_for(request, dossier_id, access.DOWNLOAD)
    return receipts.draft_response(dossier, request.user)


@router.post(
    "/{dossier_id}/approve",
    response={200: DossierOut, **ERRORS},
    summary="Approve the proposal: exactly its draft result is signed",
)
def approve(request: HttpRequest, dossier_id: int, payload: ApproveIn = Body(None)) -> Dossier:  # noqa: B008
    services.approve(
        dossier_id,
        acting_user(request),
        payload.note if payload else "",
        payload.version if payload else None,
        payload.draft_sha256 if payload else "",
    )
    return dossier_for(request, dossier_id)


@router.post(
    "/{dossier_id}/send-back",
    response={200: DossierOut, **ERRORS},
    summary="Send the proposal back to the processor, with a reason",
)
def send_back(request: HttpRequest, dossier_id: int, payload: ReasonIn) -> Dossier:
    services.send_back(dossier_id, acting_user(request), payload.reason, payload.version)
    return dossier_for(request, dossier_id)


@router.post(
    "/{dossier_id}/reject", response={200: DossierOut, **ERRORS}, summary="Reject with a reason"
)
def reject(request: HttpRequest, dossier_id: int, payload: ReasonIn) -> Dossier:
    services.reject(dossier_id, acting_user(request), payload.reason, payload.version)
    return dossier_for(request, dossier_id)


@router.post(
    "/{dossier_id}/return", response={200: DossierOut, **ERRORS}, summary="Return the result"
)
def return_result(
    request: HttpRequest,
    dossier_id: int,
    payload: VersionIn = Body(None),  # noqa: B008
) -> Dossier:
    services.return_result(dossier_id, acting_user(request), payload.version if payload else None)
    return dossier_for(request, dossier_id)


@router.post(
    "/{dossier_id}/apology",
    response={200: DossierOut, **ERRORS},
    summary="Issue an apology slip with a new date",
)
@idempotent
def apology(request: HttpRequest, dossier_id: int, payload: ApologyIn) -> Dossier:
    services.apologise(
        dossier_id, acting_user(request), payload.reason, payload.new_date, payload.version
    )
    return dossier_for(request, dossier_id)
