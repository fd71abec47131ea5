"""Every refused lifecycle operation: wrong state, wrong role, wrong agency, stale page, bad input.

A refused operation changes nothing: same status, same version, no new event.
"""

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import time_machine

from egov.catalog.models import Procedure
from egov.core.models import Agency
from egov.dossiers import services
from egov.dossiers.constants import APPLICANT, ASSIGNEE, PROCESSOR, TRANSITIONS, Status
from egov.dossiers.models import Dossier
from egov.dossiers.services import (
    InvalidInput,
    NotAllowed,
    NotFound,
    StaleVersion,
    Upload,
    WrongState,
)
from egov.identity.models import User
from tests.conftest import BIRTH_CHECKLIST, BIRTH_FORM, birth_files, pdf_upload, vn

MakeDossier = Callable[..., Dossier]
ROLES = ("receiver", "processor", "approver", "agency_admin")


def upload(data: bytes, name: str) -> Upload:
    return Upload(name=name, stream=io.BytesIO(data), size=len(data))


def perform(
    action: str, dossier_id: int, actor: User, people: dict[str, User], **kwargs: Any
) -> Dossier:
    """Call the service for ``action`` with arguments that would be valid in the right state."""
    calls: dict[str, Callable[[], Dossier]] = {
        "submit": lambda: services.submit(dossier_id, actor, **kwargs),
        "receive": lambda: services.receive(dossier_id, actor, BIRTH_CHECKLIST, **kwargs),
        "refuse_intake": lambda: services.refuse_intake(dossier_id, actor, "Sai", **kwargs),
        "request_supplement": lambda: services.request_supplement(
            dossier_id, actor, "Bổ sung", **kwargs
        ),
        "supplement": lambda: services.provide_supplement(dossier_id, actor, None, {}, **kwargs),
        "assign": lambda: services.assign(dossier_id, actor, people["processor"], **kwargs),
        "propose": lambda: services.propose(dossier_id, actor, "Đề nghị cấp", **kwargs),
        "approve": lambda: services.approve(dossier_id, actor, "Đã phê duyệt", **kwargs),
        "send_back": lambda: services.send_back(dossier_id, actor, "Sai tên", **kwargs),
        "reject": lambda: services.reject(dossier_id, actor, "Không đủ điều kiện", **kwargs),
        "return_result": lambda: services.return_result(dossier_id, actor, **kwargs),
        "withdraw": lambda: services.withdraw(dossier_id, actor, "Nộp nhầm", **kwargs),
        "apologise": lambda: services.apologise(
            dossier_id, actor, "Chậm", date(2030, 1, 2), **kwargs
        ),
        "extend_for_verification": lambda: services.extend_for_verification(
            dossier_id, actor, "Xác minh nơi sinh", **kwargs
        ),
        "rate": lambda: services.rate(dossier_id, actor, 3, **kwargs),
    }
    return calls[action]()


#: A status each action is possible from, to test everything but the state.
POSSIBLE_FROM = {
    "submit": Status.DRAFT,
    "receive": Status.SUBMITTED,
    "refuse_intake": Status.SUBMITTED,
    "request_supplement": Status.RECEIVED,
    "supplement": Status.AWAITING_SUPPLEMENT,
    "assign": Status.RECEIVED,
    "propose": Status.PROCESSING,
    "approve": Status.AWAITING_APPROVAL,
    "send_back": Status.AWAITING_APPROVAL,
    "reject": Status.PROCESSING,
    "return_result": Status.RESULT_READY,
    "withdraw": Status.SUBMITTED,
    "apologise": Status.PROCESSING,
    "extend_for_verification": Status.PROCESSING,
    "rate": Status.RETURNED,
}


def actor_for(action: str, people: dict[str, User]) -> User:
    """Someone who may perform ``action`` (in the right state)."""
    role = sorted(TRANSITIONS[action].actors)[0]
    return people[role]


@pytest.fixture
def people(
    staff: dict[str, User], citizen: User, ward: Agency, make_official: Callable[..., User]
) -> dict[str, User]:
    """Someone in each capacity: the dossiers are assigned to the staff's processor, so
    "processor" is another processor of the ward, not the assignee."""
    other_processor = make_official(ward, "processor", username="processor.unassigned")
    return {**staff, PROCESSOR: other_processor, ASSIGNEE: staff["processor"], APPLICANT: citizen}


def snapshot(dossier: Dossier) -> tuple[str, int, int]:
    dossier = Dossier.objects.get(pk=dossier.pk)
    return dossier.status, dossier.version, dossier.events.count()


def test_the_fixture_table_covers_every_transition() -> None:
    assert set(POSSIBLE_FROM) == set(TRANSITIONS)
    for action, status in POSSIBLE_FROM.items():
        assert status in TRANSITIONS[action].sources


WRONG_STATE = [
    (action, status)
    for action, transition in TRANSITIONS.items()
    for status in Status.values
    if status not in transition.sources
]


@pytest.mark.parametrize(("action", "status"), WRONG_STATE)
def test_an_action_from_a_status_not_in_its_sources_is_refused(
    make_dossier: MakeDossier, people: dict[str, User], action: str, status: str
) -> None:
    dossier = make_dossier(status)
    before = snapshot(dossier)
    actor = actor_for(action, people)
    # A draft is its author's alone: to an official it does not exist. Before a dossier is
    # assigned to them, a processor is not its assignee: not theirs to propose.
    expected: type[Exception] = WrongState
    if status == Status.DRAFT and actor.is_official:
        expected = NotFound
    elif TRANSITIONS[action].actors == {ASSIGNEE} and dossier.assignee_id != actor.pk:
        expected = NotAllowed
    with pytest.raises(expected) as excinfo:
        perform(action, dossier.pk, actor, people)
    assert excinfo.value.http_status == {NotFound: 404, NotAllowed: 403, WrongState: 409}[expected]
    assert snapshot(dossier) == before


WRONG_ROLE = [
    (action, role)
    for action, transition in TRANSITIONS.items()
    for role in (*ROLES, APPLICANT)
    if role not in transition.actors
]


@pytest.mark.parametrize(("action", "role"), WRONG_ROLE)
def test_an_action_by_someone_without_the_role_is_refused(
    make_dossier: MakeDossier, people: dict[str, User], action: str, role: str
) -> None:
    dossier = make_dossier(POSSIBLE_FROM[action])
    before = snapshot(dossier)
    actor = people[role]
    expected = NotFound if dossier.status == Status.DRAFT else NotAllowed
    with pytest.raises(expected) as excinfo:
        perform(action, dossier.pk, actor, people)
    assert excinfo.value.http_status == (404 if expected is NotFound else 403)
    assert snapshot(dossier) == before


@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_an_official_of_another_agency_finds_nothing(
    make_dossier: MakeDossier,
    people: dict[str, User],
    make_official: Callable[..., User],
    other_ward: Agency,
    action: str,
) -> None:
    dossier = make_dossier(POSSIBLE_FROM[action])
    before = snapshot(dossier)
    stranger = make_official(other_ward, *ROLES)
    with pytest.raises(NotFound):
        perform(action, dossier.pk, stranger, people)
    assert snapshot(dossier) == before


@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_another_citizen_finds_nothing(
    make_dossier: MakeDossier, people: dict[str, User], other_citizen: User, action: str
) -> None:
    dossier = make_dossier(POSSIBLE_FROM[action])
    before = snapshot(dossier)
    with pytest.raises(NotFound):
        perform(action, dossier.pk, other_citizen, people)
    assert snapshot(dossier) == before


def test_an_unknown_dossier_is_not_found(people: dict[str, User]) -> None:
    with pytest.raises(NotFound):
        services.receive(10**9, people["receiver"], BIRTH_CHECKLIST)


@pytest.mark.parametrize("action", [a for a in TRANSITIONS if a != "rate"])
def test_a_stale_version_is_refused(
    make_dossier: MakeDossier, people: dict[str, User], action: str
) -> None:
    dossier = make_dossier(POSSIBLE_FROM[action])
    before = snapshot(dossier)
    with pytest.raises(StaleVersion) as excinfo:
        perform(
            action,
            dossier.pk,
            actor_for(action, people),
            people,
            expected_version=dossier.version - 1,
        )
    assert excinfo.value.http_status == 409
    assert snapshot(dossier) == before


@pytest.mark.parametrize(
    "action",
    [
        "refuse_intake",
        "request_supplement",
        "reject",
        "apologise",
        "send_back",
        "extend_for_verification",
    ],
)
@pytest.mark.parametrize("reason", ["", "   \n"])
def test_a_reason_is_required(
    make_dossier: MakeDossier, people: dict[str, User], action: str, reason: str
) -> None:
    dossier = make_dossier(POSSIBLE_FROM[action])
    before = snapshot(dossier)
    actor = actor_for(action, people)
    calls: dict[str, Callable[[], Any]] = {
        "refuse_intake": lambda: services.refuse_intake(dossier.pk, actor, reason),
        "request_supplement": lambda: services.request_supplement(dossier.pk, actor, reason),
        "reject": lambda: services.reject(dossier.pk, actor, reason),
        "apologise": lambda: services.apologise(dossier.pk, actor, reason, date(2030, 1, 2)),
        "send_back": lambda: services.send_back(dossier.pk, actor, reason),
        "extend_for_verification": lambda: services.extend_for_verification(
            dossier.pk, actor, reason
        ),
    }
    with pytest.raises(InvalidInput) as excinfo:
        calls[action]()
    assert list(excinfo.value.errors) == ["reason"]
    assert snapshot(dossier) == before


@pytest.mark.parametrize(
    ("checklist", "failed"),
    [
        (
            {"TO_KHAI": (True, ""), "GIAY_CHUNG_SINH": (False, "Mờ, không đọc được")},
            {"component:GIAY_CHUNG_SINH"},
        ),
        ({"TO_KHAI": (True, "")}, {"component:GIAY_CHUNG_SINH"}),  # left unchecked
        ({"TO_KHAI": (True, ""), "GIAY_CHUNG_SINH": (None, "")}, {"component:GIAY_CHUNG_SINH"}),
        ({}, {"component:TO_KHAI", "component:GIAY_CHUNG_SINH"}),
    ],
)
def test_receive_with_a_failed_required_check_is_refused(
    make_dossier: MakeDossier,
    people: dict[str, User],
    checklist: dict[str, Any],
    failed: set[str],
) -> None:
    dossier = make_dossier(Status.SUBMITTED)
    before = snapshot(dossier)
    with pytest.raises(InvalidInput) as excinfo:
        services.receive(dossier.pk, people["receiver"], checklist)
    assert set(excinfo.value.errors) == failed
    assert snapshot(dossier) == before
    # The checks are not kept either: the whole intake is rolled back.
    assert set(dossier.components.values_list("checked", flat=True)) == {None}


def test_an_unchecked_optional_component_does_not_block_intake(
    birth: Procedure, ward: Agency, citizen: User, people: dict[str, User]
) -> None:
    files = birth_files() | {"GIAY_DK_KET_HON": pdf_upload("Giấy kết hôn")}
    dossier, _ = services.submit_online(citizen, birth, ward, BIRTH_FORM, files)
    checklist = BIRTH_CHECKLIST | {"GIAY_DK_KET_HON": (False, "Không cần")}
    received = services.receive(dossier.pk, people["receiver"], checklist)
    assert received.status == Status.RECEIVED
    assert received.components.get(code="GIAY_DK_KET_HON").checked is False


@pytest.mark.parametrize("assignee", ["receiver", "approver", "citizen", "stranger"])
def test_assign_to_someone_who_is_not_a_processor_here_is_refused(
    make_dossier: MakeDossier,
    people: dict[str, User],
    make_official: Callable[..., User],
    other_ward: Agency,
    assignee: str,
) -> None:
    dossier = make_dossier(Status.RECEIVED)
    before = snapshot(dossier)
    candidates = {
        "receiver": people["receiver"],
        "approver": people["approver"],
        "citizen": people[APPLICANT],
        "stranger": make_official(other_ward, "processor"),  # a processor, elsewhere
    }
    with pytest.raises(InvalidInput) as excinfo:
        services.assign(dossier.pk, people["receiver"], candidates[assignee])
    assert list(excinfo.value.errors) == ["assignee"]
    assert snapshot(dossier) == before


@pytest.mark.parametrize(
    "new_date",
    [
        date(2026, 3, 11),  # in the past
        date(2026, 3, 12),  # today
        date(2026, 3, 14),  # a Saturday
        date(2026, 4, 30),  # a public holiday
        date(2026, 3, 13),  # a working day, but not after the due date (Mon 16/3)
        date(2026, 3, 16),  # the due date itself
    ],
)
def test_an_apology_date_must_be_a_future_working_day_after_the_due_date(
    make_dossier: MakeDossier, people: dict[str, User], new_date: date
) -> None:
    with time_machine.travel(vn(2026, 3, 11, 9), tick=False):
        dossier = make_dossier(Status.PROCESSING)
        # Give it a later due date than the one-day birth registration, so that a future
        # working day before it exists: due Monday 16/3/2026.
        Dossier.objects.filter(pk=dossier.pk).update(due_at=vn(2026, 3, 16, 9))
    before = snapshot(dossier)
    with time_machine.travel(vn(2026, 3, 12, 10), tick=False), pytest.raises(InvalidInput) as exc:
        services.apologise(dossier.pk, people["processor"], "Chờ xác minh", new_date)
    assert list(exc.value.errors) == ["new_date"]
    assert snapshot(dossier) == before
    with time_machine.travel(vn(2026, 3, 12, 10), tick=False):
        services.apologise(dossier.pk, people["processor"], "Chờ xác minh", date(2026, 3, 17))
    assert Dossier.objects.get(pk=dossier.pk).promised_at == vn(2026, 3, 17, 17)


def test_rating_twice_is_refused(make_dossier: MakeDossier, people: dict[str, User]) -> None:
    dossier = make_dossier(Status.RETURNED)
    services.rate(dossier.pk, people[APPLICANT], 2)
    before = snapshot(dossier)
    with pytest.raises(WrongState):
        services.rate(dossier.pk, people[APPLICANT], 3)
    assert snapshot(dossier) == before
    assert Dossier.objects.get(pk=dossier.pk).rating == 2


@pytest.mark.parametrize("score", [0, 4, -1])
def test_a_rating_outside_the_scale_is_refused(
    make_dossier: MakeDossier, people: dict[str, User], score: int
) -> None:
    dossier = make_dossier(Status.RETURNED)
    with pytest.raises(InvalidInput) as excinfo:
        services.rate(dossier.pk, people[APPLICANT], score)
    assert list(excinfo.value.errors) == ["score"]
    assert Dossier.objects.get(pk=dossier.pk).rating is None


def test_an_incomplete_dossier_cannot_be_submitted(
    birth: Procedure, ward: Agency, citizen: User
) -> None:
    draft = services.start_draft(citizen, birth, ward)
    services.save_draft(draft.pk, citizen, {"child_full_name": "K", "copies": "11"}, {})
    with pytest.raises(InvalidInput) as excinfo:
        services.submit(draft.pk, citizen)
    assert set(excinfo.value.errors) == {
        "child_full_name",  # too short
        "copies",  # above the maximum
        "child_birth_date",
        "child_sex",
        "birth_place",
        "mother_full_name",
        "relationship",
        # Not TO_KHAI: the declaration is the online form itself (tests/catalog/test_online_form).
        "component:GIAY_CHUNG_SINH",
    }
    draft.refresh_from_db()
    assert (draft.status, draft.code) == (Status.DRAFT, None)


def test_a_supplement_must_leave_the_dossier_complete(
    make_dossier: MakeDossier, people: dict[str, User]
) -> None:
    dossier = make_dossier(Status.AWAITING_SUPPLEMENT)
    with pytest.raises(InvalidInput) as excinfo:
        services.provide_supplement(dossier.pk, people[APPLICANT], {"child_sex": "X"}, {})
    assert "child_sex" in excinfo.value.errors
    assert Dossier.objects.get(pk=dossier.pk).status == Status.AWAITING_SUPPLEMENT


def test_files_for_unknown_components_or_of_the_wrong_type_are_refused(
    birth: Procedure, ward: Agency, citizen: User
) -> None:
    files = birth_files() | {
        "KHONG_CO": pdf_upload("Lạ"),
        "TO_KHAI": upload(b"plain text, not a PDF", "to-khai.pdf"),
    }
    with pytest.raises(InvalidInput) as excinfo:
        services.submit_online(citizen, birth, ward, BIRTH_FORM, files)
    assert set(excinfo.value.errors) == {"component:KHONG_CO", "component:TO_KHAI"}
    assert not Dossier.objects.filter(applicant=citizen).exists()


def test_only_citizens_start_drafts_at_agencies_that_perform_the_procedure(
    birth: Procedure,
    ward: Agency,
    agencies: dict[str, Agency],
    citizen: User,
    people: dict[str, User],
) -> None:
    with pytest.raises(NotAllowed):
        services.start_draft(people["receiver"], birth, ward)
    with pytest.raises(InvalidInput) as excinfo:
        services.start_draft(citizen, birth, agencies["000.00.01.H26"])  # province, not commune
    assert list(excinfo.value.errors) == ["agency"]
    assert not Dossier.objects.exists()


def test_a_provided_optional_component_left_unmarked_blocks_intake(
    birth: Procedure, ward: Agency, citizen: User, people: dict[str, User]
) -> None:
    """Nothing is taken as checked: every document provided is marked, one way or the other."""
    files = birth_files() | {"GIAY_DK_KET_HON": pdf_upload("Giấy kết hôn")}
    dossier, _ = services.submit_online(citizen, birth, ward, BIRTH_FORM, files)
    before = snapshot(dossier)
    with pytest.raises(InvalidInput) as excinfo:
        services.receive(dossier.pk, people["receiver"], BIRTH_CHECKLIST)
    assert set(excinfo.value.errors) == {"component:GIAY_DK_KET_HON"}
    assert snapshot(dossier) == before
    assert set(dossier.components.values_list("checked", flat=True)) == {None}
