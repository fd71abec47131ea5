"""Composing, numbering, sending on one deployment, the recipient's steps and their statuses
back at the sender, recall, and who may do what."""

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from egov.core.errors import InvalidInput, NotAllowed, NotFound, WrongState
from egov.core.files import read_stored
from egov.core.models import Agency
from egov.exchange import access, services
from egov.exchange.models import Document, DocumentState, Envelope
from egov.identity.models import User
from tests.exchange.conftest import CITY, JUSTICE, WARD, draft, main_file

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def incoming(agency_code: str) -> Document:
    return Document.objects.get(agency__code=agency_code, incoming=True)


def statuses(document: Document) -> dict[str, str]:
    return {r.agency_code: r.status for r in document.recipients.all()}


# --- composing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"subject": "  "}, "subject"),
        ({"subject": "x" * 501}, "subject"),
        ({"summary": "x" * 501}, "summary"),
        ({"recipients": []}, "recipients"),
        ({"recipients": [JUSTICE, JUSTICE]}, "recipients"),
        ({"recipients": ["000.00.99.H99"]}, "recipients"),
        ({"doc_type": 30}, "doc_type"),
        ({"priority": 7}, "priority"),
        ({"place": "x" * 51}, "place"),
    ],
)
def test_a_bad_draft_is_refused_naming_the_field(
    clerks: dict[str, User], city: Agency, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.compose(clerks[CITY], city, draft(**overrides), [main_file()])
    assert field in refused.value.errors
    assert not Document.objects.exists()


def test_the_main_file_is_a_pdf_and_required(clerks: dict[str, User], city: Agency) -> None:
    png = services.Upload("a.png", b"\x89PNG", "image/png", True)
    for uploads in ([], [png]):
        with pytest.raises(InvalidInput) as refused:
            services.compose(clerks[CITY], city, draft(), uploads)
        assert "main_file" in refused.value.errors


def test_only_a_clerk_of_the_agency_composes(
    clerks: dict[str, User], city: Agency, make_official: Callable[..., User]
) -> None:
    with pytest.raises(NotAllowed):
        services.compose(clerks[JUSTICE], city, draft(), [main_file()])
    with pytest.raises(NotAllowed):
        services.compose(make_official(city, "receiver"), city, draft(), [main_file()])


# --- numbering -----------------------------------------------------------------------------------


def test_numbers_run_from_01_per_agency_series_and_year(
    sent: Callable[..., Document],
) -> None:
    with time_machine.travel(datetime(2026, 12, 31, 10, tzinfo=VN), tick=False):
        first, second = sent(), sent(doc_type=18, drafting_unit="VP")
        normative = sent(series="QPPL")
        directive = sent(series="QPPL", doc_type=3)
        other_agency = sent(JUSTICE, recipients=[CITY], issuer_abbreviation="STP")
    with time_machine.travel(datetime(2027, 1, 1, 9, tzinfo=VN), tick=False):
        new_year = sent()
    assert (first.code, second.code) == ("01/QĐ-UBND", "02/UBND-VP")  # công văn: no type part
    assert normative.code == "01/2026/QĐ-UBND"  # legal normative: per type, with the year
    assert directive.code == "01/2026/CT-UBND"
    assert other_agency.code == "01/QĐ-STP"
    assert (new_year.year, new_year.code) == (2027, "01/QĐ-UBND")
    assert first.document_id == f"{CITY},2026/12/31,01/QĐ-UBND"


def test_notation_follows_decree_30() -> None:
    assert services.notation(2, "UBND") == "QĐ-UBND"
    assert services.notation(18, "VPCP", "TTĐT") == "VPCP-TTĐT"
    assert services.notation(14, "STP") == "BC-STP"
    assert services.notation(5, "UBND") == "QyĐ-UBND"
    assert services.notation(2, "UBND", normative_year=2026) == "2026/QĐ-UBND"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clerks_issuing_at_once_never_share_or_skip_a_number(
    compose: Callable[..., Document], clerks: dict[str, User]
) -> None:
    drafts = [compose() for _ in range(8)]
    errors: list[BaseException] = []

    def issue(document: Document) -> None:
        try:
            services.issue_and_send(clerks[CITY], document)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    numbers = sorted(
        Document.objects.filter(incoming=False, number__isnull=False).values_list(
            "number", flat=True
        )
    )
    assert numbers == list(range(1, 9))


# --- sending and receiving on one deployment -----------------------------------------------------


def test_a_sent_document_arrives_once_at_each_recipient_who_says_so(
    sent: Callable[..., Document],
) -> None:
    document = sent()
    document.refresh_from_db()
    assert document.state == DocumentState.SENT
    for code in (JUSTICE, WARD):
        received = incoming(code)
        assert received.state == DocumentState.ARRIVED
        assert (received.code, received.subject) == (document.code, document.subject)
        assert received.signature == "valid"
        main = received.attachments.get(is_main=True)
        assert b"/ByteRange" in read_stored(main.file)  # the PAdES-signed main file
    assert statuses(document) == {JUSTICE: "01", WARD: "01"}


def test_a_draft_is_issued_once(sent: Callable[..., Document], clerks: dict[str, User]) -> None:
    document = sent()
    with pytest.raises(WrongState):
        services.issue_and_send(clerks[CITY], document)
    assert Document.objects.filter(incoming=True).count() == 2


def test_a_redelivered_envelope_is_applied_once(sent: Callable[..., Document]) -> None:
    document = sent()
    data = read_stored(document.envelope.file)
    again = services.receive(data, None)
    assert again.duplicate
    assert Document.objects.filter(incoming=True).count() == 2
    assert Envelope.objects.filter(incoming=True, kind="document").count() == 1


# --- the recipient's steps -----------------------------------------------------------------------


def test_each_step_sends_its_status_back_to_the_sender(
    sent: Callable[..., Document],
    clerks: dict[str, User],
    make_official: Callable[..., User],
    justice: Agency,
) -> None:
    document = sent()
    received = incoming(JUSTICE)
    officer = make_official(justice, "processor")
    clerk = clerks[JUSTICE]
    services.advance(clerk, received, "03")
    assert statuses(document)[JUSTICE] == "03"
    services.advance(clerk, received, "04")
    assert statuses(document)[JUSTICE] == "04"
    services.advance(clerk, received, "05", assignee=officer, department="Phòng Hành chính")
    assert statuses(document)[JUSTICE] == "05"
    assert access.document_for(officer, received.pk) == received  # the assignee sees it
    services.advance(officer, received, "06", note="Đã báo cáo")
    received.refresh_from_db()
    assert received.state == DocumentState.COMPLETED
    recipient = document.recipients.get(agency_code=JUSTICE)
    assert (recipient.status, recipient.status_note) == ("06", "Đã báo cáo")
    assert statuses(document)[WARD] == "01"  # the other recipient is untouched
    codes = list(
        document.events.filter(action="status_received", organ_id=JUSTICE).values_list(
            "status_code", flat=True
        )
    )
    assert codes == ["01", "03", "04", "05", "06"]


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], "04"),  # not accepted yet
        ([], "05"),
        ([], "06"),
        (["03"], "02"),  # accepted documents are not refused
        (["03"], "06"),  # nobody assigned
        (["02"], "03"),  # refused is final
    ],
)
def test_steps_out_of_order_are_refused(
    sent: Callable[..., Document], clerks: dict[str, User], path: list[str], refused: str
) -> None:
    sent()
    received = incoming(JUSTICE)
    for code in path:
        received = services.advance(clerks[JUSTICE], received, code, note="lý do")
    with pytest.raises(WrongState):
        services.advance(clerks[JUSTICE], received, refused, note="lý do")


def test_a_refusal_needs_a_reason(sent: Callable[..., Document], clerks: dict[str, User]) -> None:
    sent()
    with pytest.raises(InvalidInput):
        services.advance(clerks[JUSTICE], incoming(JUSTICE), "02", note=" ")
    services.advance(clerks[JUSTICE], incoming(JUSTICE), "02", note="Không đúng thẩm quyền")
    assert incoming(JUSTICE).state == DocumentState.REFUSED


def test_assignment_stays_within_the_receiving_agency(
    sent: Callable[..., Document],
    clerks: dict[str, User],
    city: Agency,
    make_official: Callable[..., User],
) -> None:
    sent()
    received = services.advance(clerks[JUSTICE], incoming(JUSTICE), "03")
    with pytest.raises(InvalidInput):
        services.advance(clerks[JUSTICE], received, "05", assignee=make_official(city, "processor"))
    with pytest.raises(InvalidInput):
        services.advance(clerks[JUSTICE], received, "05")


def test_only_the_assignee_or_a_clerk_completes(
    sent: Callable[..., Document],
    clerks: dict[str, User],
    justice: Agency,
    make_official: Callable[..., User],
) -> None:
    sent()
    officer = make_official(justice, "processor", username="assigned")
    bystander = make_official(justice, "processor", username="bystander")
    received = services.advance(clerks[JUSTICE], incoming(JUSTICE), "03")
    received = services.advance(clerks[JUSTICE], received, "05", assignee=officer)
    with pytest.raises(NotFound):  # not even visible to a colleague not assigned
        access.document_for(bystander, received.pk)
    with pytest.raises(NotAllowed):
        services.advance(bystander, received, "06")
    with pytest.raises(NotAllowed):  # the clerk of another agency
        services.advance(clerks[WARD], received, "03")


def test_nobody_else_sees_an_agencys_documents(
    sent: Callable[..., Document],
    clerks: dict[str, User],
    citizen: User,
    make_official: Callable[..., User],
    city: Agency,
) -> None:
    document = sent()
    received = incoming(JUSTICE)
    assert access.document_for(clerks[CITY], document.pk) == document
    for outsider in (clerks[WARD], citizen, make_official(city, "receiver")):
        for pk in (document.pk, received.pk):
            with pytest.raises(NotFound):
                access.document_for(outsider, pk)


# --- recall --------------------------------------------------------------------------------------


def test_a_recall_is_answered_by_each_recipient(
    sent: Callable[..., Document], clerks: dict[str, User]
) -> None:
    document = sent()
    with pytest.raises(InvalidInput):
        services.recall(clerks[CITY], document, "")
    services.recall(clerks[CITY], document, "Ban hành nhầm")
    document.refresh_from_db()
    assert document.state == DocumentState.WITHDRAWN
    assert set(statuses(document).values()) == {"13"}
    at_justice, at_ward = incoming(JUSTICE), incoming(WARD)
    assert at_justice.recall_requested and at_ward.recall_requested
    services.answer_request(clerks[JUSTICE], at_justice, accept=True)
    services.answer_request(clerks[WARD], at_ward, accept=False, note="Đã thực hiện")
    assert statuses(document) == {JUSTICE: "15", WARD: "16"}
    assert incoming(JUSTICE).state == DocumentState.RECALLED
    assert incoming(WARD).state == DocumentState.ARRIVED
    with pytest.raises(WrongState):  # answered once
        services.answer_request(clerks[JUSTICE], incoming(JUSTICE), accept=True)
    with pytest.raises(WrongState):  # recalled once
        services.recall(clerks[CITY], document, "again")


def test_a_replacement_arrives_linked_to_the_original(
    sent: Callable[..., Document], compose: Callable[..., Document], clerks: dict[str, User]
) -> None:
    original = sent()
    with pytest.raises(InvalidInput):  # a replacement names what it replaces
        compose(business=3, subject="Thay thế văn bản trước")
    replacement = compose(related_id=original.pk, business=3, subject="Thay thế văn bản trước")
    services.issue_and_send(clerks[CITY], replacement)
    at_justice = Document.objects.get(agency__code=JUSTICE, incoming=True, business=0)
    new = Document.objects.get(agency__code=JUSTICE, incoming=True, business=3)
    assert new.related == at_justice
    assert at_justice.pending_request == new
    services.answer_request(clerks[JUSTICE], at_justice, accept=True)
    at_justice.refresh_from_db()
    assert at_justice.state == DocumentState.RECALLED
    assert statuses(original)[JUSTICE] == "15"


def test_the_same_status_twice_within_a_second_is_sent_and_applied_once(
    sent: Callable[..., Document],
    clerks: dict[str, User],
    justice: Agency,
    make_official: Callable[..., User],
) -> None:
    document = sent()
    first, second = (make_official(justice, "processor", username=f"cv{n}") for n in (1, 2))
    # One frozen instant after the sending, whatever the real clock says.
    with time_machine.travel(document.created_at + timedelta(hours=1), tick=False):
        received = services.advance(clerks[JUSTICE], incoming(JUSTICE), "03")
        received = services.advance(clerks[JUSTICE], received, "05", assignee=first)
        received = services.advance(clerks[JUSTICE], received, "05", assignee=second)
    assert received.assigned_to == second
    assert statuses(document)[JUSTICE] == "05"
    assert document.events.filter(action="status_received", status_code="05").count() == 1
