"""Named reads of eCabinet."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Count
from django.utils import timezone

from egov.exchange import access as exchange_access
from egov.identity.models import User

from . import access
from .constants import MeetingState, SeatRole, SheetState
from .models import Answer, Body, Meeting, Seat, Sheet
from .services import Given


@dataclass
class Desk:
    """What waits for a person in one body."""

    body: Body
    role: str
    sheets: list[Sheet] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)

    @property
    def secretary(self) -> bool:
        return self.role == SeatRole.SECRETARY

    @property
    def role_label(self) -> str:
        return str(SeatRole(self.role).label)


def desks(user: User) -> list[Desk]:
    found = []
    seats = Seat.objects.filter(user=user, active=True).select_related("body")
    visible = access.visible_sheets(user)
    meetings = access.visible_meetings(user)
    for seat in seats.order_by("body__name"):
        found.append(
            Desk(
                body=seat.body,
                role=seat.role,
                sheets=list(visible.filter(body=seat.body).order_by("state", "-deadline")[:50]),
                meetings=list(meetings.filter(body=seat.body).order_by("-starts_at")[:50]),
            )
        )
    return found


def answers_of(sheet: Sheet, user: User) -> dict[int, Answer]:
    return {
        answer.question_id: answer
        for answer in Answer.objects.filter(question__sheet=sheet, member=user)
    }


def given_answers(sheet: Sheet, data: Any) -> dict[int, Given]:
    """The answers posted on the sheet's page (``choice_<id>``, ``text_<id>``); a question left
    unanswered is not sent."""
    answers = {}
    for question in sheet.questions.all():
        choice = data.get(f"choice_{question.pk}", "")
        if choice:
            answers[question.pk] = Given(choice, data.get(f"text_{question.pk}", ""))
    return answers


def answered_count(sheet: Sheet) -> tuple[int, int]:
    """(members who answered every question, members sent it)."""
    questions = sheet.questions.count()
    done = (
        Answer.objects.filter(question__sheet=sheet)
        .values("member")
        .annotate(n=Count("pk"))
        .filter(n__gte=questions)
        .count()
    )
    return done, sheet.recipients.count()


@dataclass
class YearFigures:
    """What the reports quote of eCabinet, for one year."""

    year: int
    meetings: int = 0
    sheets: int = 0
    #: Pages of every paper distributed electronically × the people it went to.
    pages: int = 0


def yearly_figures(agency_ids: list[int] | None, start: date, end: date) -> list[YearFigures]:
    """Meetings held (closed), opinion sheets processed (closed) and paper pages replaced, per
    year, of the bodies of ``agency_ids`` (all when None), for what ended within the period."""
    years: dict[int, YearFigures] = {}

    def year(moment: datetime) -> YearFigures:
        number = timezone.localtime(moment).year
        return years.setdefault(number, YearFigures(number))

    sheets = Sheet.objects.filter(
        state=SheetState.CLOSED, closed_at__date__gte=start, closed_at__date__lte=end
    ).annotate(readers=Count("recipients", distinct=True))
    meetings = Meeting.objects.filter(
        state=MeetingState.CLOSED, closed_at__date__gte=start, closed_at__date__lte=end
    ).annotate(readers=Count("invitations", distinct=True))
    if agency_ids is not None:
        sheets = sheets.filter(body__agency_id__in=agency_ids)
        meetings = meetings.filter(body__agency_id__in=agency_ids)
    for sheet in sheets.prefetch_related("papers"):
        row = year(sheet.closed_at)  # type: ignore[arg-type]
        row.sheets += 1
        row.pages += sum(paper.pages for paper in sheet.papers.all()) * sheet.readers
    for meeting in meetings.prefetch_related("items__papers"):
        row = year(meeting.closed_at)  # type: ignore[arg-type]
        row.meetings += 1
        pages = sum(p.pages for item in meeting.items.all() for p in item.papers.all())
        row.pages += pages * meeting.readers
    return [years[number] for number in sorted(years)]


def received_documents(user: User, body: Body) -> list[Any]:
    """The official documents received by the body's agency that ``user`` may see on the
    exchange axis (newest first): what the secretariat may put on an agenda."""
    return list(
        exchange_access.visible_documents(user)
        .filter(incoming=True, agency_id=body.agency_id)
        .order_by("-created_at")[:50]
    )
