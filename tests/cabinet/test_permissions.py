"""The permission matrix of docs/cabinet.md: secretariat, member, guest and outsider against
every action, each refusal a "not allowed" or a "not found"."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.http import Http404
from django.utils import timezone

from egov.cabinet import access, meetings, services
from egov.cabinet.models import Body, Meeting, Sheet
from egov.core.errors import NotAllowed, NotFound
from egov.identity.models import User

from .conftest import pdf_paper

WHO = ("secretary", "chair", "guest", "outsider")


@pytest.fixture
def world(body: Body, people: dict[str, User]) -> tuple[Sheet, Meeting]:
    secretary = people["secretary"]
    paper = services.add_paper(secretary, body, "Dự thảo", pdf_paper(), "confidential")
    sheet = services.create_sheet(
        secretary,
        body,
        title="Dự thảo",
        kind="resolution",
        deadline=timezone.now() + timedelta(days=1),
        questions=["Đồng ý?"],
        papers=[paper],
    )
    services.send_sheet(secretary, sheet.pk)
    meeting = meetings.create_meeting(
        secretary, body, title="Phiên họp", starts_at=timezone.now(), items=[meetings.Item("Một")]
    )
    meetings.attach_paper(secretary, meeting.items.get().pk, paper)
    meetings.invite_guest(secretary, meeting.pk, people["guest"])
    meetings.publish(secretary, meeting.pk)
    meetings.open_meeting(secretary, meeting.pk)
    return sheet, meeting


def _actions(
    people: dict[str, User], sheet: Sheet, meeting: Meeting
) -> dict[str, Callable[[User], Any]]:
    question, item = sheet.questions.get(), meeting.items.get()
    paper = sheet.papers.get()
    return {
        "see the sheet": lambda u: access.sheet_for(u, sheet.pk),
        "answer the sheet": lambda u: services.answer(
            u, sheet.pk, {question.pk: services.Given("agree")}
        ),
        "see others' answers while open": lambda u: (
            access.sees_answers_of_others(u, sheet) or _refuse()
        ),
        "draft a sheet": lambda u: services.create_sheet(
            u,
            sheet.body,
            title="Khác",
            kind="report",
            deadline=timezone.now() + timedelta(days=1),
            questions=["?"],
        ),
        "see the meeting": lambda u: access.meeting_for(u, meeting.pk),
        "reply to the invitation": lambda u: meetings.reply(u, meeting.pk, "attending"),
        "check in": lambda u: meetings.check_in(u, meeting.pk),
        "move the current item": lambda u: meetings.set_current_item(u, meeting.pk, item.pk),
        "record a conclusion": lambda u: meetings.conclude(u, meeting.pk, item.pk, "Kết luận"),
        "invite a guest": lambda u: meetings.invite_guest(u, meeting.pk, people["admin"]),
        "read the paper": lambda u: access.paper_for(u, paper.pk),
        "manage seats": lambda u: services.set_seat(u, sheet.body, people["admin"], "member"),
    }


def _refuse() -> None:
    raise NotAllowed("no")


#: Who may do each action (docs/cabinet.md, "Permission matrix").
ALLOWED = {
    "see the sheet": {"secretary", "chair"},
    "answer the sheet": {"chair"},
    "see others' answers while open": {"secretary"},
    "draft a sheet": {"secretary"},
    "see the meeting": {"secretary", "chair", "guest"},
    "reply to the invitation": {"chair", "guest"},
    "check in": {"chair", "guest"},
    "move the current item": {"secretary"},
    "record a conclusion": {"secretary"},
    "invite a guest": {"secretary"},
    "read the paper": {"secretary", "chair", "guest"},
    "manage seats": set(),  # the administrator only
}


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("who", WHO)
def test_the_matrix(
    world: tuple[Sheet, Meeting], people: dict[str, User], who: str, action: str
) -> None:
    sheet, meeting = world
    act = _actions(people, sheet, meeting)[action]
    if who in ALLOWED[action]:
        act(people[who])
    else:
        with pytest.raises((NotAllowed, NotFound, Http404)):
            act(people[who])


def test_the_administrator_manages_seats_and_nothing_else(
    world: tuple[Sheet, Meeting], people: dict[str, User]
) -> None:
    sheet, meeting = world
    services.set_seat(people["admin"], sheet.body, people["outsider"], "member")
    with pytest.raises(Http404):
        access.sheet_for(people["admin"], sheet.pk)
    with pytest.raises(Http404):
        access.meeting_for(people["admin"], meeting.pk)
