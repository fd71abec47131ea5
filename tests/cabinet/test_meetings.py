"""Meetings: prepared and published by the secretariat, answered by the invited, run live (the
current item, attendance, requests to speak, conclusions, each moving the room's version), and
closed with signed minutes sent to everyone; a delegate only where the rules allow."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from egov.cabinet import access, meetings, services
from egov.cabinet.constants import MeetingState, Reply, SpeakState
from egov.cabinet.models import Body, Meeting
from egov.core.errors import InvalidInput, NotAllowed, WrongState
from egov.core.files import read_stored
from egov.core.models import Notification
from egov.identity.models import User

from .conftest import pdf_paper

AGENDA = [
    meetings.Item("Báo cáo tình hình kinh tế - xã hội tháng 11", "Sở Tài chính", 30),
    meetings.Item("Dự thảo Nghị quyết về bảng giá đất", "Sở Nông nghiệp và Môi trường", 45),
]


@pytest.fixture
def meeting(body: Body, people: dict[str, User]) -> Meeting:
    made = meetings.create_meeting(
        people["secretary"],
        body,
        title="Phiên họp thường kỳ tháng 12",
        starts_at=timezone.now() + timedelta(days=1),
        place="Phòng họp tầng 3",
        items=AGENDA,
    )
    paper = services.add_paper(
        people["secretary"], body, "Báo cáo KT-XH", pdf_paper("Báo cáo", 3), "normal"
    )
    meetings.attach_paper(people["secretary"], made.items.get(position=1).pk, paper)
    return made


@pytest.fixture
def published(meeting: Meeting, people: dict[str, User]) -> Meeting:
    meetings.invite_guest(people["secretary"], meeting.pk, people["guest"])
    return meetings.publish(people["secretary"], meeting.pk)


def test_the_members_and_guests_are_invited_when_published(
    meeting: Meeting, published: Meeting, people: dict[str, User]
) -> None:
    assert published.state == MeetingState.PUBLISHED
    invited = set(published.invitations.values_list("user__username", "guest"))
    assert invited == {("chair", False), ("member1", False), ("member2", False), ("guest", True)}
    told = set(
        Notification.objects.filter(topic="cabinet_invitation").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"chair", "member1", "member2", "guest"}
    paper = published.items.get(position=1).papers.get()
    for name in ("chair", "guest", "secretary"):
        assert access.paper_for(people[name], paper.pk) == paper
    from django.http import Http404

    for name in ("outsider", "admin"):
        with pytest.raises(Http404):
            access.meeting_for(people[name], published.pk)
        with pytest.raises(Http404):
            access.paper_for(people[name], paper.pk)


def test_a_draft_meeting_is_the_secretariats_only(
    meeting: Meeting, people: dict[str, User]
) -> None:
    assert access.visible_meetings(people["secretary"]).filter(pk=meeting.pk).exists()
    meetings.invite_guest(people["secretary"], meeting.pk, people["guest"])
    assert not access.visible_meetings(people["guest"]).filter(pk=meeting.pk).exists()
    with pytest.raises(NotAllowed):
        meetings.publish(people["chair"], meeting.pk)


def test_replies_and_delegation_follow_the_rules(
    published: Meeting, people: dict[str, User], body: Body
) -> None:
    meetings.reply(people["chair"], published.pk, Reply.ATTENDING)
    meetings.reply(people["member2"], published.pk, Reply.DELEGATED, people["outsider"])
    # The delegate now sees the meeting and may check in for the member.
    assert access.visible_meetings(people["outsider"]).filter(pk=published.pk).exists()
    with pytest.raises(NotAllowed):
        meetings.reply(people["guest"], published.pk, Reply.DELEGATED, people["admin"])
    with pytest.raises(InvalidInput):
        meetings.reply(people["member1"], published.pk, Reply.DELEGATED, None)
    body.delegation_allowed = False
    body.save()
    with pytest.raises(NotAllowed):
        meetings.reply(people["member1"], published.pk, Reply.DELEGATED, people["admin"])
    with pytest.raises(NotAllowed):
        meetings.reply(people["outsider"], published.pk, Reply.ATTENDING)


def test_the_room_runs_live_and_the_minutes_are_signed(
    published: Meeting, people: dict[str, User], commit: Callable[[], Any]
) -> None:
    from egov.records.models import ResultDocument
    from egov.records.verification import Outcome, verify_pdf

    secretary = people["secretary"]
    meetings.reply(people["member2"], published.pk, Reply.DELEGATED, people["outsider"])
    with pytest.raises(WrongState):
        meetings.check_in(people["chair"], published.pk)  # not in session yet
    opened = meetings.open_meeting(secretary, published.pk)
    first, second = opened.items.all()
    assert opened.current_item == first
    version = Meeting.objects.get(pk=published.pk).version
    meetings.check_in(people["chair"], published.pk)
    meetings.check_in(people["outsider"], published.pk)  # the delegate
    with pytest.raises(NotAllowed):
        meetings.request_to_speak(people["member1"], published.pk)  # not checked in
    request = meetings.request_to_speak(people["chair"], published.pk)
    assert meetings.request_to_speak(people["chair"], published.pk) == request  # once
    meetings.give_floor(secretary, request.pk)
    with pytest.raises(NotAllowed):
        meetings.set_current_item(people["chair"], published.pk, second.pk)
    meetings.set_current_item(secretary, published.pk, second.pk)
    meetings.conclude(secretary, published.pk, second.pk, "Thống nhất trình HĐND thông qua.")
    room = Meeting.objects.get(pk=published.pk)
    assert room.current_item == second and room.version > version
    request.refresh_from_db()
    assert request.state == SpeakState.SPEAKING
    present = set(
        room.invitations.filter(present_at__isnull=False).values_list("user__username", flat=True)
    )
    assert present == {"chair", "member2"}
    with commit():  # the minutes are signed by the worker once the closing commits
        meetings.close_meeting(secretary, published.pk)
    closed = Meeting.objects.get(pk=published.pk)
    assert closed.minutes_code == closed.minutes_key
    document = ResultDocument.objects.get(code=closed.minutes_code)
    assert verify_pdf(read_stored(document.file)).outcome == Outcome.VALID  # type: ignore[arg-type]
    minutes = set(
        Notification.objects.filter(topic="cabinet_minutes").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"chair", "member1", "member2", "outsider", "guest"} <= minutes
    with pytest.raises(WrongState):
        meetings.conclude(secretary, published.pk, second.pk, "Sửa sau khi đóng")
    assert meetings.sign_minutes(closed.pk).minutes_code == closed.minutes_code


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("secretary", True), ("chair", False), ("guest", False), ("outsider", False)],
)
def test_only_the_secretariat_runs_the_room(
    published: Meeting, people: dict[str, User], who: str, allowed: bool
) -> None:
    meetings.open_meeting(people["secretary"], published.pk)
    item = published.items.get(position=2)
    actions: list[Callable[[], Any]] = [
        lambda: meetings.set_current_item(people[who], published.pk, item.pk),
        lambda: meetings.conclude(people[who], published.pk, item.pk, "Kết luận"),
        lambda: meetings.invite_guest(people[who], published.pk, people["admin"]),
    ]
    for action in actions:
        if allowed:
            action()
        else:
            with pytest.raises(NotAllowed):
                action()
