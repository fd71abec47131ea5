"""Dossier statuses, channels and the lifecycle table."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RECEIVED = "received", _("Received")
    PROCESSING = "processing", _("Processing")
    AWAITING_SUPPLEMENT = "awaiting_supplement", _("Awaiting supplement")
    RESULT_READY = "result_ready", _("Result ready")
    RETURNED = "returned", _("Returned")
    REFUSED = "refused", _("Not received")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: TrangThaiHoSo, the status codes the national public-service portal uses for dossier sync.
NATIONAL_STATUS_CODE: dict[str, int] = {
    Status.SUBMITTED: 1,
    Status.RECEIVED: 2,
    Status.REFUSED: 3,
    Status.PROCESSING: 4,
    Status.AWAITING_SUPPLEMENT: 5,
    # 6: payment requested (payments part)
    Status.WITHDRAWN: 7,
    Status.REJECTED: 8,
    Status.RESULT_READY: 9,
    Status.RETURNED: 10,
}

#: The applicant may still withdraw; the dossier is not finished.
OPEN_STATUSES = frozenset(
    {Status.SUBMITTED, Status.RECEIVED, Status.PROCESSING, Status.AWAITING_SUPPLEMENT}
)
#: The legal clock runs: overdue is derived for these.
RUNNING_STATUSES = frozenset({Status.RECEIVED, Status.PROCESSING, Status.RESULT_READY})
FINISHED_STATUSES = frozenset({Status.RETURNED, Status.REFUSED, Status.REJECTED, Status.WITHDRAWN})


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    COUNTER = "counter", _("At the counter")
    POST = "post", _("By post")


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
    actors: frozenset[str]  # official roles, or APPLICANT
    label: StrOrPromise


RECEIVER, PROCESSOR, APPROVER, ADMIN = "receiver", "processor", "approver", "agency_admin"

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
    "approve": Transition(frozenset({Status.PROCESSING}), frozenset({APPROVER}), _("Approve")),
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
        frozenset({Status.RECEIVED, Status.PROCESSING, Status.RESULT_READY}),
        frozenset({RECEIVER, PROCESSOR, ADMIN}),
        _("Issue an apology slip"),
    ),
    "rate": Transition(frozenset({Status.RETURNED}), frozenset({APPLICANT}), _("Rate")),
}

#: Events the applicant is told about by email and SMS.
NOTIFIED_EVENTS = frozenset(
    {"received", "supplement_requested", "refused", "rejected", "result_ready", "apologised"}
)

#: How each event reads in a timeline.
EVENT_LABELS = {
    "draft_created": _("Draft started"),
    "submitted": _("Submitted"),
    "received": _("Received; the processing time starts"),
    "refused": _("Not received"),
    "supplement_requested": _("Supplement requested"),
    "supplemented": _("Supplement sent"),
    "assigned": _("Assigned for processing"),
    "result_ready": _("Approved; result ready"),
    "rejected": _("Rejected"),
    "returned": _("Result returned"),
    "withdrawn": _("Withdrawn by the applicant"),
    "apologised": _("Apology slip issued with a new date"),
    "rated": _("Rated by the applicant"),
}
