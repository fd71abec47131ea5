"""Every allowed transition of the dossier lifecycle: the state it leaves and the event it writes."""

import hashlib
import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import time_machine
from django.test import Client
from pyhanko.pdf_utils.reader import PdfFileReader

from egov.catalog.models import Procedure
from egov.core.files import read_stored
from egov.core.models import Agency
from egov.dossiers import access, hooks, services
from egov.dossiers.constants import NATIONAL_STATUS_CODE, OPEN_STATUSES, Channel, Status
from egov.dossiers.models import Dossier, DossierEvent
from egov.identity.models import User
from egov.records.models import ResultDocument, ResultStatus
from tests.conftest import BIRTH_FORM, bearer, birth_files, pdf_bytes, pdf_upload, vn

MakeDossier = Callable[..., Dossier]


def kinds(dossier: Dossier) -> list[str]:
    return list(dossier.events.order_by("at", "id").values_list("kind", flat=True))


def last_event(dossier: Dossier) -> DossierEvent:
    event = dossier.events.order_by("at", "id").last()
    assert event is not None
    return event


def test_a_draft_is_saved_then_submitted(birth: Procedure, ward: Agency, citizen: User) -> None:
    draft = services.start_draft(citizen, birth, ward)
    assert (draft.status, draft.code, draft.channel) == (Status.DRAFT, None, Channel.ONLINE)
    assert kinds(draft) == ["draft_created"]

    posted = {key: str(value) for key, value in BIRTH_FORM.items()}
    posted["child_birth_date"] = "30/10/2026"
    saved = services.save_draft(draft.pk, citizen, posted, birth_files())
    assert saved.status == Status.DRAFT
    assert saved.form_data == BIRTH_FORM
    assert sorted(saved.components.values_list("code", flat=True)) == ["GIAY_CHUNG_SINH", "TO_KHAI"]

    submitted = services.submit(draft.pk, citizen, expected_version=saved.version)
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    assert submitted.code is not None and submitted.code.startswith("H26.31-")
    assert submitted.submitted_at is not None
    assert submitted.version == 2  # saved once, submitted once
    assert kinds(submitted) == ["draft_created", "submitted"]
    event = last_event(submitted)
    assert (event.from_status, event.to_status, event.actor) == (
        Status.DRAFT,
        Status.SUBMITTED,
        citizen,
    )
    assert event.data == {"channel": "online"}


def test_submit_online_in_one_step(birth: Procedure, ward: Agency, citizen: User) -> None:
    dossier, replayed = services.submit_online(citizen, birth, ward, BIRTH_FORM, birth_files())
    assert replayed is False
    assert dossier.status == Status.SUBMITTED
    assert dossier.procedure == birth and dossier.agency == ward and dossier.applicant == citizen
    assert kinds(dossier) == ["draft_created", "submitted"]
    component = dossier.components.get(code="GIAY_CHUNG_SINH")
    assert component.filename == "Giấy chứng sinh.pdf"
    assert component.checked is None
    assert read_stored(component.file) == pdf_bytes("Giấy chứng sinh")
    # The declaration is the online form itself, rendered at submission (tests/catalog).
    assert dossier.components.get(code="TO_KHAI").source == "form"


def test_receive_checks_every_component_and_starts_the_clock(
    make_dossier: MakeDossier, staff: dict[str, User]
) -> None:
    with time_machine.travel(vn(2026, 3, 10, 8, 15), tick=False):
        dossier = make_dossier(Status.SUBMITTED)
    with time_machine.travel(date_time := vn(2026, 3, 10, 9, 30), tick=False):
        received = services.receive(
            dossier.pk,
            staff["receiver"],
            {"TO_KHAI": (True, "Bản chính"), "GIAY_CHUNG_SINH": (True, "")},
            expected_version=dossier.version,
        )
    received.refresh_from_db()
    assert received.status == Status.RECEIVED
    assert received.received_at == date_time
    assert received.due_at == vn(2026, 3, 11, 9, 30)  # one working day
    assert received.version == dossier.version + 1
    checks = dict(received.components.values_list("code", "checked"))
    assert checks == {"TO_KHAI": True, "GIAY_CHUNG_SINH": True}
    assert received.components.get(code="TO_KHAI").check_note == "Bản chính"
    event = last_event(received)
    assert (event.kind, event.from_status, event.to_status, event.actor) == (
        "received",
        Status.SUBMITTED,
        Status.RECEIVED,
        staff["receiver"],
    )
    assert event.data == {"due_at": "2026-03-11T09:30:00+07:00"}


def test_refuse_intake(make_dossier: MakeDossier, staff: dict[str, User]) -> None:
    dossier = make_dossier(Status.SUBMITTED)
    refused = services.refuse_intake(dossier.pk, staff["receiver"], "  Sai cơ quan tiếp nhận ")
    refused.refresh_from_db()
    assert refused.status == Status.REFUSED
    assert refused.decision_reason == "Sai cơ quan tiếp nhận"
    assert refused.finished_at is not None
    assert refused.due_at is None
    event = last_event(refused)
    assert (event.kind, event.from_status, event.to_status) == (
        "refused",
        Status.SUBMITTED,
        Status.REFUSED,
    )
    assert event.data == {"reason": "Sai cơ quan tiếp nhận"}


@pytest.mark.parametrize("source", [Status.SUBMITTED, Status.RECEIVED, Status.PROCESSING])
@pytest.mark.parametrize("role", ["receiver", "processor"])
def test_request_supplement(
    make_dossier: MakeDossier, staff: dict[str, User], source: str, role: str
) -> None:
    dossier = make_dossier(source)
    asked = services.request_supplement(
        dossier.pk, staff[role], "Bổ sung giấy chứng sinh", ["GIAY_CHUNG_SINH", "KHONG_CO"]
    )
    asked.refresh_from_db()
    assert asked.status == Status.AWAITING_SUPPLEMENT
    assert asked.resume_status == source
    assert asked.clock_stopped_at is not None
    assert asked.supplement_reason == "Bổ sung giấy chứng sinh"
    event = last_event(asked)
    assert (event.kind, event.from_status, event.to_status, event.actor) == (
        "supplement_requested",
        source,
        Status.AWAITING_SUPPLEMENT,
        staff[role],
    )
    # Unknown component codes are dropped.
    assert event.data == {"reason": "Bổ sung giấy chứng sinh", "components": ["GIAY_CHUNG_SINH"]}


@pytest.mark.parametrize("source", [Status.SUBMITTED, Status.RECEIVED, Status.PROCESSING])
def test_a_supplement_returns_the_dossier_to_where_it_was(
    make_dossier: MakeDossier, staff: dict[str, User], citizen: User, source: str
) -> None:
    dossier = make_dossier(source)
    assignee = dossier.assignee_id
    services.request_supplement(dossier.pk, staff["receiver"], "Bổ sung giấy chứng sinh")
    new_scan = pdf_upload("Giấy chứng sinh bản rõ")
    back = services.provide_supplement(dossier.pk, citizen, None, {"GIAY_CHUNG_SINH": new_scan})
    back.refresh_from_db()
    assert back.status == source
    assert back.assignee_id == assignee
    assert back.resume_status == "" and back.clock_stopped_at is None
    component = back.components.get(code="GIAY_CHUNG_SINH")
    assert read_stored(component.file) == pdf_bytes("Giấy chứng sinh bản rõ")
    assert component.checked is None  # a new file must be checked again
    event = last_event(back)
    assert (event.kind, event.from_status, event.to_status, event.actor) == (
        "supplemented",
        Status.AWAITING_SUPPLEMENT,
        source,
        citizen,
    )
    assert event.data["files"] == ["GIAY_CHUNG_SINH"]


def test_a_supplement_may_correct_the_form(
    make_dossier: MakeDossier, staff: dict[str, User], citizen: User
) -> None:
    dossier = make_dossier(Status.RECEIVED)
    services.request_supplement(dossier.pk, staff["processor"], "Sai tên người mẹ")
    fixed = {key: str(value) for key, value in BIRTH_FORM.items()} | {
        "mother_full_name": "Trần Thị Bích"
    }
    back = services.provide_supplement(dossier.pk, citizen, fixed, {})
    back.refresh_from_db()
    assert back.form_data["mother_full_name"] == "Trần Thị Bích"
    assert back.status == Status.RECEIVED


@pytest.mark.parametrize("by", ["receiver", "agency_admin"])
def test_assign_and_reassign(
    make_dossier: MakeDossier,
    staff: dict[str, User],
    ward: Agency,
    make_official: Callable[..., User],
    by: str,
) -> None:
    dossier = make_dossier(Status.RECEIVED)
    assigned = services.assign(dossier.pk, staff[by], staff["processor"])
    assigned.refresh_from_db()
    assert (assigned.status, assigned.assignee) == (Status.PROCESSING, staff["processor"])
    event = last_event(assigned)
    assert (event.kind, event.from_status, event.to_status) == (
        "assigned",
        Status.RECEIVED,
        Status.PROCESSING,
    )
    assert event.data == {"assignee": staff["processor"].pk}

    second = make_official(ward, "processor", username="processor.2")
    reassigned = services.assign(dossier.pk, staff[by], second)
    reassigned.refresh_from_db()
    assert (reassigned.status, reassigned.assignee) == (Status.PROCESSING, second)
    event = last_event(reassigned)
    assert (event.from_status, event.to_status) == (Status.PROCESSING, Status.PROCESSING)


def test_the_assigned_processor_proposes_the_result_with_its_draft(
    make_dossier: MakeDossier, staff: dict[str, User]
) -> None:
    dossier = make_dossier(Status.PROCESSING)
    proposed = services.propose(dossier.pk, staff["processor"], " Đủ điều kiện ")
    proposed.refresh_from_db()
    assert proposed.status == Status.AWAITING_APPROVAL
    assert proposed.national_status == 4  # still "processing" for the national portal
    proposal, drafted = proposed.events.order_by("at", "id")[4:]
    assert (proposal.kind, proposal.from_status, proposal.to_status, proposal.actor) == (
        "proposed",
        Status.PROCESSING,
        Status.AWAITING_APPROVAL,
        staff["processor"],
    )
    assert proposal.data == {"note": "Đủ điều kiện"}
    # The records part drew the draft up from the result template (immediate, same transaction).
    draft = proposed.result_draft
    assert draft is not None and draft.content_type == "application/pdf"
    document = ResultDocument.objects.get(dossier=proposed)
    assert (document.status, document.approved_by, document.file) == (
        ResultStatus.DRAFT,
        None,
        None,
    )
    assert (drafted.kind, drafted.data) == (
        "result_drafted",
        {"document": document.code, "sha256": draft.sha256},
    )
    assert read_stored(draft).startswith(b"%PDF-")
    assert proposed.result_file is None  # nothing is signed before approval


def test_only_the_assigned_processor_proposes(
    make_dossier: MakeDossier, staff: dict[str, User], ward: Agency, make_official: Any
) -> None:
    dossier = make_dossier(Status.PROCESSING)
    other = make_official(ward, "processor", username="processor.other")
    for someone in (other, staff["approver"], staff["receiver"]):
        assert "propose" not in access.allowed_actions(someone, dossier)
        with pytest.raises(services.NotAllowed):
            services.propose(dossier.pk, someone)
    assert access.allowed_actions(staff["processor"], dossier)[0] == "request_supplement"
    assert "propose" in access.allowed_actions(staff["processor"], dossier)
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING


def test_approve_signs_exactly_the_draft_the_approver_previewed(
    make_dossier: MakeDossier, staff: dict[str, User]
) -> None:
    dossier = make_dossier(Status.AWAITING_APPROVAL)
    previewed = read_stored(dossier.result_draft)
    approved = services.approve(
        dossier.pk,
        staff["approver"],
        note=" Đã ký số ",
        draft_sha256=hashlib.sha256(previewed).hexdigest(),
    )
    approved.refresh_from_db()
    assert approved.status == Status.RESULT_READY
    assert approved.result_note == "Đã ký số"
    assert approved.decided_at is not None and approved.finished_at is None
    approval, signed = approved.events.order_by("at", "id")[6:]
    assert (approval.kind, approval.from_status, approval.to_status, approval.actor) == (
        "result_ready",
        Status.AWAITING_APPROVAL,
        Status.RESULT_READY,
        staff["approver"],
    )
    assert approval.data == {"draft": hashlib.sha256(previewed).hexdigest()}
    # The records part signed the draft (immediate tasks): its bytes are the signed file's
    # unsigned revision, unchanged, and the signature covers them.
    result = approved.signed_result
    assert (signed.kind, signed.data) == ("result_signed", {"document": result.code})
    assert result.approved_by == staff["approver"]
    assert approved.result_file is not None and approved.result_file == result.file
    signed_pdf = read_stored(approved.result_file)
    assert signed_pdf != previewed and signed_pdf[: len(previewed)] == previewed
    reader = PdfFileReader(io.BytesIO(signed_pdf))
    (embedded,) = reader.embedded_signatures
    start, end = list(embedded.byte_range)[:2]
    assert start == 0 and end > len(previewed)  # the signature covers the draft's bytes


def test_approve_refuses_a_draft_other_than_the_one_previewed(
    make_dossier: MakeDossier, staff: dict[str, User]
) -> None:
    dossier = make_dossier(Status.AWAITING_APPROVAL)
    with pytest.raises(services.StaleVersion):
        services.approve(dossier.pk, staff["approver"], draft_sha256="0" * 64)
    dossier.refresh_from_db()
    assert dossier.status == Status.AWAITING_APPROVAL
    assert ResultDocument.objects.get(dossier=dossier).status == ResultStatus.DRAFT


def test_send_back_returns_the_proposal_to_the_processor(
    make_dossier: MakeDossier, staff: dict[str, User]
) -> None:
    dossier = make_dossier(Status.AWAITING_APPROVAL)
    first = dossier.result_draft
    first_code = ResultDocument.objects.get(dossier=dossier).code
    with pytest.raises(services.InvalidInput):
        services.send_back(dossier.pk, staff["approver"], "  ")
    back = services.send_back(dossier.pk, staff["approver"], "Sai nơi sinh")
    back.refresh_from_db()
    assert (back.status, back.result_draft, back.assignee) == (
        Status.PROCESSING,
        None,
        staff["processor"],
    )
    event = last_event(back)
    assert (event.kind, event.from_status, event.to_status, event.data) == (
        "sent_back",
        Status.AWAITING_APPROVAL,
        Status.PROCESSING,
        {"reason": "Sai nơi sinh"},
    )
    # The draft sent back is discarded: its code never verifies, nothing can approve it.
    assert not ResultDocument.objects.filter(dossier=back).exists()
    assert "approve" not in access.allowed_actions(staff["approver"], back)
    again = services.propose(back.pk, staff["processor"])
    again.refresh_from_db()
    document = ResultDocument.objects.get(dossier=again)
    assert again.result_draft != first and document.code != first_code


def test_withdrawing_a_proposed_dossier_discards_its_draft(
    make_dossier: MakeDossier, citizen: User
) -> None:
    dossier = make_dossier(Status.AWAITING_APPROVAL)
    services.withdraw(dossier.pk, citizen)
    assert not ResultDocument.objects.filter(dossier=dossier).exists()


@pytest.mark.parametrize("source", [Status.RECEIVED, Status.PROCESSING])
@pytest.mark.parametrize("role", ["processor", "approver"])
def test_reject(make_dossier: MakeDossier, staff: dict[str, User], source: str, role: str) -> None:
    dossier = make_dossier(source)
    rejected = services.reject(dossier.pk, staff[role], "Không đủ điều kiện")
    rejected.refresh_from_db()
    assert rejected.status == Status.REJECTED
    assert rejected.decision_reason == "Không đủ điều kiện"
    assert rejected.finished_at is not None and rejected.decided_at == rejected.finished_at
    event = last_event(rejected)
    assert (event.kind, event.from_status, event.to_status) == ("rejected", source, Status.REJECTED)
    assert event.data == {"reason": "Không đủ điều kiện"}


def test_return_the_result_on_time(make_dossier: MakeDossier, staff: dict[str, User]) -> None:
    dossier = make_dossier(Status.RESULT_READY)
    returned = services.return_result(dossier.pk, staff["receiver"])
    returned.refresh_from_db()
    assert returned.status == Status.RETURNED
    assert returned.finished_at is not None
    assert returned.returned_late is False
    event = last_event(returned)
    assert (event.kind, event.from_status, event.to_status) == (
        "returned",
        Status.RESULT_READY,
        Status.RETURNED,
    )
    assert event.data == {"on_time": True}


def test_return_the_result_late(make_dossier: MakeDossier, staff: dict[str, User]) -> None:
    with time_machine.travel(vn(2026, 3, 10, 9), tick=False):
        dossier = make_dossier(Status.RESULT_READY)
    with time_machine.travel(vn(2026, 3, 12, 9), tick=False):  # due 11/3 09:00
        returned = services.return_result(dossier.pk, staff["receiver"])
    returned.refresh_from_db()
    assert returned.returned_late is True
    assert last_event(returned).data == {"on_time": False}


def test_a_step_guard_refuses_the_step_and_changes_nothing(
    make_dossier: MakeDossier, staff: dict[str, User]
) -> None:
    dossier = make_dossier(Status.RESULT_READY)
    seen: list[tuple[int, str]] = []

    def unsigned_result(guarded: Dossier, action: str) -> str | None:
        seen.append((guarded.pk, action))
        return "The result is not signed yet." if action == "return_result" else None

    with (
        hooks.step_guard.override(unsigned_result),
        pytest.raises(services.WrongState, match="not signed"),
    ):
        services.return_result(dossier.pk, staff["receiver"])
    dossier.refresh_from_db()
    assert dossier.status == Status.RESULT_READY
    assert seen == [(dossier.pk, "return_result")]
    assert last_event(dossier).kind != "returned"


def test_the_steps_offered_are_the_steps_a_guard_lets_through(
    make_dossier: MakeDossier, staff: dict[str, User], client: Client
) -> None:
    """Pages and API offer a step only when the step will accept it: records' guard holds back
    "return" until the result is signed, so it is not offered (it used to be, then refused)."""
    dossier = make_dossier(Status.RESULT_READY)
    # Approved, its result still being signed (the worker has not run yet).
    ResultDocument.objects.filter(dossier=dossier).update(status=ResultStatus.PENDING)
    receiver = staff["receiver"]
    assert access.held_back(dossier, "return_result")
    assert "return_result" not in access.allowed_actions(receiver, dossier)
    answer = client.get(f"/api/v1/dossiers/{dossier.pk}", headers=bearer(receiver)).json()
    assert "return_result" not in answer["allowed_actions"]
    with pytest.raises(services.WrongState):
        services.return_result(dossier.pk, receiver)

    ResultDocument.objects.filter(dossier=dossier).update(status=ResultStatus.SIGNED)
    assert "return_result" in access.allowed_actions(receiver, dossier)  # offered, and accepted
    assert services.return_result(dossier.pk, receiver).status == Status.RETURNED


@pytest.mark.parametrize("source", sorted(OPEN_STATUSES))
def test_withdraw_from_every_open_status(
    make_dossier: MakeDossier, citizen: User, source: str
) -> None:
    dossier = make_dossier(source)
    withdrawn = services.withdraw(dossier.pk, citizen, " Nộp nhầm thủ tục ")
    withdrawn.refresh_from_db()
    assert withdrawn.status == Status.WITHDRAWN
    assert withdrawn.decision_reason == "Nộp nhầm thủ tục"
    assert withdrawn.finished_at is not None
    event = last_event(withdrawn)
    assert (event.kind, event.from_status, event.to_status, event.actor) == (
        "withdrawn",
        source,
        Status.WITHDRAWN,
        citizen,
    )


@pytest.mark.parametrize(
    "source",
    [Status.RECEIVED, Status.PROCESSING, Status.AWAITING_APPROVAL, Status.RESULT_READY],
)
def test_apologise_with_a_new_date(
    make_dossier: MakeDossier, staff: dict[str, User], source: str
) -> None:
    with time_machine.travel(vn(2026, 3, 10, 9), tick=False):
        dossier = make_dossier(source)  # due Wed 11/3/2026 09:00
    with time_machine.travel(vn(2026, 3, 12, 9), tick=False):
        apologised = services.apologise(
            dossier.pk, staff["processor"], "Chờ xác minh", date(2026, 3, 16)
        )
    apologised.refresh_from_db()
    assert apologised.status == source
    assert apologised.promised_at == vn(2026, 3, 16, 17)
    assert apologised.due_at == vn(2026, 3, 11, 9)  # the legal deadline is not moved
    event = last_event(apologised)
    assert (event.kind, event.from_status, event.to_status) == ("apologised", source, source)
    assert event.data == {"reason": "Chờ xác minh", "promised_at": "2026-03-16T17:00:00+07:00"}


def test_rate_a_returned_dossier(make_dossier: MakeDossier, citizen: User) -> None:
    dossier = make_dossier(Status.RETURNED)
    assert "rate" in access.allowed_actions(citizen, dossier)
    rated = services.rate(dossier.pk, citizen, 3, "  Nhanh, đúng hẹn ")
    rated.refresh_from_db()
    assert (rated.rating, rated.rating_comment) == (3, "Nhanh, đúng hẹn")
    assert rated.status == Status.RETURNED
    event = last_event(rated)
    assert (event.kind, event.data) == ("rated", {"score": 3})
    assert "rate" not in access.allowed_actions(citizen, rated)


def test_the_full_journey_writes_one_event_per_step(make_dossier: MakeDossier) -> None:
    dossier = make_dossier(Status.RETURNED)
    assert kinds(dossier) == [
        "draft_created",
        "submitted",
        "received",
        "assigned",
        "proposed",
        "result_drafted",
        "result_ready",
        "result_signed",
        "returned",
    ]
    statuses = list(dossier.events.order_by("at", "id").values_list("to_status", flat=True))
    assert statuses == [
        Status.DRAFT,
        Status.SUBMITTED,
        Status.RECEIVED,
        Status.PROCESSING,
        Status.AWAITING_APPROVAL,
        Status.AWAITING_APPROVAL,
        Status.RESULT_READY,
        Status.RESULT_READY,
        Status.RETURNED,
    ]
    # submitted, received, assigned, proposed, approved, signed, returned
    assert dossier.version == 7


def test_national_status_codes() -> None:
    assert NATIONAL_STATUS_CODE == {
        Status.SUBMITTED: 1,
        Status.RECEIVED: 2,
        Status.REFUSED: 3,
        Status.PROCESSING: 4,
        Status.AWAITING_APPROVAL: 4,
        Status.AWAITING_SUPPLEMENT: 5,
        Status.WITHDRAWN: 7,
        Status.REJECTED: 8,
        Status.RESULT_READY: 9,
        Status.RETURNED: 10,
    }


def test_allowed_actions_follow_role_and_state(
    make_dossier: MakeDossier, staff: dict[str, User], citizen: User
) -> None:
    submitted = make_dossier(Status.SUBMITTED)
    assert access.allowed_actions(staff["receiver"], submitted) == [
        "receive",
        "refuse_intake",
        "request_supplement",
    ]
    assert access.allowed_actions(staff["processor"], submitted) == ["request_supplement"]
    assert access.allowed_actions(staff["approver"], submitted) == []
    assert access.allowed_actions(citizen, submitted) == ["withdraw"]
    processing = make_dossier(Status.PROCESSING)
    assert access.allowed_actions(staff["approver"], processing) == ["reject"]
    assert access.allowed_actions(staff["processor"], processing) == [
        "request_supplement",
        "propose",
        "reject",
        "apologise",
        "extend_for_verification",
    ]
    proposed = make_dossier(Status.AWAITING_APPROVAL)
    assert access.allowed_actions(staff["approver"], proposed) == ["approve", "send_back"]
    assert access.allowed_actions(staff["processor"], proposed) == ["apologise"]
    assert access.allowed_actions(citizen, proposed) == ["withdraw"]
