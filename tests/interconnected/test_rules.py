"""The rules of docs/interconnected.md, member by member in both groups: a refusal stops its
member and those that need its result, nothing else; a supplement stops only its member's
clock, and once supplied the member goes on."""

from collections.abc import Callable
from typing import Any

import pytest

from egov.catalog.models import ProcedureGroup
from egov.core.models import Agency
from egov.dossiers import services as dossier_services
from egov.dossiers.models import Dossier
from egov.identity.models import User
from egov.interconnected import services
from egov.interconnected.constants import ApplicationStatus, PartState
from egov.interconnected.models import Application, Part
from tests.conftest import pdf_upload

from .conftest import BIRTH_GROUP, DEATH_GROUP, NEWBORN, WARD, newborn_files

pytestmark = pytest.mark.usefixtures("in_process_registry")

DEATH = "1.000656"
#: A relative declares once: the death, the deregistration, and both benefits.
DECEASED = {
    "deceased_full_name": "Nguyễn Văn Hùng",
    "deceased_birth_date": "1950-03-15",
    "deceased_sex": "Nam",
    "deceased_personal_id": "001050001234",
    "death_date": "2026-11-28",
    "death_place": "Bệnh viện Bạch Mai, Hà Nội",
    "last_residence": "25 Liễu Giai, phường Ba Đình, Hà Nội",
    "declarant_full_name": "Trần Thị Bình",
    "relationship": "Con",
    "social_insurance_number": "0105123456",
    "benefit_kind": "Trợ cấp tuất một lần",
}
ALL_DEATH = ["1.001964", "1.001965"]


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
                {"GIAY_BAO_TU": pdf_upload("Giấy báo tử")} if death else newborn_files(),
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
            {"GIAY_BAO_TU": pdf_upload("Giấy báo tử")} if death else newborn_files(),
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
