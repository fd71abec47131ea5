"""Named reads of dossiers, with what each page needs already joined."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from egov.core import calendar
from egov.core.metrics import Metric, gauge
from egov.identity.models import Role, User

from .constants import (
    FINISHED_STATUSES,
    INTAKE_WORKING_DAYS,
    INTERNAL_EVENTS,
    RUNNING_STATUSES,
    Status,
)
from .models import Dossier, DossierEvent

QUEUE_FILTERS = ("all", "new", "mine", "due_soon", "overdue")
#: "Assigned to me": submitted and not finished.
ASSIGNED_OPEN_STATUSES = tuple(
    status for status in Status if status != Status.DRAFT and status not in FINISHED_STATUSES
)


def agencies_of_official(user: User) -> list[int]:
    """Ids of the agencies where ``user`` holds a back-office role."""
    if not user.is_authenticated or not user.is_official:
        return []
    return sorted(set(user.official_roles.values_list("agency_id", flat=True)))


def due_soon_limit(now: datetime) -> datetime:
    """Dossiers due before this moment are 'due within 2 working days'."""
    return calendar.add_working_days(now, 2)


def agency_queue(agency_id: int, user: User, which: str = "all") -> QuerySet[Dossier]:
    """The back-office queue of one agency: every submitted dossier, or one of the filters
    new (waiting for intake), mine (assigned to ``user``), due_soon (within 2 working days),
    overdue (past the legal deadline while the clock runs)."""
    now = timezone.now()
    # Each filter names its statuses, so that it reads one index range: "all" the partial
    # index of non-drafts in submission order, the others an index that leads with the status.
    queue = Dossier.objects.filter(agency_id=agency_id)
    if which == "new":
        queue = queue.filter(status=Status.SUBMITTED)
    elif which == "mine":
        queue = queue.filter(assignee=user, status__in=ASSIGNED_OPEN_STATUSES)
    elif which == "due_soon":
        queue = queue.filter(
            status__in=RUNNING_STATUSES, due_at__gte=now, due_at__lte=due_soon_limit(now)
        )
    elif which == "overdue":
        queue = queue.filter(status__in=RUNNING_STATUSES, due_at__lt=now)
    else:
        queue = queue.exclude(status=Status.DRAFT)
    # Procedures and applicants of one page are fetched once each, not joined to every row: a
    # join carries each procedure's whole definition into the rows the database orders.
    return queue.prefetch_related("procedure", "applicant").order_by(
        "due_at" if which in {"due_soon", "overdue"} else "-submitted_at", "-id"
    )


def processors_of(agency_id: int) -> QuerySet[User]:
    return User.objects.filter(
        official_roles__agency_id=agency_id, official_roles__role=Role.PROCESSOR, is_active=True
    ).order_by("full_name")


def timeline(dossier: Dossier, internal: bool = True) -> QuerySet[DossierEvent]:
    """The dossier's events in order, with their actors; without the back office's internal
    steps (a proposal, a send-back) unless ``internal``."""
    events = dossier.events.select_related("actor").order_by("at", "id")
    return events if internal else events.exclude(kind__in=INTERNAL_EVENTS)


@dataclass(frozen=True)
class NextSteps:
    """What happens next to a submitted dossier, told to its applicant."""

    #: The agency checks the dossier and receives it (or says what is missing) by then.
    intake_by: datetime
    #: Working days the processing takes once received (the due date is set then).
    processing_days: int
    #: Where the applicant is told: their email address and phone number on the account.
    email: str
    phone: str


def next_steps(dossier: Dossier) -> NextSteps | None:
    """For a dossier waiting for intake: by when the agency checks it, how long processing then
    takes, and how the applicant hears of it (``constants.INTAKE_WORKING_DAYS``)."""
    if dossier.status != Status.SUBMITTED or dossier.submitted_at is None:
        return None
    return NextSteps(
        intake_by=calendar.add_working_days(dossier.submitted_at, INTAKE_WORKING_DAYS),
        processing_days=dossier.procedure.processing_days_for(dossier.channel),
        email=dossier.applicant.email,
        phone=dossier.applicant.phone,
    )


def track(code: str) -> Dossier | None:
    """Public tracking by receipt code (what is shown: ``dossiers.tracking``)."""
    code = (code or "").strip()
    if not code:
        return None
    return (
        Dossier.objects.filter(code=code)
        .exclude(status=Status.DRAFT)
        .select_related("procedure", "agency", "applicant", "organisation")
        .first()
    )


def search_queue(queue: QuerySet[Dossier], text: str) -> QuerySet[Dossier]:
    text = (text or "").strip()
    if not text:
        return queue
    return queue.filter(Q(code__icontains=text) | Q(procedure__name__icontains=text))


def metrics() -> Iterable[Metric]:
    """For /metrics (``core.metrics``): dossiers by status and channel."""
    rows = Dossier.objects.values_list("status", "channel").annotate(n=Count("id"))
    yield gauge("egov_dossiers", "Dossiers by status and channel.", ["status", "channel"], rows)
