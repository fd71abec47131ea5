"""Dossier statuses, channels and the lifecycle table."""

import enum
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RECEIVED = "received", _("Received")
    PROCESSING = "processing", _("Processing")
    #: The assigned processor proposed the result (with its draft); the approver decides.
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    AWAITING_SUPPLEMENT = "awaiting_supplement", _("Awaiting supplement")
    RESULT_READY = "result_ready", _("Result ready")
    RETURNED = "returned", _("Returned")
    REFUSED = "refused", _("Not received")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class NationalStatus(enum.IntEnum):
    """TrangThaiHoSo: the status codes the national public-service portal uses for dossier sync."""

    SUBMITTED = 1  # mới đăng ký
    RECEIVED = 2  # đã tiếp nhận
    NOT_RECEIVED = 3  # không được tiếp nhận
    PROCESSING = 4  # đang xử lý
    SUPPLEMENT_REQUESTED = 5  # yêu cầu bổ sung
    PAYMENT_REQUESTED = 6  # yêu cầu thanh toán
    WITHDRAWN = 7  # công dân yêu cầu rút hồ sơ
    STOPPED = 8  # dừng xử lý
    PROCESSED = 9  # đã xử lý xong
    RETURNED = 10  # đã trả kết quả


#: The one table from a dossier's status to its national code; 6 is not a status of its own but
#: derived by :func:`national_status` from the payment the dossier waits for.
NATIONAL_STATUS_CODE: dict[str, NationalStatus] = {
    Status.SUBMITTED: NationalStatus.SUBMITTED,
    Status.RECEIVED: NationalStatus.RECEIVED,
    Status.REFUSED: NationalStatus.NOT_RECEIVED,
    Status.PROCESSING: NationalStatus.PROCESSING,
    # still "processing" for the national portal
    Status.AWAITING_APPROVAL: NationalStatus.PROCESSING,
    Status.AWAITING_SUPPLEMENT: NationalStatus.SUPPLEMENT_REQUESTED,
    Status.WITHDRAWN: NationalStatus.WITHDRAWN,
    Status.REJECTED: NationalStatus.STOPPED,
    Status.RESULT_READY: NationalStatus.PROCESSED,
    Status.RETURNED: NationalStatus.RETURNED,
}


#: The applicant may still withdraw; the dossier is not finished.
OPEN_STATUSES = frozenset(
    {
        Status.SUBMITTED,
        Status.RECEIVED,
        Status.PROCESSING,
        Status.AWAITING_APPROVAL,
        Status.AWAITING_SUPPLEMENT,
    }
)
#: The legal clock runs: overdue is derived for these.
RUNNING_STATUSES = frozenset(
    {Status.RECEIVED, Status.PROCESSING, Status.AWAITING_APPROVAL, Status.RESULT_READY}
)
FINISHED_STATUSES = frozenset({Status.RETURNED, Status.REFUSED, Status.REJECTED, Status.WITHDRAWN})


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    COUNTER = "counter", _("At the counter")
    POST = "post", _("By post")


class DeliveryMethod(models.TextChoices):
    """Hình thức nhận kết quả: how the applicant receives the result."""

    #: The signed electronic result, in the applicant's data repository (the default).
    ONLINE = "online", _("Online (signed electronic result)")
    COUNTER = "counter", _("At the agency's counter")
    #: By public postal service ("dịch vụ bưu chính công ích", Decision 45/2016/QĐ-TTg).
    POST = "post", _("By public postal service")


class PostalStatus(models.TextChoices):
    """Where a result sent by post stands, as the postal provider reports it."""

    #: Chosen; no consignment booked yet (the result is not ready, or fees are owed).
    WAITING = "waiting", _("Waiting for the result")
    BOOKED = "booked", _("Consignment booked")
    ACCEPTED = "accepted", _("Accepted by the post office")
    IN_TRANSIT = "in_transit", _("In transit")
    DELIVERED = "delivered", _("Delivered to the recipient")
    FAILED = "failed", _("Delivery attempt failed")
    RETURNED = "returned", _("Returned to the agency")


#: Statuses after which the provider's later word changes nothing.
FINAL_POSTAL_STATUSES = frozenset({PostalStatus.DELIVERED, PostalStatus.RETURNED})
#: Statuses a provider's callback may report.
REPORTED_POSTAL_STATUSES = frozenset(
    {
        PostalStatus.ACCEPTED,
        PostalStatus.IN_TRANSIT,
        PostalStatus.DELIVERED,
        PostalStatus.FAILED,
        PostalStatus.RETURNED,
    }
)
#: The delivery may be changed while the dossier is in one of these (until the result is ready).
DELIVERY_CHANGEABLE_STATUSES = frozenset({Status.DRAFT}) | OPEN_STATUSES


class Satisfaction(models.IntegerChoices):
    NOT_SATISFIED = 1, _("Not satisfied")
    SATISFIED = 2, _("Satisfied")
    VERY_SATISFIED = 3, _("Very satisfied")


class ComponentSource(models.TextChoices):
    UPLOAD = "upload", _("Uploaded")
    SCAN = "scan", _("Scanned at the counter")
    #: A document of the applicant's data repository attached instead of an upload (reuse).
    REPOSITORY = "repository", _("From the data repository")
    #: The online application form, rendered to PDF at submission (catalogue ``online_form``).
    FORM = "form", _("Online application form")


APPLICANT = "applicant"


@dataclass(frozen=True)
class Transition:
    """Who may move a dossier from which statuses."""

    sources: frozenset[str]
    actors: frozenset[str]  # official roles, ASSIGNEE, or APPLICANT
    label: StrOrPromise


RECEIVER, PROCESSOR, APPROVER, ADMIN = "receiver", "processor", "approver", "agency_admin"
#: The processor the dossier is assigned to (a capacity of that one processor only).
ASSIGNEE = "assignee"

TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(frozenset({Status.DRAFT}), frozenset({APPLICANT}), _("Submit")),
    "receive": Transition(frozenset({Status.SUBMITTED}), frozenset({RECEIVER}), _("Receive")),
    "refuse_intake": Transition(
        frozenset({Status.SUBMITTED}), frozenset({RECEIVER}), _("Refuse to receive")
    ),
    "request_supplement": Transition(
        frozenset({Status.SUBMITTED, Status.RECEIVED, Status.PROCESSING}),
        frozenset({RECEIVER, PROCESSOR}),
        _("Request a supplement"),
    ),
    "supplement": Transition(
        frozenset({Status.AWAITING_SUPPLEMENT}), frozenset({APPLICANT}), _("Send the supplement")
    ),
    "assign": Transition(
        frozenset({Status.RECEIVED, Status.PROCESSING}), frozenset({RECEIVER, ADMIN}), _("Assign")
    ),
    "propose": Transition(
        frozenset({Status.PROCESSING}), frozenset({ASSIGNEE}), _("Propose the result")
    ),
    "approve": Transition(
        frozenset({Status.AWAITING_APPROVAL}), frozenset({APPROVER}), _("Approve")
    ),
    "send_back": Transition(
        frozenset({Status.AWAITING_APPROVAL}), frozenset({APPROVER}), _("Send back")
    ),
    "reject": Transition(
        frozenset({Status.RECEIVED, Status.PROCESSING}),
        frozenset({PROCESSOR, APPROVER}),
        _("Reject"),
    ),
    "return_result": Transition(
        frozenset({Status.RESULT_READY}), frozenset({RECEIVER}), _("Return the result")
    ),
    "withdraw": Transition(OPEN_STATUSES, frozenset({APPLICANT}), _("Withdraw")),
    "apologise": Transition(
        frozenset(
            {Status.RECEIVED, Status.PROCESSING, Status.AWAITING_APPROVAL, Status.RESULT_READY}
        ),
        frozenset({RECEIVER, PROCESSOR, ADMIN}),
        _("Issue an apology slip"),
    ),
    #: Cần xác minh: the processing official records that the dossier needs verification; the
    #: due date moves to the procedure's longer legal time (once, and only for a procedure that
    #: has one: ``access`` refuses the rest as the wrong state).
    "extend_for_verification": Transition(
        frozenset({Status.PROCESSING}),
        frozenset({PROCESSOR}),
        _("Record that verification is needed"),
    ),
    "rate": Transition(frozenset({Status.RETURNED}), frozenset({APPLICANT}), _("Rate")),
}

#: The longest reason an official may give for the verification a dossier needs.
VERIFICATION_REASON_MAX_LENGTH = 1000


def awaiting_payment(status: str, held_step: str) -> bool:
    """The dossier waits for its fees: unpaid fees hold back ``held_step`` (as the payments part
    last told the dossier, see ``services.request_payment``) and the dossier is where that step
    starts."""
    return bool(held_step) and status in TRANSITIONS[held_step].sources


def national_status(status: str, awaiting_payment: bool = False) -> NationalStatus | None:
    """The national code of a dossier: 6 ("payment requested") while it waits for its fees,
    else the code of its status (None for a draft). Sync, API, pages and payments all ask this."""
    if awaiting_payment:
        return NationalStatus.PAYMENT_REQUESTED
    return NATIONAL_STATUS_CODE.get(status)


#: Working days within which the receiving agency checks an online dossier and receives it, or
#: asks for a supplement or refuses it: what the applicant is told to expect after submitting.
INTAKE_WORKING_DAYS = 1

#: Events the applicant is told about by email and SMS. The result is announced once it is
#: signed ("result_signed", written by the records part), not at approval: until then it cannot
#: be returned.
NOTIFIED_EVENTS = frozenset(
    {
        "received",
        "supplement_requested",
        "refused",
        "rejected",
        "result_signed",
        "apologised",
        "extended_for_verification",
    }
)

#: Internal steps of the back office, shown to its officials only (a send-back's reason is a
#: note between officials, not a decision on the application; the end of a payment request is
#: what the applicant sees as the payment itself).
INTERNAL_EVENTS = frozenset({"proposed", "sent_back", "result_drafted", "payment_request_closed"})


class EventKind(models.TextChoices):
    """Every kind of event a dossier's log holds, with how it reads in a timeline. Dossiers'
    steps and verbs record all but ``paid``, which the payments part records through
    ``services.record_event``; a part that needs a new kind declares it here first."""

    DRAFT_CREATED = "draft_created", _("Draft started")
    SUBMITTED = "submitted", _("Submitted")
    RECEIVED = "received", _("Received; the processing time starts")
    REFUSED = "refused", _("Not received")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
    SUPPLEMENTED = "supplemented", _("Supplement sent")
    ASSIGNED = "assigned", _("Assigned for processing")
    PROPOSED = "proposed", _("Result proposed for approval")
    SENT_BACK = "sent_back", _("Sent back to the processor")
    RESULT_DRAFTED = "result_drafted", _("Draft result drawn up for approval")
    RESULT_READY = "result_ready", _("Approved; result ready")
    RESULT_SIGNED = "result_signed", _("Result signed electronically")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Result returned")
    WITHDRAWN = "withdrawn", _("Withdrawn by the applicant")
    APOLOGISED = "apologised", _("Apology slip issued with a new date")
    EXTENDED_FOR_VERIFICATION = (
        "extended_for_verification",
        _("Verification needed: the legal processing time is extended"),
    )
    RATED = "rated", _("Rated by the applicant")
    COMPONENT_REUSED = "component_reused", _("Document reused from the data repository")
    DIGITISED = "digitised", _("Paper documents digitised")
    PAYMENT_REQUESTED = "payment_requested", _("Payment of the fees requested")
    PAYMENT_REQUEST_CLOSED = "payment_request_closed", _("Nothing more to pay")
    PAID = "paid", _("Fee paid")
    DELIVERY_CHOSEN = "delivery_chosen", _("Way of receiving the result chosen")
    CONSIGNMENT_BOOKED = "consignment_booked", _("Result handed to the post office")
    POSTAL_STATUS = "postal_status", _("Postal delivery news")


#: The events dossiers' own steps and verbs record: another part may not record these through
#: ``services.record_event`` (a lifecycle step is taken only by its step, which checks who may).
OWN_EVENTS = frozenset(EventKind.values) - {EventKind.PAID}

#: Mã hồ sơ, the observed national form ``{receiving unit code}-{yyyymmdd}-{sequence}``
#: (``G09.20-20260609-0092637``); the sequence runs per receiving unit.
RECEIPT_CODE_FORMAT = "{unit}-{day:%Y%m%d}-{number:07d}"
