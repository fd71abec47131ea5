"""The rules of docs/interconnected.md, member by member in both groups: a refusal at intake or
a rejection after it stops its member and those that need its result, nothing else; a
supplement stops only its member's clock, and once supplied the member goes on."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from egov.catalog.models import ProcedureGroup
from egov.core.models import Agency
from egov.dossiers import services as dossier_services
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.identity.models import User
from egov.interconnected import services
from egov.interconnected.constants import ApplicationStatus, PartState
from egov.interconnected.models import Application, Part
from tests.conftest import pdf_upload

from .conftest import (
    ALL_DEATH,
    BIRTH_GROUP,
    DEATH,
    DEATH_GROUP,
    DECEASED,
    NEWBORN,
    WARD,
    death_files,
    newborn_files,
)

pytestmark = pytest.mark.usefixtures("in_process_registry")


@pytest.fixture
def filed(
    groups: dict[str, ProcedureGroup],
    mother: User,
    commit: Any,
    process: Callable[..., Dossier],
) -> Callable[[str], Application]:
    """An application of ``group`` whose first member has its result: every member filed."""

    def make(group: str) -> Application:
        death = group == DEATH_GROUP
        with commit():
            application = services.submit_application(
                mother,
                groups[group],
                Agency.objects.get(code=WARD),
                ALL_DEATH if death else [],
                DECEASED if death else NEWBORN,
                death_files() if death else newborn_files(),
            )
        first = application.parts.get(position=0)
        process(first.dossier_id)
        assert set(application.parts.values_list("state", flat=True)) == {
            PartState.RESULT,
            PartState.FILED,
        }
        return application

    return make


def states(application: Application) -> dict[str, str]:
    return dict(application.parts.values_list("procedure_code", "state"))


@pytest.fixture
def death_application(
    groups: dict[str, ProcedureGroup], mother: User, commit: Any
) -> Callable[[list[str]], Application]:
    """``death_application(benefits)``: a relative files the death group; only the death
    registration is filed, the others wait for its extract."""

    def make(benefits: list[str]) -> Application:
        with commit():
            return services.submit_application(
                mother,
                groups[DEATH_GROUP],
                Agency.objects.get(code=WARD),
                benefits,
                DECEASED,
                death_files(),
            )

    return make


def test_a_refused_death_registration_cancels_the_members_that_need_its_result(
    death_application: Callable[[list[str]], Application],
    officials: Callable[[str], dict[str, User]],
    commit: Any,
) -> None:
    """Rule 2, as for the refused birth: every other member of the death group needs the death
    extract, so none of them is filed."""
    application = death_application(ALL_DEATH)
    death = application.parts.get(procedure_code=DEATH)
    assert death.position == 0 and death.state == PartState.FILED
    assert set(states(application).values()) == {PartState.FILED, PartState.WAITING}
    with commit():
        dossier_services.refuse_intake(
            death.dossier_id, officials(WARD)["receiver"], "Giấy báo tử không hợp lệ"
        )
    application.refresh_from_db()
    death.refresh_from_db()
    assert (death.state, death.dossier_status, death.note) == (
        PartState.STOPPED,
        Status.REFUSED,
        "Giấy báo tử không hợp lệ",
    )
    others = application.parts.exclude(procedure_code=DEATH)
    assert sorted(others.values_list("procedure_code", flat=True)) == sorted(
        ["1.004206", *ALL_DEATH]
    )
    for other in others:
        assert other.state == PartState.CANCELLED
        assert DEATH in other.note  # names the member whose result it needed
        assert other.dossier_id is None and other.finished_at is not None
    assert Dossier.objects.filter(applicant=application.applicant).count() == 1
    assert application.status == ApplicationStatus.REFUSED


@pytest.mark.parametrize("group", [BIRTH_GROUP, DEATH_GROUP])
def test_a_first_member_rejected_after_intake_cancels_the_members_that_need_it(
    groups: dict[str, ProcedureGroup],
    mother: User,
    officials: Callable[[str], dict[str, User]],
    process: Callable[..., Dossier],
    commit: Any,
    client: Client,
    group: str,
) -> None:
    """Rule 2, the "rejected" path: received (its clock running), assigned, then rejected by
    the processor ("từ chối giải quyết"), not refused at intake. The same as a refusal for the
    members that need its result."""
    death = group == DEATH_GROUP
    with commit():
        application = services.submit_application(
            mother,
            groups[group],
            Agency.objects.get(code=WARD),
            ALL_DEATH if death else [],
            DECEASED if death else NEWBORN,
            death_files() if death else newborn_files(),
        )
    first = application.parts.get(position=0)
    staff = officials(WARD)
    process(first.dossier_id, until="received")
    first.refresh_from_db()
    assert (first.state, first.dossier_status) == (PartState.FILED, Status.RECEIVED)
    assert first.due_at is not None  # the clock started at intake
    with commit():
        dossier_services.assign(first.dossier_id, staff["receiver"], staff["processor"])
        dossier_services.reject(first.dossier_id, staff["processor"], "Người khai không có quyền")
    first.refresh_from_db()
    assert (first.state, first.dossier_status, first.note) == (
        PartState.STOPPED,
        Status.REJECTED,
        "Người khai không có quyền",
    )
    application.refresh_from_db()
    others = application.parts.exclude(position=0)
    assert {other.state for other in others} == {PartState.CANCELLED}
    assert all(first.procedure_code in other.note and other.dossier_id is None for other in others)
    assert application.status == ApplicationStatus.REFUSED
    # The applicant sees which agency stopped and why.
    client.force_login(mother)
    page = client.get(f"/lien-thong/ho-so/{application.pk}/").content.decode()
    assert "Người khai không có quyền" in page
    assert "Dừng giải quyết" in page and "Không thể thực hiện" in page  # stopped; cannot start


LATER = [
    (BIRTH_GROUP, "1.004222"),
    (BIRTH_GROUP, "1.000310"),
    (DEATH_GROUP, "1.004206"),
    (DEATH_GROUP, "1.001964"),
    (DEATH_GROUP, "1.001965"),
]


@pytest.mark.parametrize(("group", "member"), LATER)
def test_a_refused_member_stops_alone(
    filed: Callable[[str], Application],
    officials: Callable[[str], dict[str, User]],
    process: Callable[..., Dossier],
    commit: Any,
    group: str,
    member: str,
) -> None:
    application = filed(group)
    refused = application.parts.get(procedure_code=member)
    agency = refused.agency.code
    with commit():
        dossier_services.refuse_intake(
            refused.dossier_id, officials(agency)["receiver"], "Sai nơi nộp"
        )
    others = application.parts.exclude(position=0).exclude(procedure_code=member)
    for other in others:
        assert other.state == PartState.FILED  # untouched
        process(other.dossier_id)
    application.refresh_from_db()
    expected = dict.fromkeys(states(application), PartState.RESULT) | {member: PartState.STOPPED}
    assert states(application) == expected
    assert application.parts.get(procedure_code=member).note == "Sai nơi nộp"
    assert application.status == ApplicationStatus.PARTLY


@pytest.mark.parametrize(("group", "member"), LATER)
def test_a_member_rejected_after_intake_stops_alone(
    filed: Callable[[str], Application],
    officials: Callable[[str], dict[str, User]],
    process: Callable[..., Dossier],
    commit: Any,
    group: str,
    member: str,
) -> None:
    """Rule 2, the "rejected" path for a later member: received and being processed at its
    agency, then rejected; the others go on to their results."""
    application = filed(group)
    rejected = application.parts.get(procedure_code=member)
    staff = officials(rejected.agency.code)
    process(rejected.dossier_id, until="received")
    with commit():
        dossier_services.assign(rejected.dossier_id, staff["receiver"], staff["processor"])
        dossier_services.reject(rejected.dossier_id, staff["approver"], "Không đủ điều kiện")
    rejected.refresh_from_db()
    assert (rejected.state, rejected.dossier_status, rejected.note) == (
        PartState.STOPPED,
        Status.REJECTED,
        "Không đủ điều kiện",
    )
    others = application.parts.exclude(position=0).exclude(procedure_code=member)
    for other in others:
        assert other.state == PartState.FILED  # untouched
        process(other.dossier_id)
    application.refresh_from_db()
    expected = dict.fromkeys(states(application), PartState.RESULT) | {member: PartState.STOPPED}
    assert states(application) == expected
    assert application.status == ApplicationStatus.PARTLY


@pytest.mark.parametrize(("group", "member"), LATER)
def test_a_supplement_stops_only_its_member(
    filed: Callable[[str], Application],
    officials: Callable[[str], dict[str, User]],
    process: Callable[..., Dossier],
    mother: User,
    commit: Any,
    group: str,
    member: str,
) -> None:
    application = filed(group)
    asked = application.parts.get(procedure_code=member)
    staff = officials(asked.agency.code)
    dossier = process(asked.dossier_id, until="received")
    component = next(c.code for c in dossier.components.all() if c.source != "form")
    with commit():
        dossier_services.request_supplement(
            dossier.pk, staff["receiver"], "Bản chụp bị mờ", [component]
        )
    others = application.parts.exclude(position=0).exclude(procedure_code=member)
    for other in others:
        process(other.dossier_id)
    assert states(application)[member] == PartState.SUPPLEMENT
    assert application.parts.get(procedure_code=member).note == "Bản chụp bị mờ"
    assert all(states(application)[o.procedure_code] == PartState.RESULT for o in others)
    with commit():
        dossier_services.provide_supplement(
            dossier.pk, mother, None, {component: pdf_upload("Bản chụp rõ")}
        )
    assert states(application)[member] == PartState.FILED
    with commit():
        dossier_services.assign(dossier.pk, staff["receiver"], staff["processor"])
        dossier_services.propose(dossier.pk, staff["processor"])
        dossier_services.approve(dossier.pk, staff["approver"])
    application.refresh_from_db()
    assert application.status == ApplicationStatus.COMPLETED


@pytest.mark.parametrize("group", [BIRTH_GROUP, DEATH_GROUP])
def test_a_supplement_to_the_first_member_holds_the_others(
    groups: dict[str, ProcedureGroup],
    mother: User,
    officials: Callable[[str], dict[str, User]],
    process: Callable[..., Dossier],
    commit: Any,
    group: str,
) -> None:
    death = group == DEATH_GROUP
    with commit():
        application = services.submit_application(
            mother,
            groups[group],
            Agency.objects.get(code=WARD),
            [],
            DECEASED if death else NEWBORN,
            death_files() if death else newborn_files(),
        )
    first = application.parts.get(position=0)
    process(first.dossier_id, until="received")
    code = "GIAY_BAO_TU" if death else "GIAY_CHUNG_SINH"
    with commit():
        dossier_services.request_supplement(
            first.dossier_id, officials(WARD)["receiver"], "Thiếu trang 2", [code]
        )
    assert set(states(application).values()) == {PartState.SUPPLEMENT, PartState.WAITING}
    with commit():
        dossier_services.provide_supplement(
            first.dossier_id, mother, None, {code: pdf_upload("Đủ trang")}
        )
    assert Part.objects.get(pk=first.pk).state == PartState.FILED
    assert Part.objects.filter(application=application, state=PartState.WAITING).count() == (
        1 if death else 2
    )
