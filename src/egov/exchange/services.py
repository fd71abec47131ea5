"""What clerks and nodes do with official documents: compose, issue (number, sign) and send;
receive once, whatever the number of deliveries; answer with statuses; recall, update, replace.
Every change is a ``DocumentEvent`` written in the same transaction as the state it explains."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from egov.core.errors import InvalidInput, NotAllowed, ServiceError, WrongState
from egov.core.files import read_stored, store_bytes
from egov.core.models import Agency
from egov.core.queue import enqueue_with_commit, task_named
from egov.core.text import fold
from egov.identity.models import User
from egov.records import pki
from egov.records.signing import sign_pdf

from . import access, edxml, routing
from .constants import OFFICIAL_LETTER, STATUS_LABELS, document_type
from .models import (
    Attachment,
    Business,
    Delivery,
    Document,
    DocumentEvent,
    DocumentState,
    Envelope,
    EnvelopeKind,
    Node,
    NumberSequence,
    Recipient,
)

log = structlog.get_logger("egov.exchange")
TASK = "egov.exchange.tasks.deliver_envelope"
#: The series of legal normative documents ("văn bản quy phạm pháp luật"), numbered per type.
NORMATIVE = "QPPL"

#: What a recipient's clerk or official may do next, by the document's state: status code sent.
TRANSITIONS: dict[str, set[str]] = {
    DocumentState.ARRIVED: {"02", "03"},
    DocumentState.ACCEPTED: {"04", "05"},
    DocumentState.WAITING: {"05"},
    DocumentState.PROCESSING: {"05", "06"},
}


class Refused(ServiceError):
    """An envelope this deployment will not take: ``errors`` names each field at fault and why."""

    code, http_status = "envelope_refused", 422


# --- composing -----------------------------------------------------------------------------------


@dataclass
class Draft:
    """What a clerk writes; the number comes when the document is issued."""

    doc_type: int
    subject: str
    summary: str = ""
    #: "" (the agency's general series) or ``NORMATIVE`` (legal normative documents).
    series: str = ""
    issuer_abbreviation: str = ""
    drafting_unit: str = ""
    signer_competence: str = ""
    signer_position: str = ""
    signer_name: str = ""
    place: str = ""
    priority: int = 0
    due_date: date | None = None
    recipients: list[str] = dataclasses.field(default_factory=list)
    #: The document this one answers, or (with ``business`` update or replace) supersedes.
    related_id: int | None = None
    business: int = Business.NEW


@dataclass
class Upload:
    name: str
    data: bytes
    content_type: str
    is_main: bool = False


def _search_text(document: Document) -> str:
    return fold(f"{document.code} {document.subject} {document.summary} {document.sender_name}")


def _record(document: Document, action: str, actor: User | None = None, **fields: Any) -> None:
    DocumentEvent.objects.create(document=document, action=action, actor=actor, **fields)


def _check_draft(draft: Draft) -> dict[str, str]:
    errors: dict[str, str] = {}
    try:
        document_type(draft.doc_type)
    except KeyError:
        errors["doc_type"] = _("Choose one of the 29 document types.")
    if not draft.subject.strip():
        errors["subject"] = _("Write the subject of the document.")
    elif len(draft.subject) > 500:
        errors["subject"] = _("The subject is at most 500 characters.")
    if len(draft.summary) > 500:
        errors["summary"] = _("The summary is at most 500 characters.")
    if not draft.recipients:
        errors["recipients"] = _("Choose at least one recipient.")
    elif len(set(draft.recipients)) != len(draft.recipients):
        errors["recipients"] = _("A recipient is listed twice.")
    else:
        known = dict(routing.known_agencies())
        unknown = [code for code in draft.recipients if code not in known]
        if unknown:
            errors["recipients"] = _("No agency with the code %(code)s on the axis.") % {
                "code": unknown[0]
            }
    if draft.series not in ("", NORMATIVE):
        errors["series"] = _("Choose the general series or legal normative documents.")
    if draft.business not in (Business.NEW, Business.UPDATE, Business.REPLACE):
        errors["business"] = _("A document is new, an update or a replacement.")
    elif draft.business != Business.NEW and draft.related_id is None:
        errors["related"] = _("Choose the document this one updates or replaces.")
    if not 0 <= draft.priority <= 4:
        errors["priority"] = _("Choose a priority.")
    for name, limit in (("place", 50), ("signer_name", 50)):
        if len(getattr(draft, name)) > limit:
            errors[name] = _("At most %(limit)s characters.") % {"limit": limit}
    return errors


def default_abbreviation(agency: Agency) -> str:
    """The abbreviation the agency used last, or the initials of its name up to the place name
    (``Ủy ban nhân dân tỉnh Hà Nam`` gives ``UBND``)."""
    last = (
        Document.objects.filter(agency=agency, incoming=False)
        .exclude(issuer_abbreviation="")
        .order_by("-pk")
        .values_list("issuer_abbreviation", flat=True)
        .first()
    )
    if last:
        return last
    initials = []
    for word in agency.name.split():
        if fold(word) in {"tinh", "thanh", "huyen", "xa", "quan", "phuong", "thi"}:
            break
        initials.append(fold(word)[:1].upper())
    return "".join(initials)[:12]


def compose(user: User, agency: Agency, draft: Draft, uploads: list[Upload]) -> Document:
    """A new outgoing draft of ``agency``, written by one of its clerks."""
    access.require_clerk(user, agency)
    errors = _check_draft(draft)
    if not any(upload.is_main for upload in uploads):
        errors["main_file"] = _("Attach the main file (PDF) to be signed.")
    for upload in uploads:
        field = "main_file" if upload.is_main else "appendices"
        if upload.is_main and upload.content_type != "application/pdf":
            errors[field] = _("The main file must be a PDF.")
        if len(upload.data) > edxml.MAX_ATTACHMENT_BYTES:
            # The envelope carries files inline (base64), read without huge-text support.
            errors[field] = _("A file sent on the axis is at most %(mb)s MB.") % {
                "mb": edxml.MAX_ATTACHMENT_BYTES // 1_000_000
            }
    if errors:
        raise InvalidInput(_("The document cannot be saved."), errors)
    related = None
    if draft.related_id is not None:
        related = access.document_for(user, draft.related_id)
        supersedes = draft.business != Business.NEW
        if related.agency_id != agency.pk or related.incoming == supersedes:
            raise InvalidInput(
                _(
                    "An answer names a document the agency received; an update or a replacement"
                    " one it sent."
                ),
                {"related": _("Not a document this one can refer to.")},
            )
    with transaction.atomic():
        document = Document(
            agency=agency,
            incoming=False,
            state=DocumentState.DRAFT,
            doc_type=draft.doc_type,
            subject=draft.subject.strip(),
            summary=draft.summary.strip(),
            series=draft.series,
            issuer_abbreviation=(draft.issuer_abbreviation or default_abbreviation(agency)).strip(),
            drafting_unit=draft.drafting_unit.strip(),
            signer_competence=draft.signer_competence.strip(),
            signer_position=draft.signer_position.strip(),
            signer_name=draft.signer_name.strip(),
            place=draft.place.strip(),
            priority=draft.priority,
            due_date=draft.due_date,
            related=related,
            business=draft.business,
            sender_code=agency.code,
            sender_name=agency.name,
            created_by=user,
        )
        document.search_text = _search_text(document)
        document.save()
        known = dict(routing.known_agencies())
        Recipient.objects.bulk_create(
            Recipient(document=document, agency_code=code, agency_name=known[code])
            for code in draft.recipients
        )
        Attachment.objects.bulk_create(
            Attachment(
                document=document,
                file=store_bytes(upload.data, upload.content_type),
                name=upload.name,
                content_type=upload.content_type,
                is_main=upload.is_main,
                position=position,
            )
            for position, upload in enumerate(uploads)
        )
        _record(document, "composed", user)
    return document


# --- issuing and sending -------------------------------------------------------------------------


def next_number(agency: Agency, series: str, year: int) -> int:
    """The next number of the agency's series this year, from 01 on 1 January: the sequence row
    stays locked until the caller's transaction ends, so two clerks never get the same one."""
    sequence = NumberSequence.objects.filter(agency=agency, series=series, year=year)
    if not sequence.update(last=F("last") + 1):
        try:
            with transaction.atomic():
                NumberSequence.objects.create(agency=agency, series=series, year=year, last=1)
        except IntegrityError:  # created by a concurrent issue
            sequence.update(last=F("last") + 1)
    return sequence.values_list("last", flat=True).get()


def notation(doc_type: int, issuer: str, drafting_unit: str = "", normative_year: int = 0) -> str:
    """Ký hiệu per Decree 30/2020: ``QĐ-UBND``; a công văn (no type part) ``VPCP-TTĐT``; a legal
    normative document carries its year, ``2026/QĐ-UBND``."""
    abbreviation = document_type(doc_type).abbreviation
    if abbreviation and doc_type != OFFICIAL_LETTER:
        text = f"{abbreviation}-{issuer}"
    else:
        text = f"{issuer}-{drafting_unit}" if drafting_unit else issuer
    return f"{normative_year}/{text}" if normative_year else text


def sequence_of(document: Document) -> str:
    """The series a document is numbered in: legal normative documents per type (art. 15)."""
    return f"{NORMATIVE}-{document.doc_type}" if document.series == NORMATIVE else ""


def _organ(code: str, name: str = "", agency: Agency | None = None) -> edxml.Organ:
    if agency is not None:
        return edxml.Organ(
            organ_id=agency.code,
            name=agency.name[:200],
            address=agency.address[:250],
            email=agency.email,
            telephone=agency.phone,
        )
    return edxml.Organ(organ_id=code, name=name[:200])


def _trace(organ_id: str) -> edxml.Trace:
    return edxml.Trace(organ_id=organ_id, timestamp=_vn_now())


def _vn_now() -> datetime:
    return timezone.localtime().replace(tzinfo=None, microsecond=0)


def _reference(document: Document) -> edxml.Reference:
    return edxml.Reference(
        organ_id=document.sender_code,
        code=document.code,
        promulgation_date=document.promulgated_on,
        document_id=document.document_id,
    )


def document_message(
    document: Document,
    attachments: list[edxml.Attachment],
    recipients: list[Recipient] | None = None,
) -> Any:
    """The edXML message of an issued outgoing document."""
    kind = document_type(document.doc_type)
    related = document.related
    if recipients is None:
        recipients = list(document.recipients.all())
    return edxml.DocumentMessage(
        sender=_organ(document.agency.code, agency=document.agency),
        recipients=[_organ(r.agency_code, r.agency_name) for r in recipients],
        document_id=document.document_id,
        code_number=document.code_number,
        code_notation=document.code_notation,
        place=document.place,
        promulgation_date=document.promulgated_on or timezone.localdate(),
        type=1,
        type_detail=kind.code,
        type_name=kind.name,
        subject=document.subject,
        content=document.summary,
        signer_competence=document.signer_competence,
        signer_position=document.signer_position,
        signer_name=document.signer_name,
        due_date=document.due_date,
        priority=document.priority,
        response_for=_reference(related) if related is not None else None,
        business=edxml.Business(document.business),
        traces=[_trace(document.agency.code)],
        attachments=attachments,
    )


#: Per process, for EXCHANGE_ROUTES_TTL seconds: each agency's key, certificate and chain, and
#: the trust roots (read and parsed once, not for every envelope).
_keys: dict[Any, tuple[float, Any]] = {}


def _kept(key: Any, read: Callable[[], Any]) -> Any:
    now = time.monotonic()
    found = _keys.get(key)
    if found is None or now - found[0] >= settings.EXCHANGE_ROUTES_TTL:
        found = _keys[key] = (now, read())
    return found[1]


def _signing_material(agency: Agency) -> tuple[Any, Any, list[Any]]:
    def read() -> tuple[Any, Any, list[Any]]:
        row = pki.agency_certificate(agency)
        return pki.decrypt_key(row.key_pem), pki.load_certificate(row), pki.load_chain(row)

    return _kept(("agency", agency.pk), read)


def _trust_roots() -> list[Any]:
    return _kept("roots", pki.trust_root_certificates)


def forget_keys() -> None:
    """Read keys and roots again at their next use (tests; a new certificate at once)."""
    _keys.clear()


def _sign(agency: Agency, message: Any) -> bytes:
    """The envelope, signed with the agency's key; what edXML cannot carry is refused here."""
    key, certificate, chain = _signing_material(agency)
    try:
        return edxml.build(message, key, certificate, chain)
    except edxml.EnvelopeInvalid as exc:
        raise InvalidInput(
            _("The document cannot be put in an edXML envelope."),
            {p.field or p.code: explain(p.code, p.message) for p in exc.problems},
        ) from exc


def _envelope_attachments(document: Document) -> list[edxml.Attachment]:
    return [
        edxml.Attachment(
            content_id=f"{attachment.position + 1}",
            name=attachment.name,
            content_type=attachment.content_type,
            data=read_stored(attachment.file),
            description=str(_("Main file") if attachment.is_main else _("Appendix")),
        )
        for attachment in document.attachments.select_related("file")
    ]


def issue_and_send(user: User, document: Document) -> Document:
    """Number the draft, sign its main file (PAdES) and the envelope (XMLDSig), store the
    envelope and queue it to every recipient's node, all in one transaction."""
    access.require_clerk(user, document.agency)
    if document.incoming or document.state != DocumentState.DRAFT:
        raise WrongState(_("Only a draft is issued."))
    main = document.attachments.filter(is_main=True).select_related("file").first()
    if main is None:
        raise InvalidInput(_("Attach the main file first."), {"main_file": _("Required.")})
    today = timezone.localdate()
    signed = sign_pdf(
        read_stored(main.file),
        pki.agency_certificate(document.agency),
        reason=_("Issuing official document"),
        location=document.place or document.agency.name,
    )
    with transaction.atomic():
        document = (
            Document.objects.select_for_update(of=("self",))
            .select_related("agency")
            .get(pk=document.pk)
        )
        if document.state != DocumentState.DRAFT:
            raise WrongState(_("Only a draft is issued."))
        document.year = today.year
        document.number = next_number(document.agency, sequence_of(document), today.year)
        document.code_number = f"{document.number:02d}"
        document.code_notation = notation(
            document.doc_type,
            document.issuer_abbreviation,
            document.drafting_unit,
            today.year if document.series == NORMATIVE else 0,
        )
        document.promulgated_on = today
        document.document_id = edxml.document_id(
            document.agency.code, today, document.code_number, document.code_notation
        )
        main.file = store_bytes(signed.pdf, "application/pdf")
        main.save(update_fields=["file"])
        recipients = list(document.recipients.all())
        message = document_message(document, _envelope_attachments(document), recipients)
        envelope = _store_envelope(
            _sign(document.agency, message), message, incoming=False, kind=EnvelopeKind.DOCUMENT
        )
        document.envelope = envelope
        document.state = DocumentState.SENT
        document.search_text = _search_text(document)
        document.save()
        _record(document, "issued", user, note=document.code)
        _queue(envelope, [r.agency_code for r in recipients])
    log.info("document_sent", document=document.pk, recipients=len(recipients))
    return document


def _store_envelope(
    data: bytes, message: Any, *, incoming: bool, kind: str, node: str = ""
) -> Envelope:
    return Envelope.objects.create(
        key=edxml.message_key(message),
        incoming=incoming,
        kind=kind,
        sender_code=message.sender.organ_id,
        from_node=node,
        file=store_bytes(data, "application/xml"),
    )


def _queue(envelope: Envelope, agency_codes: list[str]) -> None:
    """One delivery per node serving the agencies (this deployment counts as one node)."""
    nodes: dict[int | None, Node | None] = {}
    for code in agency_codes:
        try:
            node = routing.node_for(code)
        except routing.NoRoute as exc:
            raise InvalidInput(
                _("No route to the agency %(code)s: add it to the address book.") % {"code": code}
            ) from exc
        nodes[node.pk if node else None] = node
    for node in nodes.values():
        delivery = Delivery.objects.create(envelope=envelope, node=node)
        enqueue_with_commit(task_named(TASK), delivery.pk)


def enqueue(delivery_id: int, when: datetime | None = None) -> None:
    task = task_named(TASK)
    if when is not None:
        if not task.get_backend().supports_defer:
            return  # left pending: `redeliver_envelopes` picks it up when it is due
        task = task.using(run_after=when)
    task.enqueue(delivery_id)


# --- receiving -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    """What receiving an envelope did: stored now, or already stored before (a redelivery)."""

    envelope_id: str
    duplicate: bool
    documents: tuple[int, ...] = ()


#: What each refusal of ``edxml`` means, in the reader's language; the precise English detail
#: (field, value, limit) follows it.
PROBLEMS = {
    "malformed_xml": gettext_lazy("Not well-formed XML."),
    "wrong_root": gettext_lazy("Not an edXML envelope."),
    "missing": gettext_lazy("Required, but missing."),
    "too_long": gettext_lazy("Too long."),
    "too_large": gettext_lazy("Too large."),
    "bad_value": gettext_lazy("Not an allowed value."),
    "bad_organ_id": gettext_lazy("Not an agency code."),
    "bad_date": gettext_lazy("Not a date."),
    "bad_char": gettext_lazy("Holds characters XML cannot carry."),
    "bad_base64": gettext_lazy("Not valid base64."),
    "duplicate": gettext_lazy("Given twice."),
    "duplicate_recipient": gettext_lazy("A recipient is listed twice."),
    "duplicate_attachment": gettext_lazy("An attachment is listed twice."),
    "attachment_mismatch": gettext_lazy("The manifest and the attachments do not match."),
    "attachment_too_large": gettext_lazy("An attachment is too large."),
    # signatures
    "absent": gettext_lazy("The envelope is not signed."),
    "malformed": gettext_lazy("The signature cannot be read."),
    "digest_mismatch": gettext_lazy("The envelope was changed after it was signed."),
    "bad_signature": gettext_lazy("The signature does not match."),
    "untrusted_certificate": gettext_lazy("The certificate is not issued by a trusted authority."),
    "expired_certificate": gettext_lazy("The certificate is not valid at this time."),
    "wrong_signer": gettext_lazy("Signed by another agency than the sender."),
}


def explain(code: str, detail: str) -> str:
    """A refusal for people: what it means (in their language), then the precise detail."""
    meaning = PROBLEMS.get(code)
    return f"{meaning} ({detail})" if meaning else detail


def _refuse(problems: list[Any], message: str | None = None) -> Refused:
    errors = {p.field or p.code: explain(p.code, p.message) for p in problems}
    return Refused(message or _("The envelope is not valid."), errors)


def receive(data: bytes, node: Node | None, *, imported_by: User | None = None) -> Receipt:
    """Take an envelope delivered by ``node`` (None: this deployment, or a clerk's import):
    validated, stored once per message key however often it comes, acknowledged by status 01."""
    try:
        message = edxml.parse(data)
    except edxml.EnvelopeInvalid as exc:
        raise _refuse(exc.problems) from exc
    key = edxml.message_key(message)
    existing = Envelope.objects.filter(key=key, incoming=True).first()
    if existing is not None:
        return Receipt(str(existing.pk), True)
    sender = message.sender.organ_id
    if imported_by is None and not routing.may_send_as(node, sender):
        raise Refused(
            _("Node %(node)s does not serve the sending agency %(agency)s.")
            % {"node": node.code if node else "local", "agency": sender},
            {"MessageHeader/From/OrganId": _("Not served by the node that sent it.")},
        )
    signature = _check_signature(data, sender, strict=imported_by is None)
    try:
        with transaction.atomic():
            if isinstance(message, edxml.StatusMessage):
                return _take_status(data, message, node)
            return _take_document(data, message, node, signature, imported_by)
    except IntegrityError:  # the same envelope delivered twice at once
        existing = Envelope.objects.filter(key=key, incoming=True).first()
        if existing is None:
            raise
        return Receipt(str(existing.pk), True)


def _check_signature(data: bytes, sender: str, *, strict: bool) -> str:
    """``valid``, or (an imported file) the reason its signature does not verify."""
    try:
        signer = edxml.verify(data, _trust_roots())
    except edxml.SignatureInvalid as exc:
        if strict:
            raise Refused(
                _("The envelope's signature does not verify: %(reason)s")
                % {"reason": explain(exc.reason, exc.message)},
                {"Signature": exc.reason},
            ) from exc
        return exc.reason
    if signer.organ_id != sender:
        if strict:
            raise Refused(
                _("The envelope is signed by %(signer)s, not by the sending agency.")
                % {"signer": signer.organ_id or signer.subject},
                {"Signature": "wrong_signer"},
            )
        return "wrong_signer"
    return "valid"


def _take_document(
    data: bytes, message: Any, node: Node | None, signature: str, imported_by: User | None
) -> Receipt:
    here, elsewhere = [], []
    for organ in message.recipients:
        if routing.serves_here(organ.organ_id):
            here.append(organ.organ_id)
        elif settings.EXCHANGE_HUB:
            elsewhere.append(organ.organ_id)
    if imported_by is not None:
        here = [code for code in here if access.is_clerk(imported_by, code)]
    if not here and not elsewhere:
        raise Refused(
            _("None of the envelope's recipients is served here."),
            {"MessageHeader/To/OrganId": _("Not served by this node.")},
        )
    if elsewhere:  # a hub: store and forward, with its own trace header
        data = edxml.add_trace(data, _trace(settings.EXCHANGE_NODE_CODE))
    envelope = _store_envelope(
        data, message, incoming=True, kind=EnvelopeKind.DOCUMENT, node=node.code if node else ""
    )
    created = tuple(_file_incoming(envelope, message, code, signature) for code in here)
    if elsewhere:
        _queue(envelope, elsewhere)
    return Receipt(str(envelope.pk), False, created)


def _original(reference: Any, agency: Agency, business: int) -> Document | None:
    """What ``ResponseFor`` names here: for a recall, update or replacement the document this
    agency received; for an answer, the document it sent."""
    if reference is None:
        return None
    return Document.objects.filter(
        agency=agency, incoming=business != Business.NEW, document_id=reference.document_id
    ).first()


def _file_incoming(envelope: Envelope, message: Any, agency_code: str, signature: str) -> int:
    agency = routing.local_agency(agency_code)
    original = _original(message.response_for, agency, int(message.business))
    if message.business == edxml.Business.REVOKE:
        if original is None:
            raise Refused(
                _("The recalled document was not received here."),
                {"MessageHeader/ResponseFor/DocumentId": _("Unknown document.")},
            )
        original.recall_requested = True
        original.save(update_fields=["recall_requested"])
        _record(original, "recall_requested", organ_id=message.sender.organ_id)
        _send_status(original, "13", _("The sender asks to recall the document."), None)
        return original.pk
    kind = message.type_detail if message.type_detail in range(1, 30) else OFFICIAL_LETTER
    document = Document(
        agency=agency,
        incoming=True,
        state=DocumentState.ARRIVED,
        business=int(message.business),
        related=original,
        response_for=_reference_json(message.response_for),
        code_number=message.code_number,
        code_notation=message.code_notation,
        document_id=message.document_id,
        doc_type=kind,
        subject=message.subject,
        summary=message.content,
        signer_competence=message.signer_competence,
        signer_position=message.signer_position,
        signer_name=message.signer_name,
        place=message.place,
        promulgated_on=message.promulgation_date,
        priority=message.priority,
        due_date=message.due_date,
        sender_code=message.sender.organ_id,
        sender_name=message.sender.name,
        envelope=envelope,
        signature=signature,
    )
    document.search_text = _search_text(document)
    document.save()
    Attachment.objects.bulk_create(
        Attachment(
            document=document,
            file=store_bytes(item.data, item.content_type),
            name=item.name[:255],
            content_type=item.content_type[:100],
            description=item.description[:250],
            is_main=position == 0,
            position=position,
        )
        for position, item in enumerate(message.attachments)
    )
    if original is not None and message.business in (edxml.Business.UPDATE, edxml.Business.REPLACE):
        original.pending_request = document
        original.save(update_fields=["pending_request"])
    _record(document, "arrived", organ_id=message.sender.organ_id)
    _send_status(document, "01", "", None)
    return document.pk


def _reference_json(reference: Any) -> dict[str, Any]:
    if reference is None:
        return {}
    return {
        "organ_id": reference.organ_id,
        "code": reference.code,
        "document_id": reference.document_id,
        "promulgation_date": reference.promulgation_date.isoformat()
        if reference.promulgation_date
        else None,
    }


def _take_status(data: bytes, message: Any, node: Node | None) -> Receipt:
    reference = message.response_for
    if not routing.serves_here(reference.organ_id):
        if not settings.EXCHANGE_HUB:
            raise Refused(
                _("The document this status answers was not sent from here."),
                {"MessageHeader/ResponseFor/OrganId": _("Not served by this node.")},
            )
        data = edxml.add_trace(data, _trace(settings.EXCHANGE_NODE_CODE))
        envelope = _store_envelope(
            data, message, incoming=True, kind=EnvelopeKind.STATUS, node=node.code if node else ""
        )
        _queue(envelope, [reference.organ_id])
        return Receipt(str(envelope.pk), False)
    document = Document.objects.filter(
        agency__code=reference.organ_id, incoming=False, document_id=reference.document_id
    ).first()
    recipient = (
        document.recipients.filter(agency_code=message.sender.organ_id).first()
        if document
        else None
    )
    if document is None or recipient is None:
        raise Refused(
            _("No document %(id)s was sent from here to %(agency)s.")
            % {"id": reference.document_id, "agency": message.sender.organ_id},
            {"MessageHeader/ResponseFor/DocumentId": _("Unknown document.")},
        )
    envelope = _store_envelope(
        data, message, incoming=True, kind=EnvelopeKind.STATUS, node=node.code if node else ""
    )
    # Statuses may arrive out of order (retries): the latest by its own timestamp wins.
    moment = timezone.make_aware(message.timestamp)
    if recipient.status_at is None or moment >= recipient.status_at:
        recipient.status, recipient.status_at = message.status_code, moment
        recipient.status_note = message.description[:500]
        recipient.save(update_fields=["status", "status_at", "status_note"])
    _record(
        document,
        "status_received",
        status_code=message.status_code,
        organ_id=message.sender.organ_id,
        note=message.description[:500],
        envelope=envelope,
    )
    return Receipt(str(envelope.pk), False, (document.pk,))


def _send_status(document: Document, code: str, note: str, actor: User | None) -> None:
    """Tell the sender what happened to its document here (a signed Status envelope)."""
    message = edxml.StatusMessage(
        sender=_organ(document.agency.code, agency=document.agency),
        response_for=edxml.Reference(
            organ_id=document.sender_code,
            code=document.code,
            promulgation_date=document.promulgated_on,
            document_id=document.document_id,
        ),
        status_code=code,
        description=note[:500],
        timestamp=_vn_now(),
        staff=edxml.StaffInfo(
            department=document.assigned_department[:100],
            staff=(actor.full_name if actor else "")[:100],
        ),
        traces=[_trace(document.agency.code)],
    )
    envelope = _store_envelope(
        _sign(document.agency, message), message, incoming=False, kind=EnvelopeKind.STATUS
    )
    _record(document, "status_sent", actor, status_code=code, note=note[:500], envelope=envelope)
    try:
        _queue(envelope, [document.sender_code])
    except InvalidInput:  # a document filed by hand from a sender the axis does not reach
        log.info("status_not_routed", document=document.pk, status=code)


# --- the recipient's steps -----------------------------------------------------------------------


def advance(
    user: User,
    document: Document,
    code: str,
    note: str = "",
    assignee: User | None = None,
    department: str = "",
) -> Document:
    """Move an incoming document on (02 refuse, 03 accept, 04 queue for assignment, 05 assign,
    06 complete) and send the matching status to the sender."""
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        if code == "06":
            access.require_processor(user, document)
        else:
            access.require_clerk(user, document.agency)
        if not document.incoming or code not in TRANSITIONS.get(document.state, set()):
            raise WrongState(
                _("A document in the state “%(state)s” cannot become “%(next)s”.")
                % {"state": document.get_state_display(), "next": STATUS_LABELS.get(code, code)}
            )
        if code == "02" and not note.strip():
            raise InvalidInput(_("Say why the document is refused."), {"note": _("Required.")})
        if code == "05":
            _assign(document, assignee, department)
        document.state = code
        document.save(update_fields=["state", "assigned_to", "assigned_department"])
        _send_status(document, code, note, user)
    return document


def _assign(document: Document, assignee: User | None, department: str) -> None:
    if assignee is None and not department.strip():
        raise InvalidInput(_("Choose an official or a department."), {"assignee": _("Required.")})
    if assignee is not None and assignee.agency_id != document.agency_id:
        raise InvalidInput(
            _("The official must work for the receiving agency."),
            {"assignee": _("Not an official of this agency.")},
        )
    document.assigned_to = assignee
    document.assigned_department = department.strip()[:120]


def recall(user: User, document: Document, reason: str) -> Document:
    """The sender asks every recipient to give the document back (edXML revoke, status 13)."""
    access.require_clerk(user, document.agency)
    if document.incoming or document.state != DocumentState.SENT:
        raise WrongState(_("Only a sent document is recalled."))
    if not reason.strip():
        raise InvalidInput(_("Say why the document is recalled."), {"reason": _("Required.")})
    with transaction.atomic():
        message = dataclasses.replace(
            document_message(document, []),
            business=edxml.Business.REVOKE,
            business_reason=reason.strip()[:500],
            response_for=_reference(document),
            traces=[_trace(document.agency.code)],
        )
        envelope = _store_envelope(
            _sign(document.agency, message), message, incoming=False, kind=EnvelopeKind.DOCUMENT
        )
        document.state = DocumentState.WITHDRAWN
        document.save(update_fields=["state"])
        _record(
            document,
            "recalled",
            user,
            status_code="13",
            note=reason.strip()[:500],
            envelope=envelope,
        )
        # Whole seconds, as statuses are time-stamped: the recipients' answers come after it.
        document.recipients.update(status="13", status_at=timezone.now().replace(microsecond=0))
        _queue(envelope, [r.agency_code for r in document.recipients.all()])
    return document


def answer_request(user: User, document: Document, accept: bool, note: str = "") -> Document:
    """The recipient's clerk agrees (15) or refuses (16) a recall, update or replacement."""
    access.require_clerk(user, document.agency)
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        if not (document.recall_requested or document.pending_request_id):
            raise WrongState(_("The sender asked for nothing on this document."))
        code = "15" if accept else "16"
        replaced = (
            document.pending_request is not None
            and document.pending_request.business == Business.REPLACE
        )
        if accept and (document.recall_requested or replaced):
            document.state = DocumentState.RECALLED
        document.recall_requested = False
        document.pending_request = None
        document.save(update_fields=["state", "recall_requested", "pending_request"])
        _send_status(document, code, note, user)
    return document


# --- import and export ---------------------------------------------------------------------------


def import_envelope(user: User, data: bytes) -> Receipt:
    """File an edXML file another system produced, for the clerk's agencies among its
    recipients; its signature is checked and its state recorded, not required."""
    if not access.clerk_agencies(user).exists():
        raise NotAllowed(_("Only an agency's clerk imports documents."))
    return receive(data, None, imported_by=user)
