"""Every write of eCabinet is one of these verbs; each checks who acts (``access``) and appends a
``CabinetEvent``. Signing (the summary of a sheet, the minutes of a meeting) runs outside any
transaction: it may call the time-stamping authority."""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core import audit, notify
from egov.core.errors import InvalidInput, NotAllowed, NotFound, WrongState
from egov.core.files import clean_filename, read_checked_upload, read_stored, store_bytes
from egov.core.queue import enqueue_with_commit, task_named
from egov.identity.models import User
from egov.records.issuing import issue_signed_pdf, reserve_code
from egov.records.selectors import signed_document

from . import access, summaries, tally, watermark
from .constants import (
    MEMBER_ROLES,
    WATERMARKED,
    Choice,
    Confidentiality,
    SeatRole,
    SheetKind,
    SheetState,
)
from .models import Answer, Body, CabinetEvent, Meeting, Paper, Question, Recipient, Seat, Sheet

log = logging.getLogger("egov.cabinet")

CLOSE_SHEET = "egov.cabinet.tasks.close_sheet"
#: Members who have not answered are reminded this long before the deadline.
REMINDER_BEFORE = timedelta(hours=24)
MAX_QUESTIONS = 20


def record(
    body: Body | int,
    kind: str,
    actor: User | None,
    *,
    sheet: Sheet | None = None,
    meeting: Meeting | None = None,
    **data: Any,
) -> CabinetEvent:
    """The one writer of ``CabinetEvent`` rows."""
    return CabinetEvent.objects.create(
        body_id=body if isinstance(body, int) else body.pk,
        kind=kind,
        actor=actor,
        sheet=sheet,
        meeting=meeting,
        data=data,
    )


# --- seats --------------------------------------------------------------------------------------


def set_seat(admin: User, body: Body, user: User, role: str, position: str = "") -> Seat:
    """The body's admin gives ``user`` a role (or changes it); ``role`` "" removes the seat."""
    access.require_admin(admin, body)
    if role and role not in SeatRole.values:
        raise InvalidInput(_("Choose a role."), {"role": _("Choose a role.")})
    if not user.is_official:
        raise InvalidInput(_("Only officials sit in a body."), {"user": _("Not an official.")})
    with transaction.atomic():
        seat, _created = Seat.objects.update_or_create(
            body=body,
            user=user,
            defaults={
                "role": role or SeatRole.MEMBER,
                "position": position[:200],
                "active": bool(role),
            },
        )
        record(body, "seat_set", admin, user=user.pk, role=role)
    return seat


# --- papers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    name: str
    stream: IO[bytes]
    size: int | None = None


def add_paper(
    secretary: User, body: Body, title: str, upload: Upload, confidentiality: str
) -> Paper:
    """A PDF the secretariat distributes (size, type and content checked like any upload)."""
    access.require_secretary(secretary, body)
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("This field is required.")
    if confidentiality not in Confidentiality.values:
        errors["confidentiality"] = _("Choose a confidentiality level.")
    try:
        data, content_type = read_checked_upload(upload.stream, upload.name, upload.size)
    except ValidationError as exc:
        errors["file"] = exc.messages[0]
    else:
        if content_type != "application/pdf":
            errors["file"] = _("Papers are PDF files.")
    if errors:
        raise InvalidInput(_("The paper cannot be added."), errors)
    paper = Paper.objects.create(
        body=body,
        title=title[:300],
        file=store_bytes(data, content_type),
        filename=clean_filename(upload.name),
        pages=watermark.page_count(data),
        confidentiality=confidentiality,
        added_by=secretary,
    )
    record(body, "paper_added", secretary, paper=paper.pk, pages=paper.pages)
    return paper


def _audit_read(
    reader: User, action: str, object_type: str, object_id: object, **data: object
) -> None:
    """Every read of what eCabinet distributes is in the audit log, with its reader: each view
    and download of a paper (``paper_view``, ``paper_download``), each download of signed minutes
    or a signed summary (``minutes_download``, ``summary_download``)."""
    audit.record(action, actor=reader, object_type=object_type, object_id=object_id, data=data)


def _mark_for(reader: User, paper: Paper) -> str:
    if paper.confidentiality not in WATERMARKED:
        return ""
    return watermark.label(reader.full_name or reader.username)


def read_paper(reader: User, paper: Paper, action: str) -> bytes:
    """The paper's bytes for ``reader`` (who may see it: ``access.paper_for``), each view and
    download audited; a restricted or confidential one carries the reader's name and the time
    on every page."""
    _audit_read(reader, f"paper_{action}", "paper", paper.pk, confidentiality=paper.confidentiality)
    data = read_stored(paper.file)
    mark = _mark_for(reader, paper)
    return watermark.watermarked(data, mark) if mark else data


def read_page(reader: User, paper: Paper, number: int) -> bytes:
    """Page ``number`` as an image for the reader (audited, marked like a download)."""
    if not 1 <= number <= paper.pages:
        raise InvalidInput(
            _("No such page."), {"page": _("Between 1 and %(n)d.") % {"n": paper.pages}}
        )
    _audit_read(
        reader, "paper_view", "paper", paper.pk, confidentiality=paper.confidentiality, page=number
    )
    return watermark.page_png(read_stored(paper.file), number, _mark_for(reader, paper))


def read_signed(reader: User, signed: Sheet | Meeting) -> bytes:
    """The signed summary of a closed sheet, or the signed minutes of a closed meeting, for
    ``reader`` (who may see the sheet or the meeting: ``access.sheet_for``,
    ``access.meeting_for``): the very bytes records signed and stored, so that the file verifies
    at /verify/. Each download is audited (``summary_download``, ``minutes_download``); "not
    found" while nothing is signed yet."""
    if isinstance(signed, Sheet):
        code, action, object_type = signed.summary_code, "summary_download", "sheet"
    else:
        code, action, object_type = signed.minutes_code, "minutes_download", "meeting"
    document = signed_document(code)
    if document is None or document.file is None:
        raise NotFound(_("The signed document is not ready yet."))
    _audit_read(reader, action, object_type, signed.pk, code=code)
    return read_stored(document.file)


# --- opinion sheets -----------------------------------------------------------------------------


def create_sheet(
    secretary: User,
    body: Body,
    *,
    title: str,
    kind: str,
    deadline: datetime | None,
    questions: Sequence[str],
    papers: Sequence[Paper] = (),
) -> Sheet:
    """A draft sheet; sent with :func:`send_sheet`."""
    access.require_secretary(secretary, body)
    title = (title or "").strip()
    texts = [q.strip() for q in questions if q and q.strip()]
    errors = {}
    if not title:
        errors["title"] = _("This field is required.")
    if kind not in SheetKind.values:
        errors["kind"] = _("Choose what the draft is.")
    if deadline is None or deadline <= timezone.now():
        errors["deadline"] = _("The deadline must be in the future.")
    if not texts:
        errors["questions"] = _("Ask at least one question.")
    elif len(texts) > MAX_QUESTIONS:
        errors["questions"] = _("At most %(n)d questions.") % {"n": MAX_QUESTIONS}
    if any(paper.body_id != body.pk for paper in papers):
        errors["papers"] = _("A paper of another body.")
    if errors or deadline is None:
        raise InvalidInput(_("The opinion sheet is not complete yet."), errors)
    with transaction.atomic():
        sheet = Sheet.objects.create(
            body=body, title=title[:300], kind=kind, deadline=deadline, created_by=secretary
        )
        Question.objects.bulk_create(
            Question(sheet=sheet, position=n, text=text[:2000]) for n, text in enumerate(texts, 1)
        )
        sheet.papers.set(papers)
        record(body, "sheet_created", secretary, sheet=sheet, questions=len(texts))
    return sheet


def _lock(sheet_id: int) -> Sheet:
    return Sheet.objects.select_for_update().select_related("body").get(pk=sheet_id)


def send_sheet(secretary: User, sheet_id: int) -> Sheet:
    """Send the draft to every member of the body (told in the portal and by their channels);
    the sheet closes by itself at the deadline."""
    with transaction.atomic():
        sheet = _lock(sheet_id)
        access.require_secretary(secretary, sheet.body)
        if sheet.state != SheetState.DRAFT:
            raise WrongState(_("This opinion sheet has already been sent."))
        if sheet.deadline <= timezone.now():
            raise WrongState(_("The deadline has passed: set a new one first."))
        seats = list(
            Seat.objects.filter(body=sheet.body, active=True, role__in=MEMBER_ROLES).select_related(
                "user"
            )
        )
        if not seats:
            raise WrongState(_("The body has no members to send it to."))
        Recipient.objects.bulk_create(
            Recipient(sheet=sheet, user=seat.user, role=seat.role) for seat in seats
        )
        sheet.state, sheet.sent_at = SheetState.OPEN, timezone.now()
        sheet.save(update_fields=["state", "sent_at"])
        record(sheet.body, "sheet_sent", secretary, sheet=sheet, recipients=len(seats))
        for seat in seats:
            _tell(seat.user, sheet, "sheet_sent")
        _schedule_close(sheet)
    return sheet


def _tell(member: User, sheet: Sheet, topic: str) -> None:
    deadline = timezone.localtime(sheet.deadline).strftime("%H:%M %d/%m/%Y")
    subject = (
        _("Opinion sheet: %(title)s")
        if topic == "sheet_sent"
        else _("Reminder: opinion sheet %(title)s")
    ) % {"title": sheet.title}
    text = _("%(body)s asks for your opinion on “%(title)s” by %(deadline)s.") % {
        "body": sheet.body.name,
        "title": sheet.title,
        "deadline": deadline,
    }
    for channel, _address in notify.contacts(member):
        notify.notify(
            member,
            channel,
            subject=subject,
            text=text if channel == notify.EMAIL else subject,
            topic=f"cabinet_{topic}",
            about=("sheet", sheet.pk),
            key=f"{topic}:{sheet.pk}",
        )


def _schedule_close(sheet: Sheet) -> None:
    """Close the sheet at its deadline, when the task back end can wait; otherwise
    ``manage.py cabinet_due`` (cron) does it."""
    close = task_named(CLOSE_SHEET)
    if close.get_backend().supports_defer:
        deadline = sheet.deadline
        transaction.on_commit(lambda: close.using(run_after=deadline).enqueue(sheet.pk))


@dataclass(frozen=True)
class Given:
    choice: str
    text: str = ""


def answer(member: User, sheet_id: int, answers: Mapping[int, Given]) -> Sheet:
    """The member's answers to some or all questions (by question id); answering again changes
    them, until the deadline. When every member has answered every question, the sheet closes."""
    errors: dict[str, str] = {}
    for question_id, given in answers.items():
        if given.choice not in Choice.values:
            errors[f"question_{question_id}"] = _("Choose agree, disagree or another opinion.")
        elif given.choice == Choice.OTHER and not given.text.strip():
            errors[f"question_{question_id}"] = _("Write your opinion.")
    if errors or not answers:
        raise InvalidInput(
            _("Your answers are not complete."),
            errors or {"answers": _("Answer at least one question.")},
        )
    with transaction.atomic():
        sheet = _lock(sheet_id)
        recipient = sheet.recipients.filter(user=member).first()
        if recipient is None:
            access.deny(member, "answer", "sheet", sheet.pk)
            raise NotAllowed(_("This opinion sheet was not sent to you."))
        if sheet.state != SheetState.OPEN or timezone.now() >= sheet.deadline:
            raise WrongState(
                _("The deadline has passed: answers can no longer be given or changed.")
            )
        questions = {q.pk: q for q in sheet.questions.all()}
        unknown = [qid for qid in answers if qid not in questions]
        if unknown:
            raise InvalidInput(
                _("Your answers are not complete."),
                {f"question_{qid}": _("No such question.") for qid in unknown},
            )
        now = timezone.now()
        for question_id, given in answers.items():
            text = given.text.strip()[:4000]
            Answer.objects.update_or_create(
                question_id=question_id,
                member=member,
                defaults={"choice": given.choice, "text": text, "at": now},
            )
            record(
                sheet.body,
                "answered",
                member,
                sheet=sheet,
                question=question_id,
                choice=given.choice,
            )
        if _all_answered(sheet):
            enqueue_with_commit(task_named(CLOSE_SHEET), sheet.pk)
    return sheet


def _all_answered(sheet: Sheet) -> bool:
    expected = sheet.recipients.count() * sheet.questions.count()
    return Answer.objects.filter(question__sheet=sheet).count() >= expected


def tally_of(sheet: Sheet) -> list[tally.QuestionTally]:
    """Each question's count and answers (for the secretariat, or once published)."""
    members = sheet.recipients.count()
    chairs = set(sheet.recipients.filter(role=SeatRole.CHAIR).values_list("user_id", flat=True))
    rows = []
    for question in sheet.questions.all():
        answers = list(
            question.answers.select_related("member").order_by("member__full_name", "pk")
        )
        count = tally.count(members, [(a.choice, a.member_id in chairs) for a in answers])
        rows.append(tally.QuestionTally(question, count, answers))
    return rows


def close_sheet(sheet_id: int) -> Sheet:
    """At the deadline, or once everyone has answered: each question's outcome recorded, the
    sheet closed (the tally published to its members), then its summary drawn up, signed and
    filed. Idempotent: a sheet closed earlier is only signed if its summary is missing."""
    with transaction.atomic():
        sheet = _lock(sheet_id)
        if sheet.state == SheetState.OPEN:
            if timezone.now() < sheet.deadline and not _all_answered(sheet):
                return sheet  # woken early: not due yet
            for row in tally_of(sheet):
                row.question.outcome = row.count.outcome
                row.question.save(update_fields=["outcome"])
            sheet.state, sheet.closed_at = SheetState.CLOSED, timezone.now()
            sheet.summary_key = reserve_code()
            sheet.save(update_fields=["state", "closed_at", "summary_key"])
            record(
                sheet.body,
                "sheet_closed",
                None,
                sheet=sheet,
                outcomes=[r.count.outcome for r in tally_of(sheet)],
            )
    if sheet.state == SheetState.CLOSED and not sheet.summary_code:
        sign_summary(sheet)
    return sheet


def sign_summary(sheet: Sheet) -> Sheet:
    """Báo cáo tổng hợp ý kiến: drawn up from the tally, signed by the body's agency, filed
    (verifiable at /verify/)."""
    rows = tally_of(sheet)
    document = issue_signed_pdf(
        sheet.body.agency,
        title=_("Summary of members' opinions: %(title)s") % {"title": sheet.title},
        document_type="cabinet_sheet_summary",
        render=lambda code: summaries.sheet_summary_pdf(sheet, rows, code),
        actor=sheet.created_by,
        reason=_("Summary of members' opinions"),
        code=sheet.summary_key,
    )
    with transaction.atomic():
        locked = _lock(sheet.pk)
        if not locked.summary_code:
            locked.summary_code = document.code
            locked.save(update_fields=["summary_code"])
            record(locked.body, "summary_signed", None, sheet=locked, code=document.code)
    sheet.summary_code = locked.summary_code
    return sheet


def due_work(now: datetime | None = None) -> tuple[int, int]:
    """What cron does (``manage.py cabinet_due``): close each sheet past its deadline (or sign a
    closed one's missing summary), and remind the members who have not answered a sheet due
    within ``REMINDER_BEFORE``. Returns (closed, reminded members)."""
    now = now or timezone.now()
    closed = 0
    due = Sheet.objects.filter(state=SheetState.OPEN, deadline__lte=now) | Sheet.objects.filter(
        state=SheetState.CLOSED, summary_code=""
    )
    for sheet_id in due.values_list("pk", flat=True):
        close_sheet(sheet_id)
        closed += 1

    reminded = 0
    for sheet in Sheet.objects.filter(
        state=SheetState.OPEN,
        deadline__gt=now,
        deadline__lte=now + REMINDER_BEFORE,
        reminded_at=None,
    ).select_related("body"):
        with transaction.atomic():
            locked = _lock(sheet.pk)
            if locked.reminded_at is not None:
                continue
            questions = locked.questions.count()
            for recipient in locked.recipients.select_related("user"):
                given = Answer.objects.filter(question__sheet=locked, member=recipient.user).count()
                if given < questions:
                    _tell(recipient.user, locked, "sheet_reminder")
                    reminded += 1
            locked.reminded_at = now
            locked.save(update_fields=["reminded_at"])
            record(locked.body, "sheet_reminded", None, sheet=locked)
    return closed, reminded


def annotate(reader: User, paper: Paper, page: int, text: str) -> None:
    """A private note on a page of a paper the reader may see; nobody else reads it."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Write the note."), {"text": _("This field is required.")})
    if not 1 <= page <= paper.pages:
        raise InvalidInput(
            _("No such page."), {"page": _("Between 1 and %(n)d.") % {"n": paper.pages}}
        )
    from .models import Annotation

    Annotation.objects.create(paper=paper, author=reader, page=page, text=text[:4000])
