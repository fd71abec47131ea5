"""/api/v1/cabinet: opinion sheets (list, read, answer, the signed summary; the secretariat
drafts and sends), meetings (list, read, reply, the room's live state, the signed minutes) and
papers, for members on any device."""

from datetime import datetime
from typing import Any, Literal

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from egov.core.errors import ERRORS, NotFound
from egov.core.pagination import paginated
from egov.identity.auth import acting_user, api_auth
from egov.identity.models import User

from . import access, meetings, selectors, services
from .models import Body, Meeting, Paper, Sheet
from .views import paper_response, signed_response

router = Router(auth=api_auth)


class PaperOut(Schema):
    id: int
    title: str
    pages: int
    confidentiality: str


class QuestionOut(Schema):
    id: int
    position: int
    text: str
    outcome: str


class CountOut(Schema):
    question: int
    agree: int
    disagree: int
    other: int
    unanswered: int
    outcome: str


class SheetOut(Schema):
    id: int
    body: str
    title: str
    kind: str
    state: str
    deadline: datetime
    summary_code: str
    papers: list[PaperOut]
    questions: list[QuestionOut]
    my_answers: dict[str, dict[str, str]] = Field(
        description="Question id → {choice, text}: the caller's own answers"
    )
    tally: list[CountOut] | None = Field(
        description="The secretariat always; members once closed (or when the rules allow)"
    )


class AnswerIn(Schema):
    question: int
    choice: Literal["agree", "disagree", "other"]
    text: str = Field("", max_length=4000)


class AnswersIn(Schema):
    answers: list[AnswerIn] = Field(min_length=1, max_length=50)


class SheetIn(Schema):
    body: str
    title: str = Field(max_length=300)
    kind: Literal["resolution", "decision", "report", "other"]
    deadline: datetime
    questions: list[str] = Field(min_length=1, max_length=20)
    papers: list[int] = Field([], description="Ids of papers of the body")


def _sheet(request: HttpRequest, sheet_id: int) -> Sheet:
    try:
        return access.sheet_for(acting_user(request), sheet_id)
    except Http404:
        raise NotFound("Không tìm thấy phiếu / opinion sheet not found") from None


def _sheet_out(user: User, sheet: Sheet) -> dict[str, Any]:
    tally = services.tally_of(sheet) if access.sees_answers_of_others(user, sheet) else None
    return {
        "id": sheet.pk,
        "body": sheet.body.code,
        "title": sheet.title,
        "kind": sheet.kind,
        "state": sheet.state,
        "deadline": sheet.deadline,
        "summary_code": sheet.summary_code,
        "papers": list(sheet.papers.all()),
        "questions": list(sheet.questions.all()),
        "my_answers": {
            str(qid): {"choice": a.choice, "text": a.text}
            for qid, a in selectors.answers_of(sheet, user).items()
        },
        "tally": None
        if tally is None
        else [
            {
                "question": row.question.pk,
                "agree": row.count.agree,
                "disagree": row.count.disagree,
                "other": row.count.other,
                "unanswered": row.count.unanswered,
                "outcome": row.question.outcome or row.count.outcome,
            }
            for row in tally
        ],
    }


class SheetListOut(Schema):
    id: int
    body: str = Field(alias="body.code")
    title: str
    kind: str
    state: str
    deadline: datetime
    summary_code: str


@router.get(
    "/sheets", response=list[SheetListOut], summary="Opinion sheets sent to me (or my body's)"
)
@paginated(20)
def list_sheets(request: HttpRequest) -> Any:
    return (
        access.visible_sheets(acting_user(request))
        .select_related("body")
        .order_by("-created_at", "-pk")
    )


@router.get("/sheets/{sheet_id}", response={200: SheetOut, **ERRORS}, summary="One opinion sheet")
def get_sheet(request: HttpRequest, sheet_id: int) -> dict[str, Any]:
    return _sheet_out(acting_user(request), _sheet(request, sheet_id))


@router.post(
    "/sheets/{sheet_id}/answers",
    response={200: SheetOut, **ERRORS},
    summary="Answer (or change my answers) until the deadline",
)
def answer(request: HttpRequest, sheet_id: int, payload: AnswersIn) -> dict[str, Any]:
    user, sheet = acting_user(request), _sheet(request, sheet_id)
    services.answer(
        user, sheet.pk, {a.question: services.Given(a.choice, a.text) for a in payload.answers}
    )
    return _sheet_out(user, _sheet(request, sheet_id))


@router.post(
    "/sheets", response={201: SheetOut, **ERRORS}, summary="Draft an opinion sheet (secretariat)"
)
def create_sheet(request: HttpRequest, payload: SheetIn) -> Status:
    user = acting_user(request)
    body = Body.objects.filter(code=payload.body).first()
    if body is None or not access.bodies_of(user).filter(pk=body.pk).exists():
        raise NotFound("Không tìm thấy cơ quan / body not found")
    sheet = services.create_sheet(
        user,
        body,
        title=payload.title,
        kind=payload.kind,
        deadline=payload.deadline,
        questions=payload.questions,
        papers=list(Paper.objects.filter(body=body, pk__in=payload.papers)),
    )
    return Status(201, _sheet_out(user, sheet))


@router.post(
    "/sheets/{sheet_id}/send", response={200: SheetOut, **ERRORS}, summary="Send it (secretariat)"
)
def send_sheet(request: HttpRequest, sheet_id: int) -> dict[str, Any]:
    user = acting_user(request)
    services.send_sheet(user, _sheet(request, sheet_id).pk)
    return _sheet_out(user, _sheet(request, sheet_id))


@router.get(
    "/sheets/{sheet_id}/summary",
    response={200: None, **ERRORS},
    summary="The signed summary of opinions (PDF as signed: it verifies at /verify/; audited)",
    description="404 until the sheet is closed and its summary signed.",
)
def sheet_summary(request: HttpRequest, sheet_id: int) -> HttpResponse:
    user, sheet = acting_user(request), _sheet(request, sheet_id)
    return signed_response(services.read_signed(user, sheet), "tong-hop-y-kien", sheet.summary_code)


class ItemOut(Schema):
    id: int
    position: int
    title: str
    presenter: str
    minutes: int
    conclusion: str
    papers: list[PaperOut]


class MeetingOut(Schema):
    id: int
    body: str
    title: str
    starts_at: datetime
    place: str
    state: str
    version: int = Field(description="Moves at every change in the room: poll and compare")
    current_item: int | None
    present: int
    invited: int
    minutes_code: str
    items: list[ItemOut]


class ReplyIn(Schema):
    reply: Literal["attending", "absent", "delegated"]
    delegate: str = Field("", description="The delegate's user name, when delegating")


def _meeting(request: HttpRequest, meeting_id: int) -> Meeting:
    try:
        return access.meeting_for(acting_user(request), meeting_id)
    except Http404:
        raise NotFound("Không tìm thấy phiên họp / meeting not found") from None


def _meeting_out(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "body": meeting.body.code,
        "title": meeting.title,
        "starts_at": meeting.starts_at,
        "place": meeting.place,
        "state": meeting.state,
        "version": meeting.version,
        "current_item": meeting.current_item_id,
        "present": meeting.invitations.filter(present_at__isnull=False).count(),
        "invited": meeting.invitations.count(),
        "minutes_code": meeting.minutes_code,
        "items": [
            {
                "id": item.pk,
                "position": item.position,
                "title": item.title,
                "presenter": item.presenter,
                "minutes": item.minutes,
                "conclusion": item.conclusion,
                "papers": list(item.papers.all()),
            }
            for item in meeting.items.prefetch_related("papers")
        ],
    }


class MeetingListOut(Schema):
    id: int
    body: str = Field(alias="body.code")
    title: str
    starts_at: datetime
    place: str
    state: str
    minutes_code: str


@router.get("/meetings", response=list[MeetingListOut], summary="Meetings I am invited to")
@paginated(20)
def list_meetings(request: HttpRequest) -> Any:
    return (
        access.visible_meetings(acting_user(request))
        .select_related("body")
        .order_by("-starts_at", "-pk")
    )


@router.get(
    "/meetings/{meeting_id}",
    response={200: MeetingOut, 204: None, **ERRORS},
    summary="One meeting, as the room shows it",
    description="With `v` (the version last seen): 204 when nothing changed since.",
)
def get_meeting(request: HttpRequest, meeting_id: int, v: int | None = None) -> Any:
    meeting = _meeting(request, meeting_id)
    if v is not None and v == meeting.version:
        return Status(204, None)
    return _meeting_out(meeting)


@router.post(
    "/meetings/{meeting_id}/reply",
    response={200: MeetingOut, **ERRORS},
    summary="Answer the invitation",
)
def reply(request: HttpRequest, meeting_id: int, payload: ReplyIn) -> dict[str, Any]:
    meeting = _meeting(request, meeting_id)
    delegate = User.objects.filter(username=payload.delegate, kind="official").first()
    meetings.reply(acting_user(request), meeting.pk, payload.reply, delegate)
    return _meeting_out(_meeting(request, meeting_id))


@router.get(
    "/meetings/{meeting_id}/minutes",
    response={200: None, **ERRORS},
    summary="The signed minutes and conclusions (PDF as signed: it verifies at /verify/; audited)",
    description="404 until the meeting is closed and its minutes signed.",
)
def minutes(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    return signed_response(
        services.read_signed(acting_user(request), meeting), "bien-ban", meeting.minutes_code
    )


@router.get(
    "/papers/{paper_id}",
    response={200: None, **ERRORS},
    summary="A paper's PDF (audited; watermarked with my name when restricted)",
)
def paper(request: HttpRequest, paper_id: int) -> HttpResponse:
    user = acting_user(request)
    try:
        found = access.paper_for(user, paper_id)
    except Http404:
        raise NotFound("Không tìm thấy tài liệu / paper not found") from None
    return paper_response(services.read_paper(user, found, "download"), found, download=True)
