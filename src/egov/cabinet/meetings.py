"""Meetings (phiên họp, hội nghị): the secretariat prepares the agenda and invites; members and
guests reply, read and annotate; in the room the secretariat moves the current item, gives the
floor and records conclusions, which every participant's page follows (``Meeting.version``);
afterwards the minutes are signed and distributed. Every change is a ``CabinetEvent``."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core import notify
from egov.core.errors import InvalidInput, NotAllowed, WrongState
from egov.core.files import read_stored
from egov.core.queue import enqueue_with_commit, task_named
from egov.exchange import access as exchange_access
from egov.identity.models import User
from egov.records.issuing import issue_signed_pdf, reserve_code

from . import access, services, summaries, watermark
from .constants import MEMBER_ROLES, MeetingState, Reply, SpeakState
from .models import AgendaItem, Body, Invitation, Meeting, Paper, Seat, SpeakRequest

SIGN_MINUTES = "egov.cabinet.tasks.sign_minutes"


@dataclass(frozen=True)
class Item:
    title: str
    presenter: str = ""
    minutes: int = 15


def _event(meeting: Meeting, kind: str, actor: User | None, **data: Any) -> None:
    services.record(meeting.body_id, kind, actor, meeting=meeting, **data)


def _lock(meeting_id: int) -> Meeting:
    return (
        Meeting.objects.select_for_update()
        .select_related("body", "body__agency")
        .get(pk=meeting_id)
    )


def _moved(meeting: Meeting) -> None:
    """Every participant's page refreshes when the version moves."""
    Meeting.objects.filter(pk=meeting.pk).update(version=F("version") + 1)
    meeting.refresh_from_db(fields=["version"])


def create_meeting(
    secretary: User,
    body: Body,
    *,
    title: str,
    starts_at: datetime | None,
    place: str = "",
    items: Sequence[Item] = (),
) -> Meeting:
    access.require_secretary(secretary, body)
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("This field is required.")
    if starts_at is None:
        errors["starts_at"] = _("Give the date and time.")
    items = [item for item in items if item.title.strip()]
    if not items:
        errors["items"] = _("Put at least one item on the agenda.")
    if any(not 1 <= item.minutes <= 600 for item in items):
        errors["items"] = _("Each item lasts between 1 and 600 minutes.")
    if errors or starts_at is None:
        raise InvalidInput(_("The meeting is not complete yet."), errors)
    with transaction.atomic():
        meeting = Meeting.objects.create(
            body=body,
            title=title[:300],
            starts_at=starts_at,
            place=place[:200],
            created_by=secretary,
        )
        AgendaItem.objects.bulk_create(
            AgendaItem(
                meeting=meeting,
                position=n,
                title=item.title.strip()[:300],
                presenter=item.presenter.strip()[:200],
                minutes=item.minutes,
            )
            for n, item in enumerate(items, 1)
        )
        _event(meeting, "meeting_created", secretary, items=len(items))
    return meeting


def _secretary_lock(secretary: User, meeting_id: int) -> Meeting:
    meeting = _lock(meeting_id)
    access.require_secretary(secretary, meeting.body)
    return meeting


def attach_paper(secretary: User, item_id: int, paper: Paper) -> None:
    with transaction.atomic():
        item = AgendaItem.objects.select_related("meeting").get(pk=item_id)
        meeting = _secretary_lock(secretary, item.meeting_id)
        if paper.body_id != meeting.body_id:
            raise InvalidInput(
                _("A paper of another body."), {"paper": _("A paper of another body.")}
            )
        if meeting.state == MeetingState.CLOSED:
            raise WrongState(_("The meeting is closed."))
        item.papers.add(paper)
        _event(meeting, "paper_attached", secretary, item=item.pk, paper=paper.pk)
        _moved(meeting)


def paper_from_exchange(
    secretary: User, body: Body, document_id: int, confidentiality: str
) -> Paper:
    """A paper taken from an official document received on the exchange axis (its signed main
    file), which the secretary may see there."""
    access.require_secretary(secretary, body)
    document = exchange_access.document_for(secretary, document_id)
    main = document.attachments.filter(is_main=True).select_related("file").first()
    if main is None or main.content_type != "application/pdf":
        raise InvalidInput(_("This document has no PDF main file."), {"document": _("No PDF.")})
    paper = Paper.objects.create(
        body=body,
        title=(document.subject or main.name)[:300],
        file=main.file,
        filename=main.name[:128],
        pages=watermark.page_count(read_stored(main.file)),
        confidentiality=confidentiality,
        exchange_document_id=document.pk,
        added_by=secretary,
    )
    services.record(body, "paper_added", secretary, paper=paper.pk, exchange_document=document.pk)
    return paper


def invite_guest(secretary: User, meeting_id: int, guest: User) -> Invitation:
    with transaction.atomic():
        meeting = _secretary_lock(secretary, meeting_id)
        if meeting.state == MeetingState.CLOSED:
            raise WrongState(_("The meeting is closed."))
        if not guest.is_official:
            raise InvalidInput(_("Only officials are invited."), {"guest": _("Not an official.")})
        invitation, created = Invitation.objects.get_or_create(
            meeting=meeting, user=guest, defaults={"guest": True}
        )
        if created:
            _event(meeting, "guest_invited", secretary, user=guest.pk)
            if meeting.state != MeetingState.DRAFT:
                _tell(guest, meeting)
    return invitation


def _tell(person: User, meeting: Meeting) -> None:
    when = timezone.localtime(meeting.starts_at).strftime("%H:%M %d/%m/%Y")
    subject = _("Invitation: %(title)s, %(when)s") % {"title": meeting.title, "when": when}
    for channel, _address in notify.contacts(person):
        notify.notify(
            person,
            channel,
            subject=subject,
            text=subject,
            topic="cabinet_invitation",
            about=("meeting", meeting.pk),
            key=f"meeting:{meeting.pk}",
        )


def publish(secretary: User, meeting_id: int) -> Meeting:
    """Send the invitations: every member of the body, and the guests added."""
    with transaction.atomic():
        meeting = _secretary_lock(secretary, meeting_id)
        if meeting.state != MeetingState.DRAFT:
            raise WrongState(_("The invitations have already been sent."))
        for seat in Seat.objects.filter(body=meeting.body, active=True, role__in=MEMBER_ROLES):
            Invitation.objects.get_or_create(meeting=meeting, user_id=seat.user_id)
        meeting.state = MeetingState.PUBLISHED
        meeting.save(update_fields=["state"])
        for invitation in meeting.invitations.select_related("user"):
            _tell(invitation.user, meeting)
        _event(meeting, "meeting_published", secretary, invited=meeting.invitations.count())
        _moved(meeting)
    return meeting


def reply(person: User, meeting_id: int, answer: str, delegate: User | None = None) -> Invitation:
    """Xác nhận tham dự: attend, cannot attend, or (where the rules allow) send a delegate."""
    if answer not in (Reply.ATTENDING, Reply.ABSENT, Reply.DELEGATED):
        raise InvalidInput(_("Choose your answer."), {"reply": _("Choose your answer.")})
    with transaction.atomic():
        meeting = _lock(meeting_id)
        invitation = meeting.invitations.filter(user=person).first()
        if invitation is None or meeting.state == MeetingState.DRAFT:
            access.deny(person, "reply", "meeting", meeting.pk)
            raise NotAllowed(_("You are not invited to this meeting."))
        if meeting.state == MeetingState.CLOSED:
            raise WrongState(_("The meeting is closed."))
        if answer == Reply.DELEGATED:
            if invitation.guest or not meeting.body.delegation_allowed:
                raise NotAllowed(_("The rules of this body do not allow a delegate here."))
            if delegate is None or not delegate.is_official or delegate.pk == person.pk:
                raise InvalidInput(
                    _("Choose who attends for you."), {"delegate": _("Choose an official.")}
                )
        invitation.reply = answer
        invitation.delegate = delegate if answer == Reply.DELEGATED else None
        invitation.save(update_fields=["reply", "delegate"])
        _event(meeting, "replied", person, reply=answer, delegate=getattr(delegate, "pk", None))
        _moved(meeting)
    return invitation


def open_meeting(secretary: User, meeting_id: int) -> Meeting:
    with transaction.atomic():
        meeting = _secretary_lock(secretary, meeting_id)
        if meeting.state != MeetingState.PUBLISHED:
            raise WrongState(_("Only a meeting whose invitations were sent is opened."))
        meeting.state, meeting.opened_at = MeetingState.IN_PROGRESS, timezone.now()
        meeting.current_item = meeting.items.first()
        meeting.save(update_fields=["state", "opened_at", "current_item"])
        _event(meeting, "meeting_opened", secretary)
        _moved(meeting)
    return meeting


def _in_session(meeting: Meeting) -> None:
    if meeting.state != MeetingState.IN_PROGRESS:
        raise WrongState(_("The meeting is not in session."))


def check_in(person: User, meeting_id: int) -> Invitation:
    """Điểm danh: the invited person (or their delegate) is present."""
    with transaction.atomic():
        meeting = _lock(meeting_id)
        _in_session(meeting)
        invitation = (
            meeting.invitations.filter(user=person).first()
            or meeting.invitations.filter(delegate=person).first()
        )
        if invitation is None:
            access.deny(person, "check_in", "meeting", meeting.pk)
            raise NotAllowed(_("You are not invited to this meeting."))
        if invitation.present_at is None:
            invitation.present_at = timezone.now()
            invitation.save(update_fields=["present_at"])
            _event(meeting, "present", person, invitation=invitation.pk)
            _moved(meeting)
    return invitation


def set_current_item(secretary: User, meeting_id: int, item_id: int) -> Meeting:
    with transaction.atomic():
        meeting = _secretary_lock(secretary, meeting_id)
        _in_session(meeting)
        item = meeting.items.filter(pk=item_id).first()
        if item is None:
            raise InvalidInput(_("No such item."), {"item": _("No such item.")})
        meeting.current_item = item
        meeting.save(update_fields=["current_item"])
        _event(meeting, "item_current", secretary, item=item.pk)
        _moved(meeting)
    return meeting


def request_to_speak(person: User, meeting_id: int) -> SpeakRequest:
    """Đăng ký phát biểu on the current item: a participant who is present."""
    with transaction.atomic():
        meeting = _lock(meeting_id)
        _in_session(meeting)
        present = (
            meeting.invitations.filter(present_at__isnull=False).filter(user=person).exists()
            or meeting.invitations.filter(present_at__isnull=False, delegate=person).exists()
        )
        if not present:
            access.deny(person, "speak", "meeting", meeting.pk)
            raise NotAllowed(_("Check in first to ask to speak."))
        assert meeting.current_item_id is not None
        request, created = SpeakRequest.objects.get_or_create(
            meeting=meeting,
            item_id=meeting.current_item_id,
            user=person,
            state=SpeakState.WAITING,
        )
        if created:
            _event(meeting, "speak_requested", person, item=meeting.current_item_id)
            _moved(meeting)
    return request


def give_floor(secretary: User, request_id: int, state: str = SpeakState.SPEAKING) -> SpeakRequest:
    """The chair's office gives the floor, or marks the speech done."""
    if state not in (SpeakState.SPEAKING, SpeakState.DONE, SpeakState.WITHDRAWN):
        raise InvalidInput(_("No such state."), {"state": _("No such state.")})
    request = SpeakRequest.objects.filter(pk=request_id).first()
    if request is None:
        raise InvalidInput(_("No such request to speak."), {"request": _("No such request.")})
    with transaction.atomic():
        meeting = _secretary_lock(secretary, request.meeting_id)
        _in_session(meeting)
        if state == SpeakState.SPEAKING:
            meeting.speakers.filter(state=SpeakState.SPEAKING).update(state=SpeakState.DONE)
        SpeakRequest.objects.filter(pk=request.pk).update(state=state)
        request.state = state
        _event(meeting, f"speaker_{state}", secretary, request=request.pk)
        _moved(meeting)
    return request


def conclude(secretary: User, meeting_id: int, item_id: int, text: str) -> AgendaItem:
    """Kết luận: the conclusion of an item, recorded live (changed until the meeting closes)."""
    with transaction.atomic():
        meeting = _secretary_lock(secretary, meeting_id)
        _in_session(meeting)
        item = meeting.items.filter(pk=item_id).first()
        if item is None:
            raise InvalidInput(_("No such item."), {"item": _("No such item.")})
        item.conclusion = (text or "").strip()[:8000]
        item.save(update_fields=["conclusion"])
        _event(meeting, "concluded", secretary, item=item.pk)
        _moved(meeting)
    return item


def close_meeting(secretary: User, meeting_id: int) -> Meeting:
    """The meeting ends; its minutes and conclusions are signed and sent to every participant."""
    with transaction.atomic():
        meeting = _secretary_lock(secretary, meeting_id)
        _in_session(meeting)
        meeting.state, meeting.closed_at, meeting.current_item = (
            MeetingState.CLOSED,
            timezone.now(),
            None,
        )
        meeting.minutes_key = reserve_code()
        meeting.save(update_fields=["state", "closed_at", "current_item", "minutes_key"])
        _event(meeting, "meeting_closed", secretary)
        _moved(meeting)
        # Signed by the worker once committed (a task row in this transaction: a crash strands
        # nothing; ``cabinet_due`` signs any closed meeting still without minutes).
        enqueue_with_commit(task_named(SIGN_MINUTES), meeting.pk)
    return meeting


def sign_minutes(meeting_id: int) -> Meeting:
    """Biên bản và kết luận: signed by the body's agency under the code reserved at closing (so
    a retry issues it once), filed, each participant told once."""
    meeting = Meeting.objects.select_related("body__agency", "created_by").get(pk=meeting_id)
    if meeting.minutes_code or meeting.state != MeetingState.CLOSED:
        return meeting
    secretary = meeting.created_by
    invitations = list(meeting.invitations.select_related("user", "delegate"))
    items = list(meeting.items.all())
    document = issue_signed_pdf(
        meeting.body.agency,
        title=_("Minutes: %(title)s") % {"title": meeting.title},
        document_type="cabinet_minutes",
        render=lambda code: summaries.minutes_pdf(meeting, items, invitations, code),
        actor=secretary,
        reason=_("Minutes and conclusions of the meeting"),
        code=meeting.minutes_key,
    )
    with transaction.atomic():
        locked = _lock(meeting.pk)
        if not locked.minutes_code:
            locked.minutes_code = document.code
            locked.save(update_fields=["minutes_code"])
            _event(locked, "minutes_signed", secretary, code=document.code)
            subject = _("Minutes of %(title)s: %(code)s") % {
                "title": locked.title,
                "code": document.code,
            }
            for invitation in invitations:
                for person in filter(None, (invitation.user, invitation.delegate)):
                    for channel, _address in notify.contacts(person):
                        notify.notify(
                            person,
                            channel,
                            subject=subject,
                            text=subject,
                            topic="cabinet_minutes",
                            about=("meeting", locked.pk),
                            key=f"minutes:{locked.pk}",
                        )
    meeting.minutes_code = locked.minutes_code
    return meeting


def sign_missing_minutes() -> int:
    """``cabinet_due``: sign the minutes of each closed meeting still without them (its task
    was lost with a dead worker, or signing failed); returns how many."""
    missing = Meeting.objects.filter(state=MeetingState.CLOSED, minutes_code="")
    signed = 0
    for meeting_id in missing.values_list("pk", flat=True):
        signed += bool(sign_minutes(meeting_id).minutes_code)
    return signed
