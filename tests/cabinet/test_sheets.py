"""Opinion sheets: sent to the members, answered and changed until the deadline and not after,
closed at the deadline or once all have answered, the tally counted by the one rule, and the
summary signed and verifiable; members see only their sheets and nobody else's answers first."""

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from egov.cabinet import access, services, tally
from egov.cabinet.constants import Choice, Outcome, SheetState
from egov.cabinet.models import Body, Sheet
from egov.cabinet.services import Given
from egov.core.errors import InvalidInput, NotAllowed, WrongState
from egov.core.files import read_stored
from egov.core.models import Notification
from egov.identity.models import User

from .conftest import pdf_paper


@pytest.fixture
def sheet(body: Body, people: dict[str, User]) -> Sheet:
    paper = services.add_paper(
        people["secretary"], body, "Dự thảo Nghị quyết về giá đất", pdf_paper(), "restricted"
    )
    return services.create_sheet(
        people["secretary"],
        body,
        title="Dự thảo Nghị quyết về bảng giá đất",
        kind="resolution",
        deadline=timezone.now() + timedelta(days=3),
        questions=["Đồng ý thông qua dự thảo?", "Đồng ý áp dụng từ 01/01/2027?"],
        papers=[paper],
    )


@pytest.fixture
def sent(sheet: Sheet, people: dict[str, User], commit: Callable[[], Any]) -> Sheet:
    with commit():
        return services.send_sheet(people["secretary"], sheet.pk)


def answers_of(sheet: Sheet, *choices: str) -> dict[int, Given]:
    return {
        question.pk: Given(choice, "Đề nghị xem lại" if choice == Choice.OTHER else "")
        for question, choice in zip(sheet.questions.all(), choices, strict=True)
    }


def test_a_sheet_goes_to_every_member_and_only_to_them(
    sent: Sheet, people: dict[str, User]
) -> None:
    assert sent.state == SheetState.OPEN
    assert set(sent.recipients.values_list("user__username", flat=True)) == {
        "chair",
        "member1",
        "member2",
    }
    told = set(
        Notification.objects.filter(topic="cabinet_sheet_sent").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"chair", "member1", "member2"}
    for name in ("chair", "member1", "secretary"):
        assert access.visible_sheets(people[name]).filter(pk=sent.pk).exists()
    for name in ("admin", "outsider", "guest"):
        assert not access.visible_sheets(people[name]).filter(pk=sent.pk).exists()


def test_a_draft_is_the_secretariats_only(sheet: Sheet, people: dict[str, User]) -> None:
    assert not access.visible_sheets(people["chair"]).filter(pk=sheet.pk).exists()
    with pytest.raises(NotAllowed):
        services.send_sheet(people["chair"], sheet.pk)
    with pytest.raises(NotAllowed):
        services.create_sheet(
            people["member1"],
            sheet.body,
            title="x",
            kind="report",
            deadline=timezone.now() + timedelta(days=1),
            questions=["?"],
        )


def test_bad_input_is_named(body: Body, people: dict[str, User]) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.create_sheet(
            people["secretary"],
            body,
            title=" ",
            kind="poem",
            deadline=timezone.now() - timedelta(minutes=1),
            questions=["", "  "],
        )
    assert set(refused.value.errors) == {"title", "kind", "deadline", "questions"}


def test_answers_change_until_the_deadline_and_not_after(
    sent: Sheet, people: dict[str, User]
) -> None:
    services.answer(people["member1"], sent.pk, answers_of(sent, "agree", "disagree"))
    services.answer(people["member1"], sent.pk, answers_of(sent, "other", "agree"))
    first = sent.questions.first()
    assert first is not None
    mine = first.answers.get(member=people["member1"])
    assert (mine.choice, mine.text) == ("other", "Đề nghị xem lại")
    assert sent.events.filter(kind="answered").count() == 4  # every change kept
    with pytest.raises(InvalidInput):
        services.answer(people["member1"], sent.pk, {first.pk: Given("other", " ")})
    with time_machine.travel(sent.deadline + timedelta(seconds=1)), pytest.raises(WrongState):
        services.answer(people["member1"], sent.pk, answers_of(sent, "agree", "agree"))
    mine.refresh_from_db()
    assert mine.choice == "other"


def test_only_the_members_sent_it_answer(sent: Sheet, people: dict[str, User]) -> None:
    for name in ("secretary", "outsider", "admin"):
        with pytest.raises(NotAllowed):
            services.answer(people[name], sent.pk, answers_of(sent, "agree", "agree"))


def test_all_answered_closes_and_signs_the_summary(
    sent: Sheet, people: dict[str, User], commit: Callable[[], Any], client: Any
) -> None:
    from egov.records.models import ResultDocument
    from egov.records.verification import Outcome as Verdict
    from egov.records.verification import verify_pdf

    services.answer(people["chair"], sent.pk, answers_of(sent, "agree", "disagree"))
    services.answer(people["member1"], sent.pk, answers_of(sent, "agree", "disagree"))
    assert Sheet.objects.get(pk=sent.pk).state == SheetState.OPEN
    with commit():
        services.answer(people["member2"], sent.pk, answers_of(sent, "disagree", "other"))
    sheet = Sheet.objects.get(pk=sent.pk)
    assert sheet.state == SheetState.CLOSED and sheet.summary_code
    assert [q.outcome for q in sheet.questions.all()] == [Outcome.ADOPTED, Outcome.NOT_ADOPTED]
    document = ResultDocument.objects.get(code=sheet.summary_code)
    assert document.dossier_id is None and document.agency == sheet.body.agency
    data = read_stored(document.file)  # type: ignore[arg-type]
    assert verify_pdf(data).outcome == Verdict.VALID
    tampered = bytearray(data)
    tampered[len(data) // 3] ^= 0x01  # a byte of the signed content
    assert verify_pdf(bytes(tampered)).outcome != Verdict.VALID
    # Closing again changes nothing.
    assert services.close_sheet(sheet.pk).summary_code == sheet.summary_code
    assert ResultDocument.objects.filter(title__contains=sheet.title).count() == 1


def test_the_deadline_closes_with_whoever_answered(sent: Sheet, people: dict[str, User]) -> None:
    services.answer(people["member1"], sent.pk, answers_of(sent, "agree", "agree"))
    assert services.due_work() == (0, 0)  # nothing due, no reminder yet
    with time_machine.travel(sent.deadline - timedelta(hours=2)):
        closed, reminded = services.due_work()
        assert (closed, reminded) == (0, 2)  # the chair and member2 have not answered
        assert services.due_work() == (0, 0)  # reminded once
    with time_machine.travel(sent.deadline + timedelta(minutes=1)):
        assert services.due_work()[0] == 1
    sheet = Sheet.objects.get(pk=sent.pk)
    assert sheet.state == SheetState.CLOSED and sheet.summary_code
    # One agreement of three members is not a majority of all members.
    assert {q.outcome for q in sheet.questions.all()} == {Outcome.NOT_ADOPTED}


def test_nobody_sees_another_members_answer_before_the_tally(
    sent: Sheet, people: dict[str, User], body: Body
) -> None:
    services.answer(people["member1"], sent.pk, answers_of(sent, "agree", "agree"))
    assert access.sees_answers_of_others(people["secretary"], sent)
    assert not access.sees_answers_of_others(people["member2"], sent)
    assert not access.sees_answers_of_others(people["outsider"], sent)
    body.answers_open = True
    body.save()
    sent.refresh_from_db()
    assert access.sees_answers_of_others(people["member2"], sent)
    assert not access.sees_answers_of_others(people["outsider"], sent)


@given(
    members=st.integers(min_value=1, max_value=40),
    data=st.data(),
)
def test_the_tally_counts_a_majority_of_all_members(members: int, data: Any) -> None:
    choices = data.draw(
        st.lists(st.sampled_from(list(Choice.values)), max_size=members), label="answers"
    )
    chair = data.draw(st.integers(min_value=-1, max_value=len(choices) - 1), label="chair")
    count = tally.count(members, [(c, n == chair) for n, c in enumerate(choices)])
    agree = choices.count("agree")
    assert (count.agree, count.disagree, count.other) == (
        agree,
        choices.count("disagree"),
        choices.count("other"),
    )
    assert count.unanswered == members - len(choices)
    chair_agrees = 0 <= chair < len(choices) and choices[chair] == "agree"
    adopted = agree * 2 > members or (agree * 2 == members and chair_agrees)
    assert (count.outcome == Outcome.ADOPTED) == adopted


def test_a_confidential_paper_is_watermarked_and_every_read_audited(
    sent: Sheet, people: dict[str, User]
) -> None:
    from pypdf import PdfReader

    from egov.core.models import AuditEntry

    paper = sent.papers.get()
    assert paper.pages == 2
    reader = people["member2"]
    assert access.paper_for(reader, paper.pk) == paper
    data = services.read_paper(reader, paper, "download")
    text = PdfReader(io.BytesIO(data)).pages[1].extract_text()
    assert reader.full_name in text and "Trang 2" in text
    assert AuditEntry.objects.filter(
        action="paper_download", object_type="paper", object_id=str(paper.pk), actor=reader
    ).exists()
    from django.http import Http404

    with pytest.raises(Http404):
        access.paper_for(people["outsider"], paper.pk)
    assert AuditEntry.objects.filter(
        action="permission_denied", object_type="paper", object_id=str(paper.pk)
    ).exists()


def test_the_page_images_carry_the_mark() -> None:
    from egov.cabinet import watermark

    data = pdf_paper("Dự thảo", 2).stream.read()
    plain = watermark.page_png(data, 2)
    marked = watermark.page_png(data, 2, "Nguyễn Văn A · 07/12/2026 10:00")
    assert plain.startswith(b"\x89PNG") and marked != plain
    with pytest.raises(IndexError):
        watermark.page_png(data, 3)
