"""The document axis' API: the endpoint other nodes deliver envelopes to (node credentials), and
the clerk's documents (session or bearer token): compose, send, statuses, recall, import and
export of edXML files, undelivered envelopes."""

import json
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from egov.core.errors import ERRORS, ErrorOut, InvalidInput, NotFound, error_body
from egov.core.idempotency import idempotent
from egov.core.models import Agency
from egov.core.pagination import paginated
from egov.identity.auth import acting_user, api_auth
from egov.identity.models import User

from . import access, outbox, routing, selectors, services
from .models import Delivery, Document
from .views import edxml_response, uploads_from

node_router = Router(auth=None)
router = Router(auth=api_auth)


# --- node to node --------------------------------------------------------------------------------


class ReceiptOut(Schema):
    envelope: str = Field(description="The envelope's id at the receiving node")
    duplicate: bool = Field(description="True when this envelope had been received before")


@node_router.post(
    "/envelopes",
    response={200: ReceiptOut, 201: ReceiptOut, 401: ErrorOut, 413: ErrorOut, 422: ErrorOut},
    summary="Deliver an edXML envelope (node to node)",
)
def deliver(request: HttpRequest) -> Any:
    """The body is the edXML file (`application/xml`). Headers: `X-Egov-Node` (the sending
    node's code), `X-Egov-Timestamp` (Unix seconds), `X-Egov-Signature`
    (`sha256=` HMAC-SHA256 of `timestamp + "\\n" + body` under the link's secret). 201 stored;
    200 already stored (a redelivery: nothing applied twice); 422 refused, with the reason per
    field; 401 the node's credentials do not hold."""
    limit = settings.EXCHANGE_MAX_ENVELOPE_BYTES
    body = request.read(limit + 1)
    if len(body) > limit:
        return Status(413, error_body("too_large", _("The envelope is too large.")))
    node = routing.authenticate(request.headers, body)  # type: ignore[arg-type]
    if node is None:
        return Status(
            401, error_body("unauthenticated", _("The node's credentials are missing or wrong."))
        )
    receipt = services.receive(body, node)
    return Status(
        200 if receipt.duplicate else 201,
        {"envelope": receipt.envelope_id, "duplicate": receipt.duplicate},
    )


# --- the clerk's documents -----------------------------------------------------------------------


class RecipientOut(Schema):
    agency_code: str
    agency_name: str
    status: str = Field(description="The last QCVN 102 status it sent back, '' before any")
    status_label: str
    status_at: datetime | None


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    is_main: bool
    sha256: str

    @staticmethod
    def resolve_sha256(attachment: Any) -> str:
        return str(attachment.file.sha256)


class EventOut(Schema):
    action: str
    status_code: str
    organ_id: str
    note: str
    at: datetime


class DocumentOut(Schema):
    id: int
    agency: str
    incoming: bool
    state: str
    code: str = Field(description="Số/ký hiệu, e.g. 123/QĐ-UBND")
    document_id: str
    doc_type: int
    subject: str
    summary: str
    sender_code: str
    sender_name: str
    promulgated_on: date | None
    priority: int
    due_date: date | None
    signature: str
    recall_requested: bool
    assigned_department: str

    @staticmethod
    def resolve_agency(document: Document) -> str:
        return document.agency.code


class DocumentDetailOut(DocumentOut):
    recipients: list[RecipientOut]
    attachments: list[AttachmentOut]
    events: list[EventOut]

    @staticmethod
    def resolve_recipients(document: Document) -> Any:
        return list(document.recipients.all())

    @staticmethod
    def resolve_attachments(document: Document) -> Any:
        return list(document.attachments.select_related("file"))

    @staticmethod
    def resolve_events(document: Document) -> Any:
        return list(document.events.all())


@router.get("/documents", response={200: list[DocumentOut], **ERRORS}, summary="A register")
@paginated(limit=20)
def documents(
    request: HttpRequest,
    direction: str = "in",
    year: int | None = None,
    doc_type: int | None = None,
    state: str = "",
    q: str = "",
) -> Any:
    """The register of documents received (`direction=in`) or sent (`out`) by the caller's
    agencies, and those assigned to the caller; `q` searches number, subject and summary
    without regard to diacritics."""
    if direction not in ("in", "out"):
        raise InvalidInput(_("direction is in or out."), {"direction": _("in or out")})
    wanted = selectors.RegisterFilter(direction == "in", year, doc_type, state, q)
    return selectors.register(acting_user(request), wanted)


@router.get("/documents/{document_id}", response={200: DocumentDetailOut, **ERRORS})
def document(request: HttpRequest, document_id: int) -> Document:
    return selectors.document_page(access.document_for(acting_user(request), document_id))


class DraftIn(Schema):
    agency: str = Field(description="The sending agency's code (one the caller is a clerk of)")
    doc_type: int = Field(ge=1, le=29, description="Decree 30/2020 art. 7, 1..29")
    subject: str
    summary: str = ""
    series: str = ""
    issuer_abbreviation: str = ""
    drafting_unit: str = ""
    signer_competence: str = ""
    signer_position: str = ""
    signer_name: str = ""
    place: str = ""
    priority: int = Field(0, ge=0, le=4)
    due_date: date | None = None
    recipients: list[str]
    related_id: int | None = None


def _clerk_agency(user: User, code: str) -> Agency:
    agency = access.clerk_agencies(user).filter(code=code).first()
    if agency is None:
        raise NotFound(_("You are not a clerk of this agency."))
    return agency


@router.post("/documents", response={201: DocumentDetailOut, **ERRORS}, summary="Compose a draft")
@idempotent
def compose(request: HttpRequest, draft: Form[str]) -> Status:
    """Multipart: `draft`, a JSON object of the fields (DraftIn); `main_file`, the PDF to be
    signed; `appendices`, more files. The number is given when the document is sent."""
    try:
        fields = DraftIn.model_validate(json.loads(draft))
    except ValueError as exc:
        raise InvalidInput(_("draft must be a JSON object of the document's fields.")) from exc
    user = acting_user(request)
    data = fields.model_dump()
    agency = _clerk_agency(user, data.pop("agency"))
    document = services.compose(user, agency, services.Draft(**data), uploads_from(request))
    return Status(201, selectors.document_page(document))


@router.post("/documents/{document_id}/send", response={200: DocumentDetailOut, **ERRORS})
@idempotent
def send(request: HttpRequest, document_id: int) -> Document:
    """Issue the draft (number, signed main file, signed envelope) and send it."""
    user = acting_user(request)
    document = services.issue_and_send(user, access.document_for(user, document_id))
    return selectors.document_page(document)


class StatusIn(Schema):
    code: str = Field(
        description="02 refuse, 03 accept, 04 queue for assignment, 05 assign, 06 complete"
    )
    note: str = ""
    assignee: int | None = Field(None, description="The official assigned (05)")
    department: str = ""


@router.post("/documents/{document_id}/status", response={200: DocumentDetailOut, **ERRORS})
def advance(request: HttpRequest, document_id: int, payload: StatusIn) -> Document:
    """Move a received document on; the matching edXML status goes back to the sender."""
    user = acting_user(request)
    document = access.document_for(user, document_id)
    assignee = None
    if payload.assignee is not None:
        assignee = User.objects.filter(pk=payload.assignee, agency=document.agency).first()
        if assignee is None:
            raise InvalidInput(
                _("The official must work for the receiving agency."),
                {"assignee": _("Not an official of this agency.")},
            )
    services.advance(user, document, payload.code, payload.note, assignee, payload.department)
    return selectors.document_page(document)


class RecallIn(Schema):
    reason: str


@router.post("/documents/{document_id}/recall", response={200: DocumentDetailOut, **ERRORS})
def recall(request: HttpRequest, document_id: int, payload: RecallIn) -> Document:
    """Ask every recipient to give a sent document back (status 13)."""
    user = acting_user(request)
    document = services.recall(user, access.document_for(user, document_id), payload.reason)
    return selectors.document_page(document)


class AnswerIn(Schema):
    accept: bool
    note: str = ""


@router.post("/documents/{document_id}/answer", response={200: DocumentDetailOut, **ERRORS})
def answer(request: HttpRequest, document_id: int, payload: AnswerIn) -> Document:
    """Agree (15) or refuse (16) the sender's recall, update or replacement."""
    user = acting_user(request)
    document = services.answer_request(
        user, access.document_for(user, document_id), payload.accept, payload.note
    )
    return selectors.document_page(document)


@router.get(
    "/documents/{document_id}/edxml",
    response={200: None, **ERRORS},
    summary="The document as its edXML file",
)
def export(request: HttpRequest, document_id: int) -> HttpResponse:
    return edxml_response(access.document_for(acting_user(request), document_id))


class ImportOut(Schema):
    envelope: str
    duplicate: bool
    documents: list[int]


@router.post("/import", response={201: ImportOut, 200: ImportOut, **ERRORS})
@idempotent
def import_file(request: HttpRequest, file: File[UploadedFile]) -> Status:
    """File an edXML file produced by another system for your agencies among its recipients.
    Its signature is checked and the result recorded on the document, not required."""
    data = file.read(settings.EXCHANGE_MAX_ENVELOPE_BYTES + 1)
    if len(data) > settings.EXCHANGE_MAX_ENVELOPE_BYTES:
        raise InvalidInput(_("The file is too large."), {"file": _("Too large.")})
    receipt = services.import_envelope(acting_user(request), data)
    return Status(
        200 if receipt.duplicate else 201,
        {
            "envelope": receipt.envelope_id,
            "duplicate": receipt.duplicate,
            "documents": list(receipt.documents),
        },
    )


class DeliveryOut(Schema):
    id: int
    envelope: str
    kind: str
    node: str
    status: str
    attempts: int
    last_error: str
    created_at: datetime

    @staticmethod
    def resolve_envelope(delivery: Delivery) -> str:
        return str(delivery.envelope_id)

    @staticmethod
    def resolve_kind(delivery: Delivery) -> str:
        return delivery.envelope.kind

    @staticmethod
    def resolve_node(delivery: Delivery) -> str:
        return delivery.node.code if delivery.node else ""


@router.get("/undelivered", response={200: list[DeliveryOut], **ERRORS})
@paginated(limit=20)
def undelivered(request: HttpRequest) -> Any:
    """Envelopes your agencies sent that could not be delivered, with the reason."""
    return selectors.undelivered(acting_user(request))


@router.post("/undelivered/{delivery_id}/retry", response={200: DeliveryOut, **ERRORS})
def retry(request: HttpRequest, delivery_id: int) -> Delivery:
    delivery = Delivery.objects.select_related("envelope", "node").filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound(_("No such envelope delivery."))
    return outbox.retry(acting_user(request), delivery)
