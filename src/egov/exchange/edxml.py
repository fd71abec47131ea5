"""edXML envelopes of the national document interconnection axis (QCVN 102:2016/BTTTT).

``build`` writes an envelope (optionally signed with XMLDSig), ``parse`` reads one back into a
``DocumentMessage`` or ``StatusMessage``, ``verify`` checks its signature against trusted roots and
``add_trace`` is a hub's hop. Liberal in what is accepted (element order, optional children,
prefixed or unprefixed or no namespace: elements are matched by namespace URI), strict in what is
sent (``build`` refuses whatever ``validate`` rejects).

The signature covers, by ``Id`` reference, exactly the elements ``parse`` reads from:
``MessageHeader``, the ``Bussiness`` block, ``edXMLBody`` and ``AttachmentEncoded`` (those that are
present), never the ``TraceHeader`` hops that hubs append in transit. References are canonicalised
with exclusive C14N, so a signed element's digest does not depend on the namespace declarations of
its ancestors (which a re-serialising producer or hub may move or add).

A pure module: no Django, no database.
"""

import base64
import binascii
import hashlib
import io
import json
import re
import threading
import zipfile
import zlib
from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from enum import IntEnum
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature as CryptoInvalidSignature
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.x509.oid import NameOID
from lxml import etree

__all__ = [
    "NS",
    "STATUS_CODES",
    "Attachment",
    "Business",
    "DocumentMessage",
    "EnvelopeInvalid",
    "Message",
    "Organ",
    "Problem",
    "Reference",
    "SignatureInvalid",
    "Signer",
    "StaffInfo",
    "StatusMessage",
    "Trace",
    "add_trace",
    "build",
    "document_id",
    "message_key",
    "parse",
    "validate",
    "verify",
]

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
XLINK_NS = "http://www.w3.org/1999/xlink"
VIETNAM = timezone(timedelta(hours=7), "ICT")  # no daylight saving time in Vietnam
# Stands in for a time that could not be read; the message is refused with a problem anyway.
_UNREADABLE_TIME = datetime(1, 1, 1, tzinfo=VIETNAM).replace(tzinfo=None)

STATUS_CODES: dict[str, str] = {
    "01": "arrived",
    "02": "refused",
    "03": "accepted",
    "04": "arrived, waiting to be assigned",
    "05": "assigned, being processed",
    "06": "completed",
    "13": "recalled",
    "15": "recall or update accepted",
    "16": "recall or update refused",
}

# The Id attribute values build() gives the signed elements (the signature references them).
SIGNED_IDS = {
    "MessageHeader": "MessageHeader",
    "Bussiness": "Bussiness",
    "edXMLBody": "edXMLBody",
    "AttachmentEncoded": "AttachmentEncoded",
}

# Maximum lengths from the Bkav validator of the axis, by element name.
MAX_LENGTHS = {
    "CodeNumber": 11,
    "CodeNotation": 30,
    "Subject": 500,
    "Content": 500,
    "OrganName": 200,
    "OrganAdd": 250,
    "Place": 50,
    "ToPlaces/Place": 150,
    "FullName": 50,
    "TyperNotation": 10,
    "Appendix": 250,
}
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024  # a zipped attachment may not inflate beyond this
# libxml2 without huge_tree reads text nodes of at most 10 MB: an attachment's base64 must fit.
MAX_ATTACHMENT_BYTES = 7_000_000
_MAX_CHAIN = 5  # leaf + intermediates walked before giving up

_ORGAN_ID = re.compile(r"[0-9A-Z]+(?:\.[0-9A-Z]+){0,3}")
_BAD_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_XML_SPACE = " \t\r\n"
_DATE = re.compile(
    r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", re.ASCII
)
_TIMESTAMP = re.compile(
    r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?",
    re.ASCII,
)
_INTEGER = re.compile(r"[+-]?\d{1,9}", re.ASCII)
_CONTENT_ID = re.compile(r"[^\s<>\"]{1,255}")
_CONTENT_TYPE = re.compile(r"[\w!#$&^.+-]+/[\w!#$&^.+-]+(?:\s*;.*)?", re.ASCII)
_ZIP_TYPES = {"application/zip", "application/x-zip-compressed", "application/x-zip"}


# --- the messages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Organ:
    """An agency in a From or To block."""

    organ_id: str
    name: str = ""
    in_charge: str = ""  # OrganizationInCharge
    address: str = ""  # OrganAdd
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


@dataclass(frozen=True)
class Reference:
    """The document a message answers, recalls or replaces (ResponseFor)."""

    organ_id: str
    code: str  # one string, "7816/VPCP-TTĐT"
    promulgation_date: date | None
    document_id: str


@dataclass(frozen=True)
class StaffInfo:
    """The clerk behind a message."""

    department: str = ""
    staff: str = ""
    mobile: str = ""
    email: str = ""


def _vietnam_naive(moment: datetime) -> datetime:
    """``moment`` as naive Vietnam local time to the second, the only form the wire carries."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(VIETNAM).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def _now_vietnam() -> datetime:
    return datetime.now(VIETNAM).replace(tzinfo=None, microsecond=0)


@dataclass(frozen=True)
class Trace:
    """One hop (TraceHeader): the sender's OrganId or a hub's code, and when it passed."""

    organ_id: str
    timestamp: datetime  # naive, Vietnam local time

    def __post_init__(self) -> None:
        # An aware time is converted, sub-seconds dropped: what build() writes is what parse() reads.
        object.__setattr__(self, "timestamp", _vietnam_naive(self.timestamp))


@dataclass(frozen=True)
class Attachment:
    """A file carried in AttachmentEncoded and listed in the manifest."""

    content_id: str  # without "cid:"
    name: str
    content_type: str
    data: bytes
    description: str = ""


class Business(IntEnum):
    """Bussiness/BussinessDocType."""

    NEW = 0
    REVOKE = 1
    UPDATE = 2
    REPLACE = 3


@dataclass
class DocumentMessage:
    """An official document (văn bản) sent through the axis."""

    sender: Organ
    recipients: list[Organ]
    document_id: str  # "{OrganId},{yyyy/MM/dd},{number/notation}", or a UUID from some producers
    code_number: str
    code_notation: str
    place: str
    promulgation_date: date
    type: int  # DocumentType/Type, 1 or 2
    type_detail: int  # 1..29 (Decree 30/2020 art. 7 order); 0 (unspecified) is seen on the axis
    type_name: str
    subject: str
    content: str = ""
    signer_competence: str = ""
    signer_position: str = ""
    signer_name: str = ""
    due_date: date | None = None
    priority: int = 0  # 0..4
    steering_type: int | None = None
    to_places: list[str] = field(default_factory=list)
    appendixes: list[str] = field(default_factory=list)
    page_amount: int | None = None
    promulgation_amount: int | None = None
    response_for: Reference | None = None
    business: Business = Business.NEW
    business_reason: str = ""
    staff: StaffInfo = field(default_factory=StaffInfo)
    traces: list[Trace] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)


@dataclass
class StatusMessage:
    """What a recipient did with a document (StatusCode, see STATUS_CODES)."""

    sender: Organ
    response_for: Reference
    status_code: str
    description: str = ""
    timestamp: datetime = field(default_factory=_now_vietnam)  # naive, Vietnam local time
    staff: StaffInfo = field(default_factory=StaffInfo)
    traces: list[Trace] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.timestamp = _vietnam_naive(self.timestamp)


Message = DocumentMessage | StatusMessage


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an envelope or a message."""

    code: str  # stable machine code, e.g. "too_long"
    field: str  # path below edXMLHeader/edXMLBody, e.g. "MessageHeader/To[2]/OrganId"
    message: str  # one English sentence naming the field and the limit or value


class EnvelopeInvalid(Exception):
    """The envelope cannot be read, or the message breaks the rules; ``problems`` lists them all."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(" ".join(p.message for p in self.problems) or "The envelope is invalid.")


class SignatureInvalid(Exception):
    """The envelope's signature does not verify; ``reason`` is a stable code (absent, malformed,
    digest_mismatch, bad_signature, untrusted_certificate, expired_certificate, wrong_signer)."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Signer:
    """Who signed a verified envelope."""

    organ_id: str  # the certificate subject's OU (agency certificates carry the agency code there)
    subject: str
    certificate: x509.Certificate


# --- small helpers -------------------------------------------------------------------------------


def _date_text(day: date) -> str:
    # Not strftime: it does not zero-pad years before 1000 on every platform.
    return f"{day.year:04d}/{day.month:02d}/{day.day:02d}"


def _timestamp_text(moment: datetime) -> str:
    return f"{_date_text(moment)} {moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"


def document_id(organ_id: str, day: date, number: str, notation: str) -> str:
    """The DocumentId of QCVN 102: ``000.00.00.G22,2015/09/30,7816/VPCP-TTĐT``."""
    code = "/".join(part for part in (number, notation) if part)
    return f"{organ_id},{_date_text(day)},{code}"


def message_key(message: Message) -> str:
    """The idempotency key of a message, hex SHA-256, equal for every copy of the same message
    however it was serialised and however many hubs it passed through.

    A document hashes (From OrganId, DocumentId, business type, timestamp of the sender's first
    TraceHeader): the first TraceHeader whose OrganId is the From OrganId, or "" when there is none.
    Hubs only append their own TraceHeaders, so ``add_trace`` never changes the key, even on a
    message that left its sender without a TraceHeader (where "the first TraceHeader" would become
    the hub's). A status hashes ("status", From OrganId, ResponseFor DocumentId, StatusCode,
    Timestamp). Timestamps as on the wire (yyyy/MM/dd HH:mm:ss); the tuple is JSON-encoded.
    """
    if isinstance(message, StatusMessage):
        parts: list[Any] = [
            "status",
            message.sender.organ_id,
            message.response_for.document_id,
            message.status_code,
            _timestamp_text(message.timestamp),
        ]
    else:
        own = next((t for t in message.traces if t.organ_id == message.sender.organ_id), None)
        parts = [
            message.sender.organ_id,
            message.document_id,
            int(message.business),
            _timestamp_text(own.timestamp) if own else "",
        ]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


# --- validate ------------------------------------------------------------------------------------


class _Checks:
    """Collects problems; each method checks one rule on one field."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, code: str, path: str, message: str) -> None:
        self.problems.append(Problem(code, path, message))

    def required(self, path: str, value: object) -> bool:
        if value in ("", None):
            self.add("missing", path, f"{path} is required but is empty or missing.")
            return False
        return True

    def max_length(self, path: str, value: str, limit: int) -> None:
        if len(value) > limit:
            self.add(
                "too_long",
                path,
                f"{path} has {len(value)} characters; at most {limit} are allowed.",
            )

    def organ_id(self, path: str, value: str, *, required: bool = True) -> None:
        if not value:
            if required:
                self.required(path, value)
            return
        if len(value) > 35 or not _ORGAN_ID.fullmatch(value):
            self.add(
                "bad_organ_id",
                path,
                f"{path} '{value}' is not an agency code: at most 4 dot-separated groups of "
                "digits and capital letters, 35 characters in all (e.g. 000.00.00.G22).",
            )

    def within(self, path: str, value: int | None, low: int, high: int) -> None:
        if value is not None and not low <= value <= high:
            self.add("bad_value", path, f"{path} is {value}; it must be from {low} to {high}.")


def _organ_texts(path: str, organ: Organ) -> list[tuple[str, str]]:
    """The XML children of a From/To block with their values, in the order they are written."""
    return [
        (f"{path}/OrganId", organ.organ_id),
        (f"{path}/OrganizationInCharge", organ.in_charge),
        (f"{path}/OrganName", organ.name),
        (f"{path}/OrganAdd", organ.address),
        (f"{path}/Email", organ.email),
        (f"{path}/Telephone", organ.telephone),
        (f"{path}/Fax", organ.fax),
        (f"{path}/Website", organ.website),
    ]


def _staff_texts(path: str, staff: StaffInfo) -> list[tuple[str, str]]:
    return [
        (f"{path}/Department", staff.department),
        (f"{path}/Staff", staff.staff),
        (f"{path}/Mobile", staff.mobile),
        (f"{path}/Email", staff.email),
    ]


def _reference_texts(path: str, ref: Reference) -> list[tuple[str, str]]:
    return [
        (f"{path}/OrganId", ref.organ_id),
        (f"{path}/Code", ref.code),
        (f"{path}/DocumentId", ref.document_id),
    ]


def _document_texts(m: DocumentMessage) -> Iterator[tuple[str, str]]:
    """Every text build() writes for a document, with its path (for the character check)."""
    h = "MessageHeader"
    yield from _organ_texts(f"{h}/From", m.sender)
    for i, organ in enumerate(m.recipients, 1):
        yield from _organ_texts(f"{h}/To[{i}]", organ)
    yield from [
        (f"{h}/DocumentId", m.document_id),
        (f"{h}/Code/CodeNumber", m.code_number),
        (f"{h}/Code/CodeNotation", m.code_notation),
        (f"{h}/PromulgationInfo/Place", m.place),
        (f"{h}/DocumentType/TypeName", m.type_name),
        (f"{h}/Subject", m.subject),
        (f"{h}/Content", m.content),
        (f"{h}/SignerInfo/Competence", m.signer_competence),
        (f"{h}/SignerInfo/Position", m.signer_position),
        (f"{h}/SignerInfo/FullName", m.signer_name),
    ]
    yield from (
        (f"{h}/OtherInfo/Appendixes/Appendix[{i}]", a) for i, a in enumerate(m.appendixes, 1)
    )
    yield from ((f"{h}/ToPlaces/Place[{i}]", p) for i, p in enumerate(m.to_places, 1))
    if m.response_for is not None:
        yield from _reference_texts(f"{h}/ResponseFor", m.response_for)
    yield ("TraceHeaderList/Bussiness/BussinessDocReason", m.business_reason)
    yield from _staff_texts("TraceHeaderList/Bussiness/StaffInfo", m.staff)
    yield from _trace_texts(m.traces)
    for i, a in enumerate(m.attachments, 1):
        path = f"AttachmentEncoded/Attachment[{i}]"
        yield from [
            (f"{path}/ContentId", a.content_id),
            (f"{path}/AttachmentName", a.name),
            (f"{path}/Description", a.description),
            (f"{path}/ContentType", a.content_type),
        ]


def _trace_texts(traces: list[Trace]) -> Iterator[tuple[str, str]]:
    for i, trace in enumerate(traces, 1):
        yield (f"TraceHeaderList/TraceHeader[{i}]/OrganId", trace.organ_id)


def _status_texts(m: StatusMessage) -> Iterator[tuple[str, str]]:
    yield from _organ_texts("MessageHeader/From", m.sender)
    yield from _reference_texts("MessageHeader/ResponseFor", m.response_for)
    yield from _staff_texts("MessageHeader/StaffInfo", m.staff)
    yield ("MessageHeader/StatusCode", m.status_code)
    yield ("MessageHeader/Description", m.description)
    yield from _trace_texts(m.traces)


def _check_characters(checks: _Checks, texts: Iterator[tuple[str, str]]) -> None:
    for path, value in texts:
        bad = _BAD_XML_CHAR.search(str(value))
        if bad:
            checks.add(
                "bad_char",
                path,
                f"{path} contains the control character U+{ord(bad.group()):04X}, "
                "which an XML envelope cannot carry.",
            )


def _check_organ(checks: _Checks, path: str, organ: Organ) -> None:
    checks.organ_id(f"{path}/OrganId", organ.organ_id)
    checks.max_length(f"{path}/OrganName", organ.name, MAX_LENGTHS["OrganName"])
    checks.max_length(f"{path}/OrganAdd", organ.address, MAX_LENGTHS["OrganAdd"])


def _check_recipients(checks: _Checks, recipients: list[Organ]) -> None:
    if not recipients:
        checks.add("missing", "MessageHeader/To", "MessageHeader/To is required: name a recipient.")
    seen: set[str] = set()
    for i, organ in enumerate(recipients, 1):
        path = f"MessageHeader/To[{i}]"
        _check_organ(checks, path, organ)
        if organ.organ_id and organ.organ_id in seen:
            checks.add(
                "duplicate_recipient",
                f"{path}/OrganId",
                f"{path}/OrganId {organ.organ_id} names a recipient already listed.",
            )
        seen.add(organ.organ_id)


def _check_reference(checks: _Checks, path: str, ref: Reference) -> None:
    checks.organ_id(f"{path}/OrganId", ref.organ_id, required=False)
    checks.required(f"{path}/DocumentId", ref.document_id)


def _check_attachments(checks: _Checks, attachments: list[Attachment]) -> None:
    seen: set[str] = set()
    for i, a in enumerate(attachments, 1):
        path = f"AttachmentEncoded/Attachment[{i}]"
        if checks.required(f"{path}/ContentId", a.content_id):
            if not _CONTENT_ID.fullmatch(a.content_id):
                checks.add(
                    "bad_value",
                    f"{path}/ContentId",
                    f"{path}/ContentId '{a.content_id}' may not contain spaces, quotes or <>.",
                )
            elif a.content_id in seen:
                checks.add(
                    "duplicate_attachment",
                    f"{path}/ContentId",
                    f"{path}/ContentId {a.content_id} is used by another attachment.",
                )
            seen.add(a.content_id)
        checks.required(f"{path}/AttachmentName", a.name)
        if len(a.data) > MAX_ATTACHMENT_BYTES:
            checks.add(
                "too_large",
                f"{path}/ContentTransferEncoded",
                f"{path} ({a.name}) has {len(a.data):,} bytes; an envelope carries files of at "
                f"most {MAX_ATTACHMENT_BYTES:,} bytes.",
            )
        type_given = checks.required(f"{path}/ContentType", a.content_type)
        if type_given and not _CONTENT_TYPE.fullmatch(a.content_type):
            checks.add(
                "bad_value",
                f"{path}/ContentType",
                f"{path}/ContentType '{a.content_type}' is not a media type like application/pdf.",
            )


def _check_document_fields(checks: _Checks, m: DocumentMessage) -> None:
    h = "MessageHeader"
    checks.required(f"{h}/DocumentId", m.document_id)
    if not m.code_number and not m.code_notation:
        checks.add("missing", f"{h}/Code", f"{h}/Code is required: give the number and notation.")
    checks.max_length(f"{h}/Code/CodeNumber", m.code_number, MAX_LENGTHS["CodeNumber"])
    checks.max_length(f"{h}/Code/CodeNotation", m.code_notation, MAX_LENGTHS["CodeNotation"])
    checks.max_length(f"{h}/PromulgationInfo/Place", m.place, MAX_LENGTHS["Place"])
    if m.type not in (1, 2):
        checks.add(
            "bad_value",
            f"{h}/DocumentType/Type",
            f"{h}/DocumentType/Type is {m.type}; it must be 1 or 2.",
        )
    checks.within(f"{h}/DocumentType/TypeDetail", m.type_detail, 0, 29)
    if checks.required(f"{h}/Subject", m.subject):
        checks.max_length(f"{h}/Subject", m.subject, MAX_LENGTHS["Subject"])
    checks.max_length(f"{h}/Content", m.content, MAX_LENGTHS["Content"])
    checks.max_length(f"{h}/SignerInfo/FullName", m.signer_name, MAX_LENGTHS["FullName"])
    checks.within(f"{h}/OtherInfo/Priority", m.priority, 0, 4)
    checks.within(f"{h}/OtherInfo/PromulgationAmount", m.promulgation_amount, 0, 10**9)
    checks.within(f"{h}/OtherInfo/PageAmount", m.page_amount, 0, 10**9)
    checks.within(f"{h}/SteeringType", m.steering_type, 0, 10**9)
    for i, appendix in enumerate(m.appendixes, 1):
        path = f"{h}/OtherInfo/Appendixes/Appendix[{i}]"
        checks.max_length(path, appendix, MAX_LENGTHS["Appendix"])
    for i, place in enumerate(m.to_places, 1):
        checks.max_length(f"{h}/ToPlaces/Place[{i}]", place, MAX_LENGTHS["ToPlaces/Place"])


def _check_document(checks: _Checks, m: DocumentMessage) -> None:
    _check_organ(checks, "MessageHeader/From", m.sender)
    _check_recipients(checks, m.recipients)
    _check_document_fields(checks, m)
    if m.response_for is not None:
        _check_reference(checks, "MessageHeader/ResponseFor", m.response_for)
    elif m.business == Business.REVOKE:
        checks.add(
            "missing",
            "MessageHeader/ResponseFor",
            "MessageHeader/ResponseFor is required to recall a document: name the document.",
        )
    if m.business not in tuple(Business):
        checks.add(
            "bad_value",
            "TraceHeaderList/Bussiness/BussinessDocType",
            f"TraceHeaderList/Bussiness/BussinessDocType is {m.business}; it must be 0 to 3.",
        )
    _check_attachments(checks, m.attachments)


def _check_status(checks: _Checks, m: StatusMessage) -> None:
    _check_organ(checks, "MessageHeader/From", m.sender)
    _check_reference(checks, "MessageHeader/ResponseFor", m.response_for)
    given = checks.required("MessageHeader/StatusCode", m.status_code)
    if given and m.status_code not in STATUS_CODES:
        checks.add(
            "bad_value",
            "MessageHeader/StatusCode",
            f"MessageHeader/StatusCode '{m.status_code}' is not one of {', '.join(STATUS_CODES)}.",
        )


def validate(message: Message) -> list[Problem]:
    """Every rule ``message`` breaks (empty when it may be sent); ``parse`` and ``build`` call it."""
    checks = _Checks()
    if isinstance(message, StatusMessage):
        _check_status(checks, message)
        _check_characters(checks, _status_texts(message))
    else:
        _check_document(checks, message)
        _check_characters(checks, _document_texts(message))
    return checks.problems


# --- build ---------------------------------------------------------------------------------------


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _sub(parent: Any, name: str, text: object = "", **attrib: str) -> Any:
    """A child element in the QCVN namespace; str() because callers may pass lazy translations."""
    element = etree.SubElement(parent, _q(name), attrib)
    if text != "" and text is not None:
        element.text = str(text)
    return element


def _texts_into(parent: Any, texts: list[tuple[str, str]]) -> None:
    for path, value in texts:
        _sub(parent, path.rsplit("/", 1)[1], value)


def _organ_xml(parent: Any, name: str, organ: Organ) -> None:
    _texts_into(_sub(parent, name), _organ_texts(name, organ))


def _reference_xml(parent: Any, ref: Reference) -> None:
    block = _sub(parent, "ResponseFor")
    _sub(block, "OrganId", ref.organ_id)
    _sub(block, "Code", ref.code)
    if ref.promulgation_date is not None:
        _sub(block, "PromulgationDate", _date_text(ref.promulgation_date))
    _sub(block, "DocumentId", ref.document_id)


def _document_identity_xml(header: Any, m: DocumentMessage) -> None:
    _sub(header, "DocumentId", m.document_id)
    code = _sub(header, "Code")
    _sub(code, "CodeNumber", m.code_number)
    _sub(code, "CodeNotation", m.code_notation)
    info = _sub(header, "PromulgationInfo")
    _sub(info, "Place", m.place)
    _sub(info, "PromulgationDate", _date_text(m.promulgation_date))
    kind = _sub(header, "DocumentType")
    _sub(kind, "Type", m.type)
    _sub(kind, "TypeDetail", m.type_detail)
    _sub(kind, "TypeName", m.type_name)
    _sub(header, "Subject", m.subject)
    _sub(header, "Content", m.content)
    signer = _sub(header, "SignerInfo")
    _sub(signer, "Competence", m.signer_competence)
    _sub(signer, "Position", m.signer_position)
    _sub(signer, "FullName", m.signer_name)


def _other_info_xml(header: Any, m: DocumentMessage) -> None:
    other = _sub(header, "OtherInfo")
    _sub(other, "Priority", m.priority)
    if m.promulgation_amount is not None:
        _sub(other, "PromulgationAmount", m.promulgation_amount)
    if m.page_amount is not None:
        _sub(other, "PageAmount", m.page_amount)
    if m.appendixes:
        appendixes = _sub(other, "Appendixes")
        for appendix in m.appendixes:
            _sub(appendixes, "Appendix", appendix)


def _document_header_xml(parent: Any, m: DocumentMessage) -> None:
    header = _sub(parent, "MessageHeader", Id=SIGNED_IDS["MessageHeader"])
    _organ_xml(header, "From", m.sender)
    for organ in m.recipients:
        _organ_xml(header, "To", organ)
    _document_identity_xml(header, m)
    if m.due_date is not None:
        _sub(header, "DueDate", _date_text(m.due_date))
    _other_info_xml(header, m)
    if m.steering_type is not None:
        _sub(header, "SteeringType", m.steering_type)
    if m.to_places:
        places = _sub(header, "ToPlaces")
        for place in m.to_places:
            _sub(places, "Place", place)
    if m.response_for is not None:
        _reference_xml(header, m.response_for)


def _status_header_xml(parent: Any, m: StatusMessage) -> None:
    header = _sub(parent, "MessageHeader", Id=SIGNED_IDS["MessageHeader"])
    _organ_xml(header, "From", m.sender)
    _reference_xml(header, m.response_for)
    _texts_into(_sub(header, "StaffInfo"), _staff_texts("StaffInfo", m.staff))
    _sub(header, "StatusCode", m.status_code)
    _sub(header, "Description", m.description)
    _sub(header, "Timestamp", _timestamp_text(m.timestamp))


def _tag(namespace: str | None, name: str) -> str:
    return f"{{{namespace}}}{name}" if namespace else name


def _trace_xml(parent: Any, trace: Trace, namespace: str | None = NS) -> Any:
    element = etree.SubElement(parent, _tag(namespace, "TraceHeader"))
    etree.SubElement(element, _tag(namespace, "OrganId")).text = trace.organ_id
    etree.SubElement(element, _tag(namespace, "Timestamp")).text = _timestamp_text(trace.timestamp)
    return element


def _trace_list_xml(parent: Any, message: Message) -> None:
    traces = _sub(parent, "TraceHeaderList")
    for trace in message.traces:
        _trace_xml(traces, trace)
    if isinstance(message, DocumentMessage):
        business = _sub(traces, "Bussiness", Id=SIGNED_IDS["Bussiness"])
        _sub(business, "BussinessDocType", int(message.business))
        _sub(business, "BussinessDocReason", message.business_reason)
        _sub(business, "Paper", 0)
        _texts_into(_sub(business, "StaffInfo"), _staff_texts("StaffInfo", message.staff))


def _body_xml(envelope: Any, attachments: list[Attachment]) -> None:
    body = _sub(envelope, "edXMLBody", Id=SIGNED_IDS["edXMLBody"])
    manifest = _sub(body, "edXMLManifest", version="1.0")
    for a in attachments:
        reference = _sub(manifest, "Reference")
        _sub(reference, "ContentId", f"cid:{a.content_id}")
        _sub(reference, "ContentType", a.content_type)
        _sub(reference, "Description", a.description)
        _sub(reference, "AttachmentName", a.name)


def _attachments_xml(root: Any, attachments: list[Attachment]) -> None:
    block = _sub(root, "AttachmentEncoded", Id=SIGNED_IDS["AttachmentEncoded"])
    for a in attachments:
        item = _sub(block, "Attachment")
        _sub(item, "ContentId", f"cid:{a.content_id}")
        _sub(item, "AttachmentName", a.name)
        _sub(item, "Description", a.description)
        _sub(item, "ContentType", a.content_type)
        _sub(item, "ContentTransferEncoded", base64.b64encode(a.data).decode("ascii"))


def _envelope_tree(message: Message) -> Any:
    """The envelope as the SDK writes it: root in the default namespace, the envelope under the
    ``edXML`` prefix (same URI), AttachmentEncoded after the envelope."""
    root = etree.Element(_q("edXML"), nsmap={None: NS})
    envelope = etree.SubElement(root, _q("edXMLEnvelope"), nsmap={"edXML": NS})
    header = _sub(envelope, "edXMLHeader")
    if isinstance(message, StatusMessage):
        _status_header_xml(header, message)
    else:
        _document_header_xml(header, message)
    _trace_list_xml(header, message)
    attachments = message.attachments if isinstance(message, DocumentMessage) else []
    _body_xml(envelope, attachments)
    if attachments:
        _attachments_xml(root, attachments)
    return root


def _serialised(root: Any) -> bytes:
    """UTF-8 with the declaration written as the axis SDK writes it (double quotes)."""
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + bytes(
        etree.tostring(root, encoding="UTF-8")
    )


# --- XML signature (XMLDSig) ---------------------------------------------------------------------
# Enveloped, by #Id references, canonicalised where the elements are: signxml, the maintained
# library this module first used (and the tests' reference implementation both ways), serialises
# and parses the whole envelope again for every reference it digests — 4 ms to build and sign and
# 6.4 ms to verify a 230 KB envelope, against 2.5 and 1.2 ms here (bench/README.md, section 6).

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
#: Canonicalisation methods: (exclusive, with comments). C14N 1.1 differs from 1.0 only in
#: inherited xml:id and xml:base, which edXML does not use (signxml reads it the same way).
_C14N = {
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315": (False, False),
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments": (False, True),
    "http://www.w3.org/2006/12/xml-c14n11": (False, False),
    "http://www.w3.org/2006/12/xml-c14n11#WithComments": (False, True),
    EXC_C14N: (True, False),
    EXC_C14N + "WithComments": (True, True),
}
_DIGESTS = {
    "http://www.w3.org/2001/04/xmldsig-more#sha224": "sha224",
    SHA256: "sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
}
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
#: Signature methods: (key kind, hash).
_METHODS = {
    f"http://www.w3.org/2001/04/xmldsig-more#{kind}-{name}": (kind, name)
    for kind in ("rsa", "ecdsa")
    for name in _HASHES
}


def _ds(name: str) -> str:
    return f"{{{DS_NS}}}{name}"


def _c14n(element: Any, algorithm: str = EXC_C14N, prefixes: list[str] | None = None) -> bytes:
    exclusive, comments = _C14N[algorithm]
    return bytes(
        etree.tostring(
            element,
            method="c14n",
            exclusive=exclusive,
            with_comments=comments,
            inclusive_ns_prefixes=prefixes or None,
        )
    )


def _raw_ecdsa(der: bytes, key_size: int) -> bytes:
    """XMLDSig carries an ECDSA signature as r and s side by side, not DER (RFC 4050)."""
    r, s = decode_dss_signature(der)
    size = (key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def _der_ecdsa(raw: bytes) -> bytes:
    half = len(raw) // 2
    if not raw or len(raw) % 2:
        raise ValueError("an ECDSA signature value is r and s of one length")
    return encode_dss_signature(
        int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")
    )


def _signing_key(key: PrivateKeyTypes) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        return key
    raise TypeError("edXML envelopes are signed with an RSA or an elliptic-curve key.")


def _ds_sub(parent: Any, name: str, text: str | None = None, **attrib: str) -> Any:
    element = etree.SubElement(parent, _ds(name), attrib)
    element.text = text
    return element


def _sign(
    root: Any,
    key: PrivateKeyTypes,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate],
) -> Any:
    """Sign the elements carrying an Id (not TraceHeaderList, which hubs extend) with a
    ds:Signature placed in edXMLHeader after TraceHeaderList: exclusive C14N, SHA-256, RSA or
    ECDSA, the certificate and its chain in KeyInfo."""
    signing_key = _signing_key(key)
    header = root[0][0]  # edXMLEnvelope/edXMLHeader, as _envelope_tree made it
    signature = etree.SubElement(header, _ds("Signature"), nsmap={"ds": DS_NS})
    etree.indent(root, space="  ")  # before signing: whitespace inside signed elements is signed
    signed = [e for e in root.iter() if e.get("Id") in SIGNED_IDS.values()]
    signed_info = _ds_sub(signature, "SignedInfo")
    _ds_sub(signed_info, "CanonicalizationMethod", Algorithm=EXC_C14N)
    kind = "rsa" if isinstance(signing_key, rsa.RSAPrivateKey) else "ecdsa"
    _ds_sub(
        signed_info,
        "SignatureMethod",
        Algorithm=f"http://www.w3.org/2001/04/xmldsig-more#{kind}-sha256",
    )
    for element in signed:
        reference = _ds_sub(signed_info, "Reference", URI=f"#{element.get('Id')}")
        transforms = _ds_sub(reference, "Transforms")
        _ds_sub(transforms, "Transform", Algorithm=ENVELOPED)
        _ds_sub(transforms, "Transform", Algorithm=EXC_C14N)
        _ds_sub(reference, "DigestMethod", Algorithm=SHA256)
        digest = hashlib.sha256(_c14n(element)).digest()
        _ds_sub(reference, "DigestValue", base64.b64encode(digest).decode("ascii"))
    canonical = _c14n(signed_info)
    if isinstance(signing_key, rsa.RSAPrivateKey):
        value = signing_key.sign(canonical, padding.PKCS1v15(), hashes.SHA256())
    else:
        der = signing_key.sign(canonical, ec.ECDSA(hashes.SHA256()))
        value = _raw_ecdsa(der, signing_key.curve.key_size)
    _ds_sub(signature, "SignatureValue", base64.b64encode(value).decode("ascii"))
    x509_data = _ds_sub(_ds_sub(signature, "KeyInfo"), "X509Data")
    for item in (certificate, *chain):
        der_bytes = item.public_bytes(serialization.Encoding.DER)
        _ds_sub(x509_data, "X509Certificate", base64.b64encode(der_bytes).decode("ascii"))
    return root


def build(
    message: Message,
    key: PrivateKeyTypes | None = None,
    certificate: x509.Certificate | None = None,
    chain: Sequence[x509.Certificate] = (),
) -> bytes:
    """The edXML envelope of ``message`` (UTF-8, with XML declaration), signed when ``key`` and
    ``certificate`` are given (``chain``: intermediates to put in KeyInfo too). Raises
    EnvelopeInvalid when ``validate`` finds problems: nothing invalid is sent."""
    problems = validate(message)
    if problems:
        raise EnvelopeInvalid(problems)
    if (key is None) != (certificate is None):
        raise ValueError("Signing needs both the private key and its certificate.")
    root = _envelope_tree(message)
    if key is not None and certificate is not None:
        root = _sign(root, key, certificate, chain)
    else:
        etree.indent(root, space="  ")
    return _serialised(root)


# --- reading XML ---------------------------------------------------------------------------------


_parsers = threading.local()  # an lxml parser is not to be shared between threads


def _parser(keep_comments: bool = False) -> Any:
    if keep_comments:
        parser = getattr(_parsers, "verifying", None)
        if parser is None:
            parser = _parsers.verifying = etree.XMLParser(
                resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False
            )
        return parser
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        # No entity expansion, no network, libxml2's size limits kept (huge_tree=False: a text
        # node of at most 10 MB, i.e. attachments up to ~7.5 MB). Comments and processing
        # instructions are dropped so that text split by a comment is read whole, as it was
        # signed (C14N drops comments): "Pay <!---->100" is not read as "Pay ".
        parser = _parsers.parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
            load_dtd=False,
            remove_comments=True,
            remove_pis=True,
        )
    return parser


def _read_xml(data: bytes, keep_comments: bool = False) -> Any:
    """The root element, or EnvelopeInvalid("malformed_xml"); DTDs and entities are refused."""
    try:
        root = etree.fromstring(data, parser=_parser(keep_comments))
    except etree.XMLSyntaxError as exc:
        if "Text node too long" in str(exc):
            raise EnvelopeInvalid(
                [
                    Problem(
                        "too_large",
                        "",
                        "The envelope holds a text of more than 10 MB (an attachment over about "
                        f"{MAX_ATTACHMENT_BYTES // 1_000_000} MB), more than is read here.",
                    )
                ]
            ) from exc
        raise EnvelopeInvalid(
            [Problem("malformed_xml", "", f"The envelope is not well-formed XML: {exc}.")]
        ) from exc
    except (ValueError, TypeError) as exc:
        raise EnvelopeInvalid(
            [Problem("malformed_xml", "", f"The envelope is not well-formed XML: {exc}.")]
        ) from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise EnvelopeInvalid(
            [
                Problem(
                    "malformed_xml",
                    "",
                    "The envelope declares a DOCTYPE; DTDs and entities are refused.",
                )
            ]
        )
    return root


def _is(element: Any, name: str) -> bool:
    return element.tag == _q(name) or element.tag == name


def _kids(parent: Any, name: str) -> list[Any]:
    """Children named ``name`` in the QCVN namespace or in none, whatever their prefix."""
    if parent is None:
        return []
    # lxml filters in C; a plain name matches elements in no namespace only.
    return list(parent.iterchildren(_q(name), name))


def _clean(text: str | None) -> str:
    # Producers pretty-print: surrounding XML whitespace is layout, not data.
    return text.strip(_XML_SPACE) if text else ""


@dataclass
class _Parts:
    """Where the parts of an envelope are: the only places parse() reads and verify() checks."""

    root: Any
    envelope: Any
    header: Any
    message_header: Any
    trace_list: Any = None
    business: Any = None
    body: Any = None
    manifest: Any = None
    attachments: Any = None
    is_status: bool = False

    def signable(self) -> list[tuple[str, Any]]:
        """The elements a signature must cover, by name."""
        named = [
            ("MessageHeader", self.message_header),
            ("Bussiness", self.business),
            ("edXMLBody", self.body),
            ("AttachmentEncoded", self.attachments),
        ]
        return [(name, element) for name, element in named if element is not None]


def _single(problems: list[Problem], parent: Any, names: tuple[str, ...], path: str) -> Any:
    found = [child for name in names for child in _kids(parent, name)]
    if len(found) > 1:
        problems.append(
            Problem(
                "duplicate", path, f"The envelope has {len(found)} {path} elements; one is allowed."
            )
        )
    return found[0] if found else None


def _required(problems: list[Problem], parent: Any, names: tuple[str, ...], path: str) -> Any:
    """The one child without which nothing more can be read (raises at once when missing)."""
    element = _single(problems, parent, names, path)
    if element is None:
        problems.append(Problem("missing", path, f"The envelope has no {path} element."))
        raise EnvelopeInvalid(problems)
    return element


def _locate(root: Any) -> _Parts:
    """The envelope's parts at their fixed places, or EnvelopeInvalid for a wrong structure."""
    if not _is(root, "edXML"):
        raise EnvelopeInvalid(
            [Problem("wrong_root", "", f"The root element is {root.tag}, not edXML in {NS}.")]
        )
    problems: list[Problem] = []
    envelope = _required(problems, root, ("edXMLEnvelope",), "edXMLEnvelope")
    header = _required(problems, envelope, ("edXMLHeader",), "edXMLHeader")
    message_header = _required(problems, header, ("MessageHeader", "Status"), "MessageHeader")
    parts = _Parts(root, envelope, header, message_header)
    parts.trace_list = _single(problems, header, ("TraceHeaderList",), "TraceHeaderList")
    parts.business = _single(
        problems, parts.trace_list, ("Bussiness",), "TraceHeaderList/Bussiness"
    )
    parts.body = _single(problems, envelope, ("edXMLBody",), "edXMLBody")
    parts.manifest = _single(problems, parts.body, ("edXMLManifest",), "edXMLManifest")
    parts.attachments = _single(problems, root, ("AttachmentEncoded",), "AttachmentEncoded")
    parts.is_status = _is(message_header, "Status") or bool(_kids(message_header, "StatusCode"))
    if problems:
        raise EnvelopeInvalid(problems)
    return parts


# --- parse ---------------------------------------------------------------------------------------


class _Reader:
    """Reads values out of located parts, collecting the problems the model cannot express
    (bad dates and numbers, invalid base64, unmatched attachments...)."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def flag(self, code: str, path: str, message: str) -> None:
        self.problems.append(Problem(code, path, message))

    def one(self, parent: Any, name: str, path: str) -> Any:
        found = _kids(parent, name)
        if len(found) > 1:
            self.flag("duplicate", path, f"{path} appears {len(found)} times; it may appear once.")
        return found[0] if found else None

    def text(self, parent: Any, name: str, path: str) -> str:
        element = self.one(parent, name, f"{path}/{name}")
        return _clean(element.text) if element is not None else ""

    def texts(self, parent: Any, name: str) -> list[str]:
        return [_clean(element.text) for element in _kids(parent, name)]

    def date(self, parent: Any, name: str, path: str, *, required: bool = False) -> date | None:
        value = self.text(parent, name, path)
        if not value:
            if required:
                self.flag("missing", f"{path}/{name}", f"{path}/{name} is required but is missing.")
            return None
        match = _DATE.fullmatch(value)
        try:
            if match:
                return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
        self.flag(
            "bad_date", f"{path}/{name}", f"{path}/{name} '{value}' is not a date like 2015/09/30."
        )
        return None

    def timestamp(self, parent: Any, name: str, path: str) -> datetime | None:
        value = self.text(parent, name, path)
        if not value:
            self.flag("missing", f"{path}/{name}", f"{path}/{name} is required but is missing.")
            return None
        moment = _parse_timestamp(value)
        if moment is None:
            self.flag(
                "bad_date",
                f"{path}/{name}",
                f"{path}/{name} '{value}' is not a time like 2015/09/30 14:05:00.",
            )
        return moment

    def integer(self, parent: Any, name: str, path: str, *, required: bool = False) -> int | None:
        value = self.text(parent, name, path)
        if not value:
            if required:
                self.flag("missing", f"{path}/{name}", f"{path}/{name} is required but is missing.")
            return None
        if _INTEGER.fullmatch(value):
            return int(value)
        self.flag("bad_value", f"{path}/{name}", f"{path}/{name} '{value}' is not a whole number.")
        return None


def _parse_timestamp(value: str) -> datetime | None:
    """A wire timestamp as naive Vietnam time; one with a zone (ISO 8601) is converted."""
    match = _TIMESTAMP.fullmatch(value)
    if not match:
        return None
    try:
        zone = _zone(match[7]) if match[7] else VIETNAM
        year, month, day, hour, minute, second = (int(part or 0) for part in match.groups()[:6])
        return _vietnam_naive(datetime(year, month, day, hour, minute, second, tzinfo=zone))
    except (ValueError, OverflowError):  # 2024/02/30, +99:99, or beyond year 9999 once converted
        return None


def _zone(text: str) -> timezone:
    if text == "Z":
        return UTC
    digits = text[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return timezone(-delta if text[0] == "-" else delta)


def _organ(reader: _Reader, element: Any, path: str) -> Organ:
    def text(name: str) -> str:
        return reader.text(element, name, path)

    return Organ(
        organ_id=text("OrganId"),
        name=text("OrganName"),
        in_charge=text("OrganizationInCharge"),
        address=text("OrganAdd"),
        email=text("Email"),
        telephone=text("Telephone"),
        fax=text("Fax"),
        website=text("Website"),
    )


def _staff(reader: _Reader, element: Any, path: str) -> StaffInfo:
    return StaffInfo(
        department=reader.text(element, "Department", path),
        staff=reader.text(element, "Staff", path),
        mobile=reader.text(element, "Mobile", path),
        email=reader.text(element, "Email", path),
    )


def _reference(reader: _Reader, element: Any, path: str) -> Reference | None:
    """ResponseFor, or None when absent or empty (some builders always write an empty one)."""
    if element is None or not any(_clean(child.text) for child in element):
        return None
    return Reference(
        organ_id=reader.text(element, "OrganId", path),
        code=reader.text(element, "Code", path),
        promulgation_date=reader.date(element, "PromulgationDate", path),
        document_id=reader.text(element, "DocumentId", path),
    )


def _traces(reader: _Reader, trace_list: Any) -> list[Trace]:
    traces = []
    for i, element in enumerate(_kids(trace_list, "TraceHeader"), 1):
        path = f"TraceHeaderList/TraceHeader[{i}]"
        moment = reader.timestamp(element, "Timestamp", path)
        organ_id = reader.text(element, "OrganId", path)
        traces.append(Trace(organ_id, moment or _UNREADABLE_TIME))
    return traces


def _business(reader: _Reader, block: Any) -> Business:
    path = "TraceHeaderList/Bussiness"
    value = reader.integer(block, "BussinessDocType", path) or 0
    if value in tuple(Business):
        return Business(value)
    reader.flag(
        "bad_value",
        f"{path}/BussinessDocType",
        f"{path}/BussinessDocType is {value}; it must be 0 (new), 1 (revoke), 2 (update) or 3 (replace).",
    )
    return Business.NEW


def _parse_status(reader: _Reader, parts: _Parts) -> StatusMessage:
    h, path = parts.message_header, "MessageHeader"
    reference = _reference(
        reader, reader.one(h, "ResponseFor", f"{path}/ResponseFor"), f"{path}/ResponseFor"
    )
    return StatusMessage(
        sender=_organ(reader, reader.one(h, "From", f"{path}/From"), f"{path}/From"),
        response_for=reference or Reference("", "", None, ""),
        status_code=reader.text(h, "StatusCode", path),
        description=reader.text(h, "Description", path),
        timestamp=reader.timestamp(h, "Timestamp", path) or _UNREADABLE_TIME,
        staff=_staff(reader, reader.one(h, "StaffInfo", f"{path}/StaffInfo"), f"{path}/StaffInfo"),
        traces=_traces(reader, parts.trace_list),
    )


def _parse_header_fields(reader: _Reader, h: Any) -> dict[str, Any]:
    """The MessageHeader fields of a document, as DocumentMessage keyword arguments."""
    p = "MessageHeader"
    code = reader.one(h, "Code", f"{p}/Code")
    if code is None:
        reader.flag("missing", f"{p}/Code", f"{p}/Code is required but is missing.")
    info = reader.one(h, "PromulgationInfo", f"{p}/PromulgationInfo")
    kind = reader.one(h, "DocumentType", f"{p}/DocumentType")
    signer = reader.one(h, "SignerInfo", f"{p}/SignerInfo")
    return {
        "document_id": reader.text(h, "DocumentId", p),
        "code_number": reader.text(code, "CodeNumber", f"{p}/Code"),
        "code_notation": reader.text(code, "CodeNotation", f"{p}/Code"),
        "place": reader.text(info, "Place", f"{p}/PromulgationInfo"),
        "promulgation_date": reader.date(
            info, "PromulgationDate", f"{p}/PromulgationInfo", required=True
        )
        or date.min,
        "type": reader.integer(kind, "Type", f"{p}/DocumentType", required=True) or 0,
        "type_detail": reader.integer(kind, "TypeDetail", f"{p}/DocumentType", required=True) or 0,
        "type_name": reader.text(kind, "TypeName", f"{p}/DocumentType"),
        "subject": reader.text(h, "Subject", p),
        "content": reader.text(h, "Content", p),
        "signer_competence": reader.text(signer, "Competence", f"{p}/SignerInfo"),
        "signer_position": reader.text(signer, "Position", f"{p}/SignerInfo"),
        "signer_name": reader.text(signer, "FullName", f"{p}/SignerInfo"),
        "due_date": reader.date(h, "DueDate", p),
        "steering_type": reader.integer(h, "SteeringType", p),
        "to_places": reader.texts(reader.one(h, "ToPlaces", f"{p}/ToPlaces"), "Place"),
        "response_for": _reference(
            reader, reader.one(h, "ResponseFor", f"{p}/ResponseFor"), f"{p}/ResponseFor"
        ),
    }


def _parse_other_info(reader: _Reader, h: Any) -> dict[str, Any]:
    p = "MessageHeader/OtherInfo"
    other = reader.one(h, "OtherInfo", p)
    typer = reader.text(other, "TyperNotation", p)
    if len(typer) > MAX_LENGTHS["TyperNotation"]:  # not kept in the model, but checked
        reader.flag(
            "too_long",
            f"{p}/TyperNotation",
            f"{p}/TyperNotation has {len(typer)} characters; at most {MAX_LENGTHS['TyperNotation']} are allowed.",
        )
    return {
        "priority": reader.integer(other, "Priority", p) or 0,
        "promulgation_amount": reader.integer(other, "PromulgationAmount", p),
        "page_amount": reader.integer(other, "PageAmount", p),
        "appendixes": reader.texts(reader.one(other, "Appendixes", f"{p}/Appendixes"), "Appendix"),
    }


def _parse_document(reader: _Reader, parts: _Parts) -> DocumentMessage:
    h, p = parts.message_header, "MessageHeader"
    business = parts.business
    bp = "TraceHeaderList/Bussiness"
    return DocumentMessage(
        sender=_organ(reader, reader.one(h, "From", f"{p}/From"), f"{p}/From"),
        recipients=[_organ(reader, to, f"{p}/To[{i}]") for i, to in enumerate(_kids(h, "To"), 1)],
        **_parse_header_fields(reader, h),
        **_parse_other_info(reader, h),
        business=_business(reader, business),
        business_reason=reader.text(business, "BussinessDocReason", bp),
        staff=_staff(
            reader, reader.one(business, "StaffInfo", f"{bp}/StaffInfo"), f"{bp}/StaffInfo"
        ),
        traces=_traces(reader, parts.trace_list),
        attachments=_parse_attachments(reader, parts),
    )


@dataclass
class _Listed:
    """An attachment as the manifest or AttachmentEncoded describes it."""

    content_id: str
    name: str
    content_type: str
    description: str
    data: bytes = b""


def _content_id(reader: _Reader, element: Any, path: str) -> str:
    value = reader.text(element, "ContentId", path) or _clean(element.get(f"{{{XLINK_NS}}}href"))
    if not value:
        reader.flag("missing", f"{path}/ContentId", f"{path}/ContentId is required but is missing.")
    return value[4:] if value[:4].lower() == "cid:" else value


def _manifest_entries(reader: _Reader, manifest: Any) -> list[_Listed]:
    entries = []
    for i, element in enumerate(_kids(manifest, "Reference"), 1):
        path = f"edXMLManifest/Reference[{i}]"
        entries.append(
            _Listed(
                content_id=_content_id(reader, element, path),
                name=reader.text(element, "AttachmentName", path),
                content_type=reader.text(element, "ContentType", path),
                description=reader.text(element, "Description", path),
            )
        )
    return entries


def _decode(reader: _Reader, element: Any, path: str) -> bytes:
    text = reader.text(element, "ContentTransferEncoded", path)
    try:
        # Line breaks are allowed (MIME-style base64); anything else outside the alphabet is not.
        return base64.b64decode(text.encode("ascii").translate(None, b" \t\r\n"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        reader.flag(
            "bad_base64",
            f"{path}/ContentTransferEncoded",
            f"{path}/ContentTransferEncoded is not valid base64.",
        )
        return b""


def _encoded_entries(reader: _Reader, block: Any) -> list[tuple[str, _Listed]]:
    entries = []
    for i, element in enumerate(_kids(block, "Attachment"), 1):
        path = f"AttachmentEncoded/Attachment[{i}]"
        listed = _Listed(
            content_id=_content_id(reader, element, path),
            name=reader.text(element, "AttachmentName", path),
            content_type=reader.text(element, "ContentType", path),
            description=reader.text(element, "Description", path),
            data=_decode(reader, element, path),
        )
        entries.append((path, listed))
    return entries


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _unzipped(reader: _Reader, data: bytes, path: str) -> bytes | None:
    """The single entry of a zip, or None when ``data`` is not a one-entry zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) != 1 or entries[0].is_dir():
                return None
            too_large = entries[0].file_size > MAX_UNZIPPED_BYTES
            inflated = b""
            if not too_large:
                with archive.open(entries[0]) as stream:  # bounded even if the header lies
                    inflated = stream.read(MAX_UNZIPPED_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError, OSError):
        return None  # not a zip that opens (encrypted, damaged...): kept as it came
    if too_large or len(inflated) > MAX_UNZIPPED_BYTES:
        reader.flag(
            "attachment_too_large",
            path,
            f"{path} unzips to more than {MAX_UNZIPPED_BYTES // (1024 * 1024)} MB.",
        )
        return b""
    return inflated


def _joined(reader: _Reader, listed: _Listed, carried: _Listed, path: str) -> Attachment:
    """One attachment from its manifest entry and its AttachmentEncoded entry. The axis SDK zips
    each file (one entry) and labels it application/zip while the manifest names the real type:
    such a file is unzipped and takes the manifest's type."""
    data, content_type = carried.data, carried.content_type or listed.content_type
    if (
        _media_type(carried.content_type) in _ZIP_TYPES
        and listed.content_type
        and _media_type(listed.content_type) not in _ZIP_TYPES
    ):
        inner = _unzipped(reader, data, path)
        if inner is not None:
            data, content_type = inner, listed.content_type
    return Attachment(
        content_id=listed.content_id,
        name=listed.name or carried.name,
        content_type=content_type,
        data=data,
        description=listed.description or carried.description,
    )


def _parse_attachments(reader: _Reader, parts: _Parts) -> list[Attachment]:
    listed = _manifest_entries(reader, parts.manifest)
    carried: dict[str, tuple[str, _Listed]] = {}
    for path, entry in _encoded_entries(reader, parts.attachments):
        if entry.content_id in carried:
            reader.flag(
                "duplicate_attachment",
                f"{path}/ContentId",
                f"{path}/ContentId cid:{entry.content_id} is carried twice.",
            )
        carried.setdefault(entry.content_id, (path, entry))
    attachments = []
    for i, entry in enumerate(listed, 1):
        found = carried.pop(entry.content_id, None)
        if found is None:
            reader.flag(
                "attachment_mismatch",
                f"edXMLManifest/Reference[{i}]",
                f"The manifest lists cid:{entry.content_id} but AttachmentEncoded does not carry it.",
            )
            continue
        attachments.append(_joined(reader, entry, found[1], found[0]))
    for path, entry in carried.values():
        reader.flag(
            "attachment_mismatch",
            path,
            f"AttachmentEncoded carries cid:{entry.content_id} but the manifest does not list it.",
        )
    return attachments


def parse(data: bytes) -> Message:
    """The message in an envelope, or EnvelopeInvalid listing every problem found (the structure,
    the values, then the rules of ``validate``). Does not check the signature: see ``verify``."""
    parts = _locate(_read_xml(data))
    reader = _Reader()
    message: Message = (
        _parse_status(reader, parts) if parts.is_status else _parse_document(reader, parts)
    )
    problems = reader.problems
    read_fields = {p.field for p in problems}
    # A value the reader already refused (e.g. a bad date) is not reported again by validate().
    problems += [p for p in validate(message) if p.field not in read_fields]
    if problems:
        raise EnvelopeInvalid(problems)
    return message


# --- add_trace -----------------------------------------------------------------------------------


def _namespace(element: Any) -> str | None:
    return etree.QName(element).namespace


def _layout(element: Any, before: Any, indent: str | None) -> None:
    """Indent a new TraceHeader like its siblings (cosmetic: TraceHeaderList is not signed)."""
    if indent is None:
        return
    element.text = indent + "  "
    element[0].tail = indent + "  "
    element[1].tail = indent
    if before is None:
        element.tail = indent
    else:
        element.tail, before.tail = before.tail, indent


def add_trace(data: bytes, trace: Trace) -> bytes:
    """The envelope with one more TraceHeader (a hub's hop), after the existing ones. Nothing
    signed changes, so a signature still verifies; raises EnvelopeInvalid for a bad envelope."""
    checks = _Checks()
    checks.required("TraceHeaderList/TraceHeader/OrganId", trace.organ_id)
    _check_characters(checks, iter([("TraceHeaderList/TraceHeader/OrganId", trace.organ_id)]))
    if checks.problems:
        raise EnvelopeInvalid(checks.problems)
    parts = _locate(_read_xml(data))
    trace_list = parts.trace_list
    if trace_list is None:  # placed after MessageHeader, before the signature
        trace_list = etree.Element(_tag(_namespace(parts.header), "TraceHeaderList"))
        parts.header.insert(parts.header.index(parts.message_header) + 1, trace_list)
    existing = _kids(trace_list, "TraceHeader")
    before = existing[-1] if existing else None
    indent = trace_list.text if trace_list.text and not trace_list.text.strip() else None
    element = _trace_xml(trace_list, trace, _namespace(trace_list))
    # After the last hop, before a Bussiness block that may follow (insert() moves the element).
    trace_list.insert(trace_list.index(before) + 1 if before is not None else 0, element)
    _layout(element, before, indent)
    return _serialised(parts.root)


# --- verify --------------------------------------------------------------------------------------


def _the_signature(parts: _Parts) -> Any:
    """The single ds:Signature, which must sit in edXMLHeader; SignatureInvalid otherwise."""
    signatures = list(parts.root.iter(_ds("Signature")))
    if not signatures:
        foreign = [
            c
            for c in parts.header
            if etree.QName(c).localname in ("Signature", "DigitalSignature") and len(c)
        ]
        if foreign:
            namespace = _namespace(foreign[0]) or "no namespace"
            raise SignatureInvalid(
                "malformed",
                f"The envelope's {etree.QName(foreign[0]).localname} is in {namespace}, not in the "
                f"XML-Signature namespace {DS_NS}; it cannot be verified (the axis SDK's samples "
                "carry placeholder signatures of this kind).",
            )
        raise SignatureInvalid("absent", "The envelope is not signed.")
    if len(signatures) > 1:
        raise SignatureInvalid(
            "malformed", f"The envelope carries {len(signatures)} signatures; one is expected."
        )
    if signatures[0].getparent() is not parts.header:
        raise SignatureInvalid("malformed", "The signature must sit in edXMLHeader.")
    return signatures[0]


def _by_id(root: Any) -> dict[str, list[Any]]:
    """Elements by the value of any attribute named Id (in any namespace), as signxml resolves
    ``#...`` references with id_attribute="Id"."""
    found: dict[str, list[Any]] = {}
    for element in root.xpath("//*[@*[local-name()='Id']]"):
        values = {v for k, v in element.attrib.items() if etree.QName(k).localname == "Id"}
        for value in values:
            found.setdefault(value, []).append(element)
    return found


def _check_coverage(parts: _Parts, signed_info: Any) -> list[tuple[Any, Any]]:
    """Every part parse() reads is covered by exactly one reference, and every reference points to
    one of them: a signed element moved elsewhere (signature wrapping) does not count. Returns
    each reference with the element it points to."""
    # By id(): lxml hands out the same proxy for a node while one is alive (parts holds them).
    expected = {id(element): name for name, element in parts.signable()}
    covered: set[int] = set()
    references = signed_info.findall(_ds("Reference"))  # direct children only
    identified = _by_id(parts.root)
    pointed: list[tuple[Any, Any]] = []
    for reference in references:
        uri = reference.get("URI")
        if uri == "":  # the whole document, hops included (the axis SDK's own choice)
            covered.update(expected)
            pointed.append((reference, parts.root))
            continue
        if uri is None or not uri.startswith("#"):
            raise SignatureInvalid(
                "malformed", f"The signature references {uri!r}; only #Id references are accepted."
            )
        targets = identified.get(uri[1:], [])
        if len(targets) > 1:
            raise SignatureInvalid(
                "malformed", f"Several elements carry the Id {uri[1:]!r} the signature references."
            )
        if not targets:
            raise SignatureInvalid(
                "digest_mismatch", f"The signed element {uri} is no longer in the envelope."
            )
        if id(targets[0]) not in expected:
            raise SignatureInvalid(
                "bad_signature",
                f"The signature covers {etree.QName(targets[0]).localname} ({uri}), which is not "
                "the element the envelope is read from (the envelope was rearranged).",
            )
        if id(targets[0]) in covered:
            raise SignatureInvalid("malformed", f"The signature references {uri} twice.")
        covered.add(id(targets[0]))
        pointed.append((reference, targets[0]))
    missing = [name for key, name in expected.items() if key not in covered]
    if missing:
        raise SignatureInvalid(
            "bad_signature", f"The signature does not cover {', '.join(missing)}."
        )
    return pointed


def _check_algorithms(signed_info: Any) -> None:
    methods = [
        e.get("Algorithm") or ""
        for e in signed_info.iter(_ds("SignatureMethod"), _ds("DigestMethod"))
    ]
    weak = [m for m in methods if m.lower().endswith(("sha1", "md5"))]
    if weak:
        raise SignatureInvalid(
            "bad_signature",
            f"The envelope is signed with {weak[0].rsplit('#', 1)[-1]}, which is no longer accepted; "
            "SHA-256 or stronger is required.",
        )


def _key_info_certificates(signature: Any) -> list[x509.Certificate]:
    texts = [
        e.text or ""
        for e in signature.iterfind(f"{_ds('KeyInfo')}/{_ds('X509Data')}/{_ds('X509Certificate')}")
    ]
    if not texts:
        raise SignatureInvalid(
            "malformed", "The signature carries no X.509 certificate in KeyInfo."
        )
    try:
        return [_readable(base64.b64decode("".join(t.split()), validate=True)) for t in texts]
    except Exception as exc:  # ValueError, InvalidVersion, DuplicateExtension...: all malformed
        raise SignatureInvalid(
            "malformed", f"A certificate in the signature cannot be read: {exc}."
        ) from exc


def _readable(der: bytes) -> x509.Certificate:
    """The certificate, every field verify() uses read once now: cryptography parses lazily, so
    a damaged certificate fails here and not halfway through the checks."""
    certificate = x509.load_der_x509_certificate(der)
    certificate.subject.rfc4514_string()
    certificate.issuer.rfc4514_string()
    _ = certificate.extensions, certificate.not_valid_before_utc, certificate.not_valid_after_utc
    certificate.public_key()
    return certificate


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, CryptoInvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _path_to_root(
    leaf: x509.Certificate, others: list[x509.Certificate], roots: Sequence[x509.Certificate]
) -> list[x509.Certificate]:
    """leaf, intermediates from KeyInfo, and the trusted root that vouches for them."""
    path = [leaf]
    for _ in range(_MAX_CHAIN):
        current = path[-1]
        if current in roots:  # a trusted certificate used directly
            return path
        root = next((r for r in roots if _issued_by(current, r)), None)
        if root is not None:
            return [*path, root]
        issuer = next(
            (c for c in others if c not in path and _is_ca(c) and _issued_by(current, c)), None
        )
        if issuer is None:
            break
        path.append(issuer)
    raise SignatureInvalid(
        "untrusted_certificate",
        f"The signing certificate ({leaf.subject.rfc4514_string()}) is not issued by a trusted "
        "certification authority.",
    )


def _check_validity(path: list[x509.Certificate], moment: datetime) -> None:
    for certificate in path:
        if not certificate.not_valid_before_utc <= moment <= certificate.not_valid_after_utc:
            raise SignatureInvalid(
                "expired_certificate",
                f"The certificate {certificate.subject.rfc4514_string()} is valid from "
                f"{certificate.not_valid_before_utc:%Y-%m-%d} to {certificate.not_valid_after_utc:%Y-%m-%d}, "
                f"not at {moment:%Y-%m-%d %H:%M} UTC.",
            )


def _check_key_usage(leaf: x509.Certificate) -> None:
    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (usage.digital_signature or usage.content_commitment):
        raise SignatureInvalid(
            "untrusted_certificate", "The signing certificate is not issued for signing documents."
        )


def _trusted_leaf(
    certificates: list[x509.Certificate], roots: Sequence[x509.Certificate], moment: datetime
) -> x509.Certificate:
    """The signing certificate (the first in KeyInfo), chained to a trusted root, valid at
    ``moment`` with its whole path."""
    leaf = certificates[0]
    path = _path_to_root(leaf, certificates[1:], roots)
    _check_validity(path, moment)
    _check_key_usage(leaf)
    return leaf


def _algorithm(element: Any, known: Container[str], what: str) -> str:
    algorithm = element.get("Algorithm") if element is not None else None
    if algorithm not in known:
        raise SignatureInvalid(
            "malformed", f"The signature's {what} {algorithm!r} is not supported."
        )
    return str(algorithm)


def _prefixes(method: Any) -> list[str]:
    """InclusiveNamespaces/@PrefixList of an exclusive canonicalisation."""
    inclusive = method.find("{http://www.w3.org/2001/10/xml-exc-c14n#}InclusiveNamespaces")
    return (inclusive.get("PrefixList") or "").split() if inclusive is not None else []


def _base64(element: Any, what: str) -> bytes:
    try:
        return base64.b64decode("".join((element.text or "").split()), validate=True)
    except (AttributeError, binascii.Error) as exc:
        raise SignatureInvalid("malformed", f"The signature's {what} is not base64.") from exc


def _check_signature_value(signature: Any, signed_info: Any, leaf: x509.Certificate) -> None:
    """SignedInfo, canonicalised as it says, is signed by ``leaf``'s key."""
    method = signed_info.find(_ds("CanonicalizationMethod"))
    canonical = _c14n(
        signed_info, _algorithm(method, _C14N, "canonicalisation method"), _prefixes(method)
    )
    kind, hash_name = _METHODS[
        _algorithm(signed_info.find(_ds("SignatureMethod")), _METHODS, "signature method")
    ]
    value = _base64(signature.find(_ds("SignatureValue")), "SignatureValue")
    public_key = leaf.public_key()
    algorithm = _HASHES[hash_name]()
    try:
        if kind == "rsa" and isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(value, canonical, padding.PKCS1v15(), algorithm)
        elif kind == "ecdsa" and isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(_der_ecdsa(value), canonical, ec.ECDSA(algorithm))
        else:
            raise SignatureInvalid(
                "bad_signature", f"The signing certificate's key does not make {kind} signatures."
            )
    except (CryptoInvalidSignature, ValueError) as exc:
        raise SignatureInvalid(
            "bad_signature", "The signature does not match the signing certificate."
        ) from exc


def _without(signature: Any) -> None:
    """The enveloped-signature transform: the signature taken out, the text after it kept."""
    parent = signature.getparent()
    if signature.tail:
        before = signature.getprevious()
        if before is None:
            parent.text = (parent.text or "") + signature.tail
        else:
            before.tail = (before.tail or "") + signature.tail
    parent.remove(signature)


def _check_digests(pointed: list[tuple[Any, Any]], signature: Any) -> None:
    """Each referenced element, transformed and canonicalised as its reference says, has the
    digest the (verified) SignedInfo carries."""
    allowed = {ENVELOPED, *_C14N}
    for reference, target in pointed:
        uri = reference.get("URI")
        transforms = reference.findall(f"{_ds('Transforms')}/{_ds('Transform')}")
        algorithms = [_algorithm(t, allowed, "transform") for t in transforms]
        canonicalisations = [t for t in transforms if t.get("Algorithm") in _C14N]
        if len(canonicalisations) > 1:
            raise SignatureInvalid("malformed", f"The reference {uri} is canonicalised twice.")
        if ENVELOPED in algorithms and signature in target.iterdescendants(_ds("Signature")):
            _without(signature)
        # Without a canonicalisation transform, a node set is turned into bytes by C14N 1.0.
        method = canonicalisations[0] if canonicalisations else None
        canonical = (
            _c14n(target, str(method.get("Algorithm")), _prefixes(method))
            if method is not None
            else _c14n(target, "http://www.w3.org/TR/2001/REC-xml-c14n-20010315")
        )
        hash_name = _DIGESTS[
            _algorithm(reference.find(_ds("DigestMethod")), _DIGESTS, "digest method")
        ]
        expected = _base64(reference.find(_ds("DigestValue")), "DigestValue")
        if hashlib.new(hash_name, canonical).digest() != expected:
            raise SignatureInvalid(
                "digest_mismatch",
                f"The envelope was changed after it was signed: the digest of {uri} does not match.",
            )


def _utc(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    if at.tzinfo is None:  # naive times in this module are Vietnam local time
        at = at.replace(tzinfo=VIETNAM)
    return at.astimezone(UTC)


def verify(
    data: bytes, trusted_roots: Sequence[x509.Certificate], at: datetime | None = None
) -> Signer:
    """Who signed the envelope, or SignatureInvalid. Checks: one ds:Signature in edXMLHeader;
    its references cover exactly the MessageHeader, Bussiness, edXMLBody and AttachmentEncoded
    that ``parse`` reads (no moved or wrapped element); SHA-256 or stronger; the first KeyInfo
    certificate chains to ``trusted_roots`` (through KeyInfo intermediates) and every certificate
    on the path is valid at ``at`` (default now; naive = Vietnam time); the signature value and
    every digest. Whether the signer may speak for the From agency is the caller's to check
    (``Signer.organ_id`` against ``message.sender.organ_id``)."""
    try:
        # Comments and processing instructions kept: a canonicalisation may sign them.
        parts = _locate(_read_xml(data, keep_comments=True))
    except EnvelopeInvalid as exc:
        raise SignatureInvalid("malformed", f"The envelope cannot be read: {exc}") from exc
    signature = _the_signature(parts)
    signed_info = signature.find(_ds("SignedInfo"))
    if signed_info is None:
        raise SignatureInvalid("malformed", "The signature has no SignedInfo.")
    pointed = _check_coverage(parts, signed_info)
    _check_algorithms(signed_info)
    leaf = _trusted_leaf(_key_info_certificates(signature), trusted_roots, _utc(at))
    try:
        _check_signature_value(signature, signed_info, leaf)
        _check_digests(pointed, signature)
    except SignatureInvalid:
        raise
    except Exception as exc:  # hostile input may trip any check: it is a refusal, never a crash
        raise SignatureInvalid("malformed", f"The signature cannot be checked: {exc}.") from exc
    units = leaf.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    return Signer(
        organ_id=str(units[0].value) if units else "",
        subject=leaf.subject.rfc4514_string(),
        certificate=leaf,
    )
