"""The pages and the API: the secretariat drafts and sends a sheet with its paper, members answer
on screen or by API, the live tally is the secretariat's, the reader watermarks, the room's state
answers 204 when nothing moved; outsiders get "not found"."""

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from egov.cabinet import meetings, services
from egov.cabinet.models import Body, Meeting, Sheet
from egov.cabinet.services import Given
from egov.core.files import read_stored
from egov.core.models import AuditEntry
from egov.identity.models import User
from tests.conftest import log_in

from .conftest import pdf_paper


def as_(client: Client, user: User) -> Client:
    client.logout()
    log_in(client, user)
    return client


@pytest.fixture
def sent(body: Body, people: dict[str, User], client: Client) -> Sheet:
    as_(client, people["secretary"])
    upload = pdf_paper("Dự thảo Nghị quyết về bảng giá đất")
    deadline = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    answer = client.post(
        f"/ecabinet/{body.code}/phieu-moi/",
        {
            "title": "Dự thảo Nghị quyết về bảng giá đất",
            "kind": "resolution",
            "deadline": deadline,
            "questions": "Đồng ý thông qua dự thảo?\nĐồng ý áp dụng từ 01/01/2027?",
            "confidentiality": "confidential",
            "paper": io.BytesIO(upload.stream.read()),
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    sheet = Sheet.objects.get()
    assert sheet.papers.get().confidentiality == "confidential"
    assert client.post(f"/ecabinet/phieu/{sheet.pk}/", {"action": "send"}).status_code == 302
    sheet.refresh_from_db()
    assert sheet.state == "open"
    return sheet


def test_a_bad_sheet_form_names_each_field(
    body: Body, people: dict[str, User], client: Client
) -> None:
    as_(client, people["secretary"])
    page = client.post(f"/ecabinet/{body.code}/phieu-moi/", {"title": "", "kind": "x"})
    assert page.status_code == 422
    text = page.content.decode()
    assert 'href="#deadline"' in text and 'href="#questions"' in text


def test_members_answer_on_the_page_and_the_tally_is_the_secretariats(
    sent: Sheet, people: dict[str, User], client: Client
) -> None:
    first, second = sent.questions.all()
    as_(client, people["member1"])
    page = client.get(f"/ecabinet/phieu/{sent.pk}/").content.decode()
    assert "Đồng ý thông qua dự thảo?" in page and 'name="choice_' in page
    assert client.get(f"/ecabinet/phieu/{sent.pk}/kiem-phieu/").status_code == 404
    refused = client.post(
        f"/ecabinet/phieu/{sent.pk}/", {f"choice_{first.pk}": "other", f"text_{first.pk}": ""}
    )
    assert refused.status_code == 422
    done = client.post(
        f"/ecabinet/phieu/{sent.pk}/",
        {
            f"choice_{first.pk}": "agree",
            f"choice_{second.pk}": "other",
            f"text_{second.pk}": "Lùi 6 tháng",
        },
    )
    assert done.status_code == 302
    as_(client, people["secretary"])
    tally = client.get(f"/ecabinet/phieu/{sent.pk}/kiem-phieu/").content.decode()
    assert "Lùi 6 tháng" in tally
    as_(client, people["outsider"])
    assert client.get(f"/ecabinet/phieu/{sent.pk}/").status_code == 404


def test_the_reader_watermarks_and_audits(
    sent: Sheet, people: dict[str, User], client: Client
) -> None:
    from pypdf import PdfReader

    paper = sent.papers.get()
    reader = people["member2"]
    as_(client, reader)
    assert "Dự thảo Nghị quyết" in client.get(f"/ecabinet/tai-lieu/{paper.pk}/").content.decode()
    client.post(f"/ecabinet/tai-lieu/{paper.pk}/", {"page": "1", "text": "Xem lại khoản 2"})
    assert "Xem lại khoản 2" in client.get(f"/ecabinet/tai-lieu/{paper.pk}/").content.decode()
    download = client.get(f"/ecabinet/tai-lieu/{paper.pk}/tep.pdf?download=1")
    assert download["Content-Disposition"].startswith("attachment")
    text = PdfReader(io.BytesIO(download.content)).pages[0].extract_text()
    assert reader.full_name in text
    assert AuditEntry.objects.filter(action="paper_download", object_id=str(paper.pk)).exists()
    image = client.get(f"/ecabinet/tai-lieu/{paper.pk}/trang-2.png")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert client.get(f"/ecabinet/tai-lieu/{paper.pk}/trang-3.png").status_code == 404
    viewed = AuditEntry.objects.filter(action="paper_view", object_id=str(paper.pk)).last()
    assert viewed is not None and viewed.data["page"] == 2
    # Notes are private.
    as_(client, people["member1"])
    assert "Xem lại khoản 2" not in client.get(f"/ecabinet/tai-lieu/{paper.pk}/").content.decode()
    as_(client, people["outsider"])
    assert client.get(f"/ecabinet/tai-lieu/{paper.pk}/tep.pdf").status_code == 404


def test_the_api_lists_reads_and_answers(
    sent: Sheet, people: dict[str, User], client: Client
) -> None:
    first, second = sent.questions.all()
    as_(client, people["chair"])
    listed = client.get("/api/v1/cabinet/sheets").json()
    assert [s["id"] for s in listed["items"]] == [sent.pk]
    answered = client.post(
        f"/api/v1/cabinet/sheets/{sent.pk}/answers",
        {"answers": [{"question": first.pk, "choice": "agree"}]},
        content_type="application/json",
    )
    assert answered.status_code == 200, answered.content
    body = answered.json()
    assert body["my_answers"][str(first.pk)]["choice"] == "agree" and body["tally"] is None
    paper = client.get(f"/api/v1/cabinet/papers/{sent.papers.get().pk}")
    assert paper.status_code == 200 and paper["Content-Type"] == "application/pdf"
    as_(client, people["outsider"])
    assert client.get("/api/v1/cabinet/sheets").json()["items"] == []
    assert client.get(f"/api/v1/cabinet/sheets/{sent.pk}").status_code == 404
    wrong = client.post(
        f"/api/v1/cabinet/sheets/{sent.pk}/answers",
        {"answers": [{"question": second.pk, "choice": "agree"}]},
        content_type="application/json",
    )
    assert wrong.status_code == 404


def test_the_room_state_answers_204_until_something_moves(
    body: Body, people: dict[str, User], client: Client
) -> None:
    meeting = meetings.create_meeting(
        people["secretary"],
        body,
        title="Phiên họp chuyên đề",
        starts_at=timezone.now(),
        items=[meetings.Item("Quy hoạch"), meetings.Item("Giá đất")],
    )
    meetings.publish(people["secretary"], meeting.pk)
    meetings.open_meeting(people["secretary"], meeting.pk)
    version = Meeting.objects.get(pk=meeting.pk).version
    as_(client, people["member1"])
    state = f"/ecabinet/hop/{meeting.pk}/phong-hop/trang-thai/"
    assert client.get(state, {"v": version}).status_code == 204
    assert client.get(f"/api/v1/cabinet/meetings/{meeting.pk}", {"v": version}).status_code == 204
    second = meeting.items.get(position=2)
    meetings.set_current_item(people["secretary"], meeting.pk, second.pk)
    moved = client.get(state, {"v": version})
    assert moved.status_code == 200 and "Giá đất" in moved.content.decode()
    api = client.get(f"/api/v1/cabinet/meetings/{meeting.pk}", {"v": version}).json()
    assert api["current_item"] == second.pk
    room = client.post(f"/ecabinet/hop/{meeting.pk}/", {"action": "check_in", "next": "room"})
    assert room.status_code == 302 and room["Location"].endswith("/phong-hop/")
    as_(client, people["outsider"])
    assert client.get(state).status_code == 404


def test_the_secretariat_prepares_a_meeting_on_the_page(
    body: Body, people: dict[str, User], client: Client
) -> None:
    as_(client, people["secretary"])
    created = client.post(
        f"/ecabinet/{body.code}/phien-hop-moi/",
        {
            "title": "Phiên họp thường kỳ",
            "starts_at": "2030-01-05T08:00",
            "agenda": "Báo cáo KT-XH | Sở Tài chính | 30\nGiá đất | Sở NN&MT",
        },
    )
    assert created.status_code == 302
    meeting = Meeting.objects.get()
    assert [(i.title, i.presenter, i.minutes) for i in meeting.items.all()] == [
        ("Báo cáo KT-XH", "Sở Tài chính", 30),
        ("Giá đất", "Sở NN&MT", 15),
    ]
    item = meeting.items.first()
    assert item is not None
    upload = pdf_paper("Báo cáo")
    client.post(
        f"/ecabinet/hop/{meeting.pk}/",
        {
            "action": "paper",
            "item": item.pk,
            "paper_title": "Báo cáo",
            "confidentiality": "normal",
            "paper": io.BytesIO(upload.stream.read()),
        },
    )
    assert item.papers.count() == 1
    client.post(f"/ecabinet/hop/{meeting.pk}/", {"action": "guest", "guest": "guest"})
    client.post(f"/ecabinet/hop/{meeting.pk}/", {"action": "publish"})
    assert Meeting.objects.get().state == "published"
    as_(client, people["chair"])
    page = client.get(f"/ecabinet/hop/{meeting.pk}/").content.decode()
    assert "Báo cáo KT-XH" in page and 'name="reply"' in page
    client.post(f"/ecabinet/hop/{meeting.pk}/", {"action": "reply", "reply": "attending"})
    assert meeting.invitations.get(user=people["chair"]).reply == "attending"
    home = client.get("/ecabinet/").content.decode()
    assert "Phiên họp thường kỳ" in home


def test_the_administrator_manages_the_seats(
    body: Body, people: dict[str, User], client: Client
) -> None:
    from egov.cabinet import access

    as_(client, people["chair"])
    assert client.get(f"/ecabinet/{body.code}/thanh-phan/").status_code == 404
    as_(client, people["admin"])
    page = client.get(f"/ecabinet/{body.code}/thanh-phan/").content.decode()
    assert people["member2"].username in page
    given = client.post(
        f"/ecabinet/{body.code}/thanh-phan/",
        {"username": "outsider", "role": "member", "position": "Giám đốc Sở Nội vụ"},
    )
    assert given.status_code == 302
    assert access.is_member(people["outsider"], body)
    client.post(f"/ecabinet/{body.code}/thanh-phan/", {"username": "member2", "role": ""})
    assert not access.is_member(people["member2"], body)
    unknown = client.post(
        f"/ecabinet/{body.code}/thanh-phan/", {"username": "nobody", "role": "member"}
    )
    assert unknown.status_code == 422


def test_bad_room_input_is_refused_plainly(
    body: Body, people: dict[str, User], client: Client
) -> None:
    meeting = meetings.create_meeting(
        people["secretary"], body, title="Họp", starts_at=timezone.now(), items=[meetings.Item("A")]
    )
    meetings.publish(people["secretary"], meeting.pk)
    meetings.open_meeting(people["secretary"], meeting.pk)
    as_(client, people["secretary"])
    for data in (
        {"action": "floor", "request": "abc"},
        {"action": "floor", "request": "999999"},
        {"action": "current", "item": "x"},
        {"action": "conclude", "item": "999999", "conclusion": "?"},
        {"action": "nonsense"},
    ):
        answer = client.post(f"/ecabinet/hop/{meeting.pk}/", {**data, "next": "room"})
        assert answer.status_code == 302, data
    assert Meeting.objects.get(pk=meeting.pk).items.get().conclusion == ""


def test_members_see_the_tally_and_each_answer_once_the_sheet_closes(
    sent: Sheet, people: dict[str, User], client: Client, commit: Callable[[], Any]
) -> None:
    """docs/cabinet.md: "the tally, with each member's answer by name, becomes visible to the
    members" when the sheet closes; not before (the body's rules keep answers closed)."""
    first, second = sent.questions.all()
    services.answer(
        people["member1"],
        sent.pk,
        {first.pk: Given("agree"), second.pk: Given("other", "Lùi thời điểm áp dụng 6 tháng")},
    )
    services.answer(people["chair"], sent.pk, {first.pk: Given("agree"), second.pk: Given("agree")})
    page, tally, api = (
        f"/ecabinet/phieu/{sent.pk}/",
        f"/ecabinet/phieu/{sent.pk}/kiem-phieu/",
        f"/api/v1/cabinet/sheets/{sent.pk}",
    )
    as_(client, people["member2"])
    assert "Lùi thời điểm áp dụng" not in client.get(page).content.decode()
    assert client.get(tally).status_code == 404
    assert client.get(api).json()["tally"] is None
    with commit():  # the last answer closes the sheet (a task after the commit)
        services.answer(
            people["member2"], sent.pk, {first.pk: Given("disagree"), second.pk: Given("agree")}
        )
    closed = Sheet.objects.get(pk=sent.pk)
    assert closed.state == "closed" and closed.summary_code
    for name in ("member2", "chair"):
        as_(client, people[name])
        shown = client.get(page).content.decode()
        assert 'id="tally"' in shown
        assert "Lùi thời điểm áp dụng 6 tháng" in shown  # another member's opinion
        assert people["member1"].full_name in shown  # by name
        counted = client.get(tally)
        assert counted.status_code == 200 and people["chair"].full_name in counted.content.decode()
        rows = client.get(api).json()["tally"]
        assert [(r["agree"], r["disagree"], r["other"]) for r in rows] == [(2, 1, 0), (2, 0, 1)]
        assert [r["outcome"] for r in rows] == ["adopted", "adopted"]
    for name in ("guest", "outsider"):
        as_(client, people[name])
        assert client.get(tally).status_code == 404
        assert client.get(api).status_code == 404


def _signed_file(code: str) -> bytes:
    from egov.records.models import ResultDocument

    document = ResultDocument.objects.select_related("file").get(code=code)
    assert document.file is not None
    return read_stored(document.file)


def test_the_signed_summary_downloads_as_signed_for_the_members_and_audited(
    sent: Sheet, people: dict[str, User], client: Client
) -> None:
    from egov.records.verification import Outcome, verify_pdf

    url = f"/ecabinet/phieu/{sent.pk}/tong-hop.pdf"
    as_(client, people["chair"])
    assert client.get(url).status_code == 404  # not closed, nothing signed yet
    assert "tong-hop.pdf" not in client.get(f"/ecabinet/phieu/{sent.pk}/").content.decode()
    for name in ("chair", "member1", "member2"):
        services.answer(people[name], sent.pk, {q.pk: Given("agree") for q in sent.questions.all()})
    services.close_sheet(sent.pk)  # everyone answered: closed and signed
    code = Sheet.objects.get(pk=sent.pk).summary_code
    signed = _signed_file(code)
    assert f'href="{url}"' in client.get(f"/ecabinet/phieu/{sent.pk}/").content.decode()
    for address in (url, f"/api/v1/cabinet/sheets/{sent.pk}/summary"):
        answer = client.get(address)
        assert answer.status_code == 200, address
        assert answer["Content-Type"] == "application/pdf"
        assert answer["Content-Disposition"].startswith("attachment")
        assert answer.content == signed  # byte for byte: no mark, nothing added
        assert verify_pdf(answer.content).outcome == Outcome.VALID
    downloads = AuditEntry.objects.filter(
        action="summary_download", object_type="sheet", object_id=str(sent.pk)
    )
    assert downloads.count() == 2 and {e.actor_id for e in downloads} == {people["chair"].pk}
    assert [entry.data for entry in downloads] == [{"code": code}] * 2
    for name in ("guest", "outsider", "admin"):
        as_(client, people[name])
        assert client.get(url).status_code == 404
        assert client.get(f"/api/v1/cabinet/sheets/{sent.pk}/summary").status_code == 404
    assert downloads.count() == 2
    assert AuditEntry.objects.filter(
        action="permission_denied", object_id=str(sent.pk), actor=people["outsider"]
    ).exists()


def test_the_signed_minutes_download_as_signed_for_the_participants_and_audited(
    body: Body, people: dict[str, User], client: Client
) -> None:
    from egov.records.verification import Outcome, verify_pdf

    secretary = people["secretary"]
    meeting = meetings.create_meeting(
        secretary, body, title="Phiên họp", starts_at=timezone.now(), items=[meetings.Item("A")]
    )
    meetings.invite_guest(secretary, meeting.pk, people["guest"])
    meetings.publish(secretary, meeting.pk)
    meetings.reply(people["member2"], meeting.pk, "delegated", people["outsider"])
    meetings.open_meeting(secretary, meeting.pk)
    meetings.close_meeting(secretary, meeting.pk)
    url, api = (
        f"/ecabinet/hop/{meeting.pk}/bien-ban.pdf",
        f"/api/v1/cabinet/meetings/{meeting.pk}/minutes",
    )
    as_(client, secretary)
    assert client.get(url).status_code == 404  # closed, the minutes not signed yet
    code = meetings.sign_minutes(meeting.pk).minutes_code
    signed = _signed_file(code)
    # The secretariat, a member, a guest and a delegate (the outsider attends for member2).
    for name in ("secretary", "member1", "guest", "outsider"):
        as_(client, people[name])
        assert f'href="{url}"' in client.get(f"/ecabinet/hop/{meeting.pk}/").content.decode()
        for address in (url, api):
            answer = client.get(address)
            assert answer.status_code == 200, (name, address)
            assert answer.content == signed
        assert verify_pdf(answer.content).outcome == Outcome.VALID
        assert (
            AuditEntry.objects.filter(
                action="minutes_download", object_id=str(meeting.pk), actor=people[name]
            ).count()
            == 2
        )
    for name in ("admin",):
        as_(client, people[name])
        assert client.get(url).status_code == 404 and client.get(api).status_code == 404
        assert not AuditEntry.objects.filter(action="minutes_download", actor=people[name]).exists()
        assert AuditEntry.objects.filter(
            action="permission_denied", object_id=str(meeting.pk), actor=people[name]
        ).exists()
