"""The permission matrix of docs/cabinet.md: secretariat, member (the chair, and a plain member),
guest, delegate and outsider against every action, each refusal a "not allowed" or a "not
found"; the tally page and the signed documents' downloads over HTTP."""

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.http import Http404
from django.test import Client
from django.utils import timezone

from egov.cabinet import access, meetings, services
from egov.cabinet.constants import Reply, SheetState
from egov.cabinet.meetings import Item
from egov.cabinet.models import Body, Meeting, Sheet
from egov.core.errors import NotAllowed, NotFound
from egov.core.models import Agency, AuditEntry
from egov.identity.models import User
from tests.conftest import log_in

from .conftest import CITY, pdf_paper

#: The columns of the matrix: "chair" and "member" are both members (the chair is not a plain
#: member: the tie-break is theirs); "delegate" attends for the vice-chair.
WHO = ("secretary", "chair", "member", "guest", "delegate", "outsider")


@pytest.fixture
def cast(
    people: dict[str, User], agencies: dict[str, Agency], make_official: Callable[..., User]
) -> dict[str, User]:
    return {
        **people,
        "member": people["member2"],  # a plain member (role "member"), not the chair
        "delegate": make_official(agencies[CITY], username="delegate"),
    }


@pytest.fixture
def world(body: Body, cast: dict[str, User]) -> tuple[Sheet, Meeting, Meeting]:
    """An open sheet; a meeting in session (the vice-chair sent a delegate, the chair asked to
    speak); another meeting whose invitations are out, not opened yet."""
    secretary = cast["secretary"]
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
    meetings.invite_guest(secretary, meeting.pk, cast["guest"])
    meetings.publish(secretary, meeting.pk)
    meetings.reply(cast["member1"], meeting.pk, Reply.DELEGATED, cast["delegate"])
    meetings.open_meeting(secretary, meeting.pk)
    meetings.check_in(cast["chair"], meeting.pk)
    meetings.request_to_speak(cast["chair"], meeting.pk)
    later = meetings.create_meeting(
        secretary, body, title="Phiên sau", starts_at=timezone.now(), items=[meetings.Item("Hai")]
    )
    meetings.invite_guest(secretary, later.pk, cast["guest"])
    meetings.publish(secretary, later.pk)
    return sheet, meeting, later


def close_sheet(sheet: Sheet, people: dict[str, User]) -> Sheet:
    """Every member answers: the sheet closes, its tally is published, its summary signed."""
    question = sheet.questions.get()
    for name in ("chair", "member1", "member2"):
        services.answer(people[name], sheet.pk, {question.pk: services.Given("agree")})
    closed = services.close_sheet(sheet.pk)
    assert closed.state == SheetState.CLOSED and closed.summary_code
    return closed


def close_meeting(meeting: Meeting, secretary: User) -> Meeting:
    """The meeting closes and its minutes are signed (as the worker does after the commit)."""
    meetings.close_meeting(secretary, meeting.pk)
    closed = meetings.sign_minutes(meeting.pk)
    assert closed.minutes_code
    return closed


def _actions(
    cast: dict[str, User], sheet: Sheet, meeting: Meeting, later: Meeting
) -> dict[str, Callable[[User], Any]]:
    question, item = sheet.questions.get(), meeting.items.get()
    paper = sheet.papers.get()
    secretary = cast["secretary"]
    request = meeting.speakers.get()
    return {
        "see the sheet": lambda u: access.sheet_for(u, sheet.pk),
        "answer the sheet": lambda u: services.answer(
            u, sheet.pk, {question.pk: services.Given("agree")}
        ),
        "see others' answers while open": lambda u: (
            access.sees_answers_of_others(u, sheet) or _refuse()
        ),
        "see the tally once closed": lambda u: (
            access.sees_answers_of_others(u, close_sheet(sheet, cast)) or _refuse()
        ),
        "download the signed summary": lambda u: services.read_signed(
            u, access.sheet_for(u, close_sheet(sheet, cast).pk)
        ),
        "draft a sheet": lambda u: services.create_sheet(
            u,
            sheet.body,
            title="Khác",
            kind="report",
            deadline=timezone.now() + timedelta(days=1),
            questions=["?"],
        ),
        "add a paper": lambda u: services.add_paper(
            u, sheet.body, "Báo cáo", pdf_paper("Báo cáo"), "normal"
        ),
        "attach a paper": lambda u: meetings.attach_paper(u, item.pk, paper),
        "prepare a meeting": lambda u: meetings.create_meeting(
            u, sheet.body, title="Họp", starts_at=timezone.now(), items=[Item("Bốn")]
        ),
        "invite a guest": lambda u: meetings.invite_guest(u, meeting.pk, cast["admin"]),
        "send a sheet": lambda u: services.send_sheet(
            u,
            services.create_sheet(
                secretary,
                sheet.body,
                title="Khác",
                kind="report",
                deadline=timezone.now() + timedelta(days=1),
                questions=["?"],
            ).pk,
        ),
        "send the invitations": lambda u: meetings.publish(
            u,
            meetings.create_meeting(
                secretary, sheet.body, title="Họp", starts_at=timezone.now(), items=[Item("Ba")]
            ).pk,
        ),
        "see the meeting": lambda u: access.meeting_for(u, meeting.pk),
        "reply to the invitation": lambda u: meetings.reply(u, meeting.pk, "attending"),
        "check in": lambda u: meetings.check_in(u, meeting.pk),
        "ask to speak": lambda u: (
            meetings.check_in(u, meeting.pk),
            meetings.request_to_speak(u, meeting.pk),
        ),
        "open the meeting": lambda u: meetings.open_meeting(u, later.pk),
        "move the current item": lambda u: meetings.set_current_item(u, meeting.pk, item.pk),
        "give the floor": lambda u: meetings.give_floor(u, request.pk),
        "record a conclusion": lambda u: meetings.conclude(u, meeting.pk, item.pk, "Kết luận"),
        "close the meeting": lambda u: meetings.close_meeting(u, meeting.pk),
        "download the signed minutes": lambda u: services.read_signed(
            u, access.meeting_for(u, close_meeting(meeting, secretary).pk)
        ),
        "read the paper": lambda u: access.paper_for(u, paper.pk),
        "manage seats": lambda u: services.set_seat(u, sheet.body, cast["admin"], "member"),
    }


def _refuse() -> None:
    raise NotAllowed("no")


#: Who may do each action (docs/cabinet.md, "Permission matrix"): a row there per key here.
MEMBERS = {"chair", "member"}
ALLOWED = {
    "see the sheet": {"secretary", *MEMBERS},
    "answer the sheet": MEMBERS,
    "see others' answers while open": {"secretary"},  # the body's rules say no (the default)
    "see the tally once closed": {"secretary", *MEMBERS},
    "download the signed summary": {"secretary", *MEMBERS},
    "draft a sheet": {"secretary"},
    "send a sheet": {"secretary"},
    "add a paper": {"secretary"},
    "attach a paper": {"secretary"},
    "prepare a meeting": {"secretary"},
    "invite a guest": {"secretary"},
    "send the invitations": {"secretary"},
    "see the meeting": {"secretary", *MEMBERS, "guest", "delegate"},
    "reply to the invitation": {*MEMBERS, "guest"},
    "check in": {*MEMBERS, "guest", "delegate"},
    "ask to speak": {*MEMBERS, "guest", "delegate"},
    "open the meeting": {"secretary"},
    "move the current item": {"secretary"},
    "give the floor": {"secretary"},
    "record a conclusion": {"secretary"},
    "close the meeting": {"secretary"},
    "download the signed minutes": {"secretary", *MEMBERS, "guest", "delegate"},
    "read the paper": {"secretary", *MEMBERS, "guest", "delegate"},
    "manage seats": set(),  # the administrator only
}


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("who", WHO)
def test_the_matrix(
    world: tuple[Sheet, Meeting, Meeting], cast: dict[str, User], who: str, action: str
) -> None:
    act = _actions(cast, *world)[action]
    if who in ALLOWED[action]:
        act(cast[who])
    else:
        with pytest.raises((NotAllowed, NotFound, Http404)):
            act(cast[who])


DOCS = Path(__file__).resolve().parents[2] / "docs" / "cabinet.md"
#: The matrix's columns in docs/cabinet.md, and who of ``WHO`` each one stands for.
COLUMNS = {
    "secretariat": {"secretary"},
    "member": MEMBERS,
    "guest": {"guest"},
    "delegate": {"delegate"},
    "outsider": {"outsider"},
}


def documented_matrix() -> dict[str, set[str]]:
    """docs/cabinet.md's permission matrix: who may do each action ("✓…" in a cell; "—…" or
    nothing refuses)."""
    text = DOCS.read_text(encoding="utf-8").split("## Permission matrix", 1)[1]
    rows = [line for line in text.split("\n## ", 1)[0].splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert header == ["action", *COLUMNS], header
    matrix = {}
    for row in rows[2:]:
        action, *cells = (cell.strip() for cell in row.strip("|").split("|"))
        matrix[action] = {
            who
            for column, cell in zip(COLUMNS, cells, strict=True)
            if cell.startswith("✓")
            for who in COLUMNS[column]
        }
    return matrix


def test_the_documented_matrix_is_the_tested_one() -> None:
    assert documented_matrix() == ALLOWED


def test_the_administrator_manages_seats_and_nothing_else(
    world: tuple[Sheet, Meeting, Meeting], people: dict[str, User]
) -> None:
    sheet, meeting, _later = world
    services.set_seat(people["admin"], sheet.body, people["outsider"], "member")
    with pytest.raises(Http404):
        access.sheet_for(people["admin"], sheet.pk)
    with pytest.raises(Http404):
        access.meeting_for(people["admin"], meeting.pk)


# --- over HTTP ------------------------------------------------------------------------------------


def as_(client: Client, user: User) -> Client:
    client.logout()
    log_in(client, user)
    return client


@pytest.mark.parametrize("closed", [False, True], ids=["open", "closed"])
@pytest.mark.parametrize("who", ["guest", "delegate", "outsider"])
def test_the_tally_page_is_refused_to_whoever_was_not_sent_the_sheet(
    world: tuple[Sheet, Meeting, Meeting],
    cast: dict[str, User],
    client: Client,
    who: str,
    closed: bool,
) -> None:
    sheet = close_sheet(world[0], cast) if closed else world[0]
    as_(client, cast[who])
    assert client.get(f"/ecabinet/phieu/{sheet.pk}/kiem-phieu/").status_code == 404
    assert client.get(f"/ecabinet/phieu/{sheet.pk}/").status_code == 404
    assert AuditEntry.objects.filter(
        action="permission_denied", object_type="sheet", object_id=str(sheet.pk), actor=cast[who]
    ).exists()


@pytest.mark.parametrize("who", WHO)
def test_the_signed_documents_download_for_those_entitled_only(
    world: tuple[Sheet, Meeting, Meeting], cast: dict[str, User], client: Client, who: str
) -> None:
    sheet, meeting, _later = world
    sheet, meeting = close_sheet(sheet, cast), close_meeting(meeting, cast["secretary"])
    as_(client, cast[who])
    for url, code, allowed in (
        (
            f"/ecabinet/phieu/{sheet.pk}/tong-hop.pdf",
            sheet.summary_code,
            ALLOWED["download the signed summary"],
        ),
        (
            f"/ecabinet/hop/{meeting.pk}/bien-ban.pdf",
            meeting.minutes_code,
            ALLOWED["download the signed minutes"],
        ),
        (
            f"/api/v1/cabinet/sheets/{sheet.pk}/summary",
            sheet.summary_code,
            ALLOWED["download the signed summary"],
        ),
        (
            f"/api/v1/cabinet/meetings/{meeting.pk}/minutes",
            meeting.minutes_code,
            ALLOWED["download the signed minutes"],
        ),
    ):
        answer = client.get(url)
        if who in allowed:
            assert answer.status_code == 200, url
            assert code in answer["Content-Disposition"]
        else:
            assert answer.status_code == 404, url
