"""Dossier API: applicants, back office and public tracking, with the pages' permission rules."""

import json
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Body, Field, Form, Query, Router, Schema, Status

from egov.catalog.models import Procedure
from egov.catalog.selectors import get_procedure
from egov.core.errors import ERRORS, ErrorOut
from egov.core.files import uploaded_files as _files
from egov.core.idempotency import idempotent
from egov.core.models import Agency
from egov.core.pagination import paginated
from egov.identity.auth import acting_user, api_auth
from egov.identity.models import Organisation, User
from egov.identity.organisations.services import normalise_tax_code
from egov.identity.ratelimit import client_address

from . import access, receipts, selectors, services, tracking
from .models import Dossier, DossierEvent
from .services import InvalidInput, NotAllowed, NotFound, Upload

router = Router(auth=api_auth)
backoffice_router = Router(auth=api_auth)
public_router = Router()


# --- schemas -----------------------------------------------------------------------------------


class ComponentOut(Schema):
    code: str
    filename: str
    sha256: str
    source: str
    checked: bool | None
    check_note: str
    repository_document: int | None = Field(
        None, description="The data-repository document this file is (reused or digitised)"
    )

    @staticmethod
    def resolve_repository_document(component: Any) -> int | None:
        return component.repository_document_id

    @staticmethod
    def resolve_sha256(component: Any) -> str:
        return str(component.file.sha256)


class DraftOut(Schema):
    """The unsigned draft result of a proposal."""

    sha256: str
    size: int


class OrganisationRef(Schema):
    """The organisation a dossier was filed for."""

    id: int
    kind: str
    tax_code: str | None
    name: str


class DossierOut(Schema):
    id: int
    code: str | None
    status: str
    national_status: int | None
    procedure_code: str
    procedure_version: int
    procedure_name: str
    agency_code: str
    organisation: OrganisationRef | None
    channel: str
    form_data: dict[str, Any]
    created_at: datetime
    submitted_at: datetime | None
    received_at: datetime | None
    due_at: datetime | None
    promised_at: datetime | None
    finished_at: datetime | None
    is_overdue: bool
    supplement_reason: str
    decision_reason: str
    rating: int | None
    version: int
    components: list[ComponentOut]
    result_draft: DraftOut | None = Field(
        None, description="The draft result awaiting approval (agency officials only)"
    )
    allowed_actions: list[str]

    @staticmethod
    def resolve_procedure_code(d: Dossier) -> str:
        return d.procedure.code

    @staticmethod
    def resolve_procedure_version(d: Dossier) -> int:
        return d.procedure.version

    @staticmethod
    def resolve_procedure_name(d: Dossier) -> str:
        return d.procedure.name

    @staticmethod
    def resolve_agency_code(d: Dossier) -> str:
        return d.agency.code

    @staticmethod
    def resolve_components(d: Dossier) -> list[Any]:
        return list(d.components.select_related("file"))

    @staticmethod
    def resolve_allowed_actions(d: Dossier, context: dict[str, Any]) -> list[str]:
        return access.allowed_actions(context["request"].user, d)

    @staticmethod
    def resolve_result_draft(d: Dossier, context: dict[str, Any]) -> Any:
        if not access.may_see_draft(context["request"].user, d):
            return None
        return d.result_draft


class DossierRow(Schema):
    id: int
    code: str | None
    status: str
    procedure_code: str
    procedure_name: str
    organisation_name: str | None
    channel: str
    submitted_at: datetime | None
    due_at: datetime | None
    is_overdue: bool

    @staticmethod
    def resolve_procedure_code(d: Dossier) -> str:
        return d.procedure.code

    @staticmethod
    def resolve_procedure_name(d: Dossier) -> str:
        return d.procedure.name

    @staticmethod
    def resolve_organisation_name(d: Dossier) -> str | None:
        return d.organisation.name if d.organisation_id else None  # type: ignore[union-attr]


class EventOut(Schema):
    kind: str
    at: datetime
    from_status: str
    to_status: str
    actor_kind: str | None
    data: dict[str, Any]

    @staticmethod
    def resolve_actor_kind(event: DossierEvent) -> str | None:
        return event.actor.kind if event.actor_id else None  # type: ignore[union-attr]


class AssigneeOut(Schema):
    """A processing official a dossier can be handed to (no contact details)."""

    id: int
    full_name: str


class TrackingOut(Schema):
    """Public: the status for a receipt code; the procedure, agency and dates only with the
    check (the last 4 digits of the applicant's personal ID number or organisation's tax code);
    never personal data."""

    code: str
    status: str
    national_status: int | None
    details: bool = Field(description="True when the check matched and the fields below are given")
    procedure_name: str | None
    agency_name: str | None
    submitted_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None


def _tracking_out(found: tracking.Tracked) -> dict[str, Any]:
    dossier, details = found.dossier, found.details
    return {
        "code": dossier.code,
        "status": dossier.status,
        "national_status": dossier.national_status,
        "details": details,
        "procedure_name": dossier.procedure.name if details else None,
        "agency_name": dossier.agency.name if details else None,
        "submitted_at": dossier.submitted_at if details else None,
        "due_at": dossier.due_at if details else None,
        "finished_at": dossier.finished_at if details else None,
    }


class NewDraftIn(Schema):
    procedure: str
    agency: str
    organisation: str = Field(
        "", description="Tax code of the organisation filed for; empty: for yourself"
    )


class ReasonIn(Schema):
    reason: str = ""
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


# --- helpers -----------------------------------------------------------------------------------


def _uploads(request: HttpRequest, skip: tuple[str, ...] = ()) -> dict[str, Upload]:
    return {
        name: Upload(name=upload.name or name, stream=upload, size=upload.size)
        for name, upload in _files(request)
        if name not in skip
    }


def _form_json(raw: str) -> dict[str, Any]:
    try:
        data = json.loads(raw or "{}")
    except json.JSONDecodeError as exc:
        raise InvalidInput("Trường form không phải JSON hợp lệ / form is not valid JSON") from exc
    if not isinstance(data, dict):
        raise InvalidInput("Trường form phải là một đối tượng JSON / form must be a JSON object")
    return data


def _procedure_and_agency(procedure_code: str, agency_code: str) -> tuple[Procedure, Agency]:
    procedure = get_procedure(procedure_code)
    agency = Agency.objects.filter(code=agency_code).first()
    if procedure is None or agency is None:
        raise InvalidInput(
            "Thủ tục hoặc cơ quan không tồn tại / unknown procedure or agency",
            {"procedure" if procedure is None else "agency": "not found"},
        )
    return procedure, agency


def _out(request: HttpRequest, dossier_id: int, action: str = access.VIEW) -> Dossier:
    return access.access_dossier(request.user, dossier_id, action)


def _organisation(tax_code: str) -> Organisation | None:
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


# --- applicant -----------------------------------------------------------------------------------


@router.post(
    "",
    response={200: DossierOut, 201: DossierOut, **ERRORS},
    summary="Submit a dossier online in one request (multipart)",
    description=(
        "Multipart fields: `procedure` (code), `agency` (QCVN 102 code), `form` (JSON object "
        "matching the procedure's form schema), optionally `organisation` (the tax code of an "
        "organisation you represent, when the procedure accepts organisations), and one file "
        "per document component, each under the component's code. With an `Idempotency-Key` "
        "header a retried request returns the first dossier (200) instead of creating another. "
        "A procedure asking a higher identity level than the account's is refused with 403 "
        "`identity_level_required`."
    ),
)
@idempotent
def submit_dossier(
    request: HttpRequest,
    procedure: Form[str],
    agency: Form[str],
    form: Form[str] = "{}",
    organisation: Form[str] = "",
) -> Status:
    proc, unit = _procedure_and_agency(procedure, agency)
    dossier, _replayed = services.submit_online(
        acting_user(request),
        proc,
        unit,
        _form_json(form),
        _uploads(request),
        organisation=_organisation(organisation),
    )
    return Status(201, _out(request, dossier.pk))


@router.get("", response=list[DossierRow], summary="My dossiers")
@paginated(20)
def my_dossiers(request: HttpRequest) -> Any:
    """Your own dossiers and those of the organisations you represent now."""
    return access.dossiers_as_applicant(acting_user(request))


@router.post("/drafts", response={201: DossierOut, **ERRORS}, summary="Start a draft")
@idempotent
def start_draft(request: HttpRequest, payload: NewDraftIn) -> Status:
    proc, unit = _procedure_and_agency(payload.procedure, payload.agency)
    dossier = services.start_draft(
        acting_user(request), proc, unit, _organisation(payload.organisation)
    )
    return Status(201, _out(request, dossier.pk))


@router.post(
    "/{dossier_id}/draft", response={200: DossierOut, **ERRORS}, summary="Save a draft (multipart)"
)
def save_draft(request: HttpRequest, dossier_id: int, form: Form[str] = "{}") -> Dossier:
    services.save_draft(dossier_id, acting_user(request), _form_json(form), _uploads(request))
    return _out(request, dossier_id)


@router.post("/{dossier_id}/submit", response={200: DossierOut, **ERRORS}, summary="Submit a draft")
def submit_draft(request: HttpRequest, dossier_id: int, payload: VersionIn = Body(None)) -> Dossier:  # noqa: B008
    services.submit(dossier_id, acting_user(request), payload.version if payload else None)
    return _out(request, dossier_id)


@router.get("/{dossier_id}", response={200: DossierOut, **ERRORS}, summary="One dossier")
def get_dossier(request: HttpRequest, dossier_id: int) -> Dossier:
    return _out(request, dossier_id)


@router.get("/{dossier_id}/events", response={200: list[EventOut], **ERRORS}, summary="Timeline")
@paginated(50)
def dossier_events(request: HttpRequest, dossier_id: int) -> Any:
    """The dossier's events; the back office's internal steps (a proposal, a send-back) to the
    agency's officials only."""
    dossier = _out(request, dossier_id)
    internal = access.is_official_of(request.user, dossier.agency_id)
    return selectors.timeline(dossier, internal=internal)


@router.get(
    "/{dossier_id}/receipt.pdf", summary="Receipt slip (Giấy tiếp nhận hồ sơ và hẹn trả kết quả)"
)
def dossier_receipt(request: HttpRequest, dossier_id: int) -> HttpResponse:
    return receipts.receipt_response(_out(request, dossier_id, access.DOWNLOAD))


@router.get("/{dossier_id}/result", summary="Download the result document")
def dossier_result(request: HttpRequest, dossier_id: int) -> HttpResponse:
    return receipts.result_response(_out(request, dossier_id, access.DOWNLOAD))


@router.post(
    "/{dossier_id}/supplement",
    response={200: DossierOut, **ERRORS},
    summary="Send a supplement (multipart)",
)
@idempotent
def supplement(
    request: HttpRequest, dossier_id: int, form: Form[str] = "", version: Form[int | None] = None
) -> Dossier:
    raw = _form_json(form) if form else None
    services.provide_supplement(dossier_id, acting_user(request), raw, _uploads(request), version)
    return _out(request, dossier_id)


@router.post("/{dossier_id}/withdraw", response={200: DossierOut, **ERRORS}, summary="Withdraw")
def withdraw(request: HttpRequest, dossier_id: int, payload: ReasonIn) -> Dossier:
    services.withdraw(dossier_id, acting_user(request), payload.reason, payload.version)
    return _out(request, dossier_id)


@router.post(
    "/{dossier_id}/rating", response={200: DossierOut, **ERRORS}, summary="Rate the service"
)
def rating(request: HttpRequest, dossier_id: int, payload: RatingIn) -> Dossier:
    services.rate(dossier_id, acting_user(request), payload.score, payload.comment)
    return _out(request, dossier_id)


# --- back office -----------------------------------------------------------------------------------


@backoffice_router.get(
    "/dossiers", response={200: list[DossierRow], **ERRORS}, summary="The agency's queue"
)
@paginated(50)
def queue(
    request: HttpRequest,
    agency: str = Query("", max_length=50),
    filter: str = Query("all", pattern="^(all|new|mine|due_soon|overdue)$"),
) -> Any:
    user = acting_user(request)
    agency_ids = access.queue_agencies(user)
    if not agency_ids:
        raise NotAllowed("Chỉ dành cho cán bộ / officials only")
    unit = (
        get_object_or_404(Agency, code=agency) if agency else Agency.objects.get(pk=agency_ids[0])
    )
    if unit.pk not in agency_ids:
        raise NotAllowed("Không thuộc cơ quan của bạn / not your agency")
    # Rows name the organisation a dossier was filed for: fetched once per page, not per row.
    return selectors.agency_queue(unit.pk, user, filter).prefetch_related("organisation")


@backoffice_router.get(
    "/assignees",
    response={200: list[AssigneeOut], **ERRORS},
    summary="The processors a dossier of the agency may be assigned to",
    description=(
        "For receivers and agency administrators (who assign dossiers): the active processing "
        "officials of `agency` (QCVN 102 code; default: the first agency where you assign). "
        "Use an `id` as `assignee` of `POST /dossiers/{id}/assign`. Anyone else: 403."
    ),
)
@paginated(50)
def assignees(request: HttpRequest, agency: str = Query("", max_length=50)) -> Any:
    agency_ids = access.assigning_agencies(acting_user(request))
    if not agency_ids:
        raise NotAllowed("Chỉ dành cho cán bộ tiếp nhận / for receiving officials only")
    unit = (
        get_object_or_404(Agency, code=agency) if agency else Agency.objects.get(pk=agency_ids[0])
    )
    if unit.pk not in agency_ids:
        raise NotAllowed("Không thuộc cơ quan của bạn / not your agency")
    return list(selectors.processors_of(unit.pk))


@backoffice_router.post(
    "/counter-dossiers",
    response={201: DossierOut, **ERRORS},
    summary="File a dossier at the counter for a citizen (multipart)",
    description="Fields: procedure, agency, personal_id, full_name, birth_date, phone, email, form (JSON); one file per component code.",
)
@idempotent
def counter_dossier(
    request: HttpRequest,
    procedure: Form[str],
    agency: Form[str],
    personal_id: Form[str],
    full_name: Form[str],
    birth_date: Form[date | None] = None,
    phone: Form[str] = "",
    email: Form[str] = "",
    form: Form[str] = "{}",
) -> Status:
    proc, unit = _procedure_and_agency(procedure, agency)
    official = acting_user(request)
    if not access.is_official_of(official, unit.pk):
        raise NotAllowed("Không thuộc cơ quan của bạn / not your agency")
    applicant = services.find_or_create_citizen(
        personal_id=personal_id,
        full_name=full_name,
        birth_date=birth_date,
        phone=phone,
        email=email,
        official=official,
    )
    dossier = services.submit_at_counter(
        official, applicant, proc, unit, _form_json(form), _uploads(request)
    )
    return Status(201, _out(request, dossier.pk))


@router.post(
    "/{dossier_id}/receive", response={200: DossierOut, **ERRORS}, summary="Receive (intake check)"
)
def receive(request: HttpRequest, dossier_id: int, payload: ReceiveIn) -> Dossier:
    checklist = {code: (check.ok, check.note) for code, check in payload.checklist.items()}
    services.receive(dossier_id, acting_user(request), checklist, payload.version)
    return _out(request, dossier_id)


@router.post(
    "/{dossier_id}/refuse-intake", response={200: DossierOut, **ERRORS}, summary="Refuse at intake"
)
def refuse_intake(request: HttpRequest, dossier_id: int, payload: ReasonIn) -> Dossier:
    services.refuse_intake(dossier_id, acting_user(request), payload.reason, payload.version)
    return _out(request, dossier_id)


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
    return _out(request, dossier_id)


@router.post(
    "/{dossier_id}/assign", response={200: DossierOut, **ERRORS}, summary="Assign to a processor"
)
def assign(request: HttpRequest, dossier_id: int, payload: AssignIn) -> Dossier:
    assignee = User.objects.filter(pk=payload.assignee).first()
    if assignee is None:
        raise InvalidInput("Cán bộ không tồn tại / unknown official", {"assignee": "not found"})
    services.assign(dossier_id, acting_user(request), assignee, payload.version)
    return _out(request, dossier_id)


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
    return _out(request, dossier_id)


@router.get(
    "/{dossier_id}/draft-result",
    response={200: None, **ERRORS},
    summary="The draft result proposed for approval (unsigned PDF; officials of the agency)",
)
def draft_result(request: HttpRequest, dossier_id: int) -> HttpResponse:
    dossier = _out(request, dossier_id, access.DOWNLOAD)
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
    return _out(request, dossier_id)


@router.post(
    "/{dossier_id}/send-back",
    response={200: DossierOut, **ERRORS},
    summary="Send the proposal back to the processor, with a reason",
)
def send_back(request: HttpRequest, dossier_id: int, payload: ReasonIn) -> Dossier:
    services.send_back(dossier_id, acting_user(request), payload.reason, payload.version)
    return _out(request, dossier_id)


@router.post(
    "/{dossier_id}/reject", response={200: DossierOut, **ERRORS}, summary="Reject with a reason"
)
def reject(request: HttpRequest, dossier_id: int, payload: ReasonIn) -> Dossier:
    services.reject(dossier_id, acting_user(request), payload.reason, payload.version)
    return _out(request, dossier_id)


@router.post(
    "/{dossier_id}/return", response={200: DossierOut, **ERRORS}, summary="Return the result"
)
def return_result(
    request: HttpRequest,
    dossier_id: int,
    payload: VersionIn = Body(None),  # noqa: B008
) -> Dossier:
    services.return_result(dossier_id, acting_user(request), payload.version if payload else None)
    return _out(request, dossier_id)


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
    return _out(request, dossier_id)


# --- public ---------------------------------------------------------------------------------------


@public_router.get(
    "/{code}",
    response={200: TrackingOut, 404: ErrorOut, 429: ErrorOut},
    summary="Track a dossier by receipt code",
    description=(
        "The code alone gives the status; with `check` (the last 4 digits of the applicant's "
        "personal ID number, or of the organisation's tax code) also the procedure, the agency "
        f"and the dates. At most {tracking.LOOKUPS_PER_ADDRESS} lookups an hour per client "
        f"address, {tracking.MISSES_PER_ADDRESS} of them unknown codes or wrong checks, and "
        f"{tracking.WRONG_CHECKS_PER_CODE} wrong checks an hour per code (429, `Retry-After`)."
    ),
)
def track(request: HttpRequest, code: str, check: str = "") -> Any:
    found = tracking.track(client_address(request), code, check)
    if found is None:
        raise NotFound("Không tìm thấy hồ sơ / dossier not found")
    return _tracking_out(found)
