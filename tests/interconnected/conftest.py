"""Interconnected applications: the demo activations, the agencies' officials, a population
registry answering in this process, and a helper that drives a member's dossier to its end."""

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
import yaml
from django.conf import settings

from egov.catalog.models import ProcedureGroup
from egov.core.errors import InvalidInput
from egov.core.models import Agency
from egov.dossiers import services
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.identity.account.registry import PopulationRegistry, RegistryRefused
from egov.identity.models import User
from egov.interconnected import services as interconnected
from egov.interconnected.models import Application, Part
from egov.interconnected.services import load_activations
from egov.payments import services as payments
from egov.registries import services as registry
from egov.registries.models import PopulationRecord
from tests.conftest import pdf_upload

BIRTH_GROUP, DEATH_GROUP = "2.000986", "2.002622"
BIRTH, RESIDENCE, HEALTH_CARD = "1.001193", "1.004222", "1.000310"
DEATH, DEREGISTRATION, FUNERAL, SURVIVOR = "1.000656", "1.004206", "1.001964", "1.001965"
WARD, WARD_POLICE, WARD_INSURANCE = "000.00.31.H26", "000.31.04.H26", "000.31.07.H26"

#: What a mother declares once for her newborn (the union of the three members' forms).
NEWBORN = {
    "child_full_name": "Nguyễn Minh An",
    "child_birth_date": "2026-11-20",
    "child_sex": "Nữ",
    "ethnicity": "Kinh",
    "birth_place": "Bệnh viện Phụ sản Hà Nội",
    "mother_full_name": "Trần Thị Bình",
    "relationship": "Mẹ",
    "copies": 1,
    "residence_address": "25 Liễu Giai, phường Ba Đình, Hà Nội",
    "residence_basis": "Về ở với người thân (vợ/chồng, cha/mẹ, con…)",
    "household_head_name": "Trần Thị Bình",
    "relationship_to_head": "Con",
}


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
#: The death group's optional members: the funeral allowance and the survivor benefit.
ALL_DEATH = [FUNERAL, SURVIVOR]


def death_files() -> dict[str, services.Upload]:
    return {"GIAY_BAO_TU": pdf_upload("Giấy báo tử")}


def newborn_files() -> dict[str, services.Upload]:
    return {
        "GIAY_CHUNG_SINH": pdf_upload("Giấy chứng sinh"),
        "CHO_O_HOP_PHAP": pdf_upload("Giấy chứng nhận quyền sử dụng đất"),
    }


class InProcessRegistry(PopulationRegistry):
    """The registry's own service, called in this process: the flow's tests need no server.
    ``test_gateway.py`` takes the same steps through the data-sharing gateway."""

    def register_birth(self, **fields: Any) -> str:
        try:
            return registry.register_birth(**fields).personal_id
        except InvalidInput as exc:
            raise RegistryRefused(exc.message) from exc


@pytest.fixture
def activations(catalog: Any) -> None:
    load_activations(yaml.safe_load(settings.INTERCONNECTED_FILE.read_text("utf-8")))


@pytest.fixture
def in_process_registry(settings: Any) -> None:
    settings.POPULATION_REGISTRY_CLIENT = "tests.interconnected.conftest.InProcessRegistry"


@pytest.fixture
def groups(activations: None) -> dict[str, ProcedureGroup]:
    return {g.code: g for g in ProcedureGroup.objects.filter(is_current=True)}


@pytest.fixture
def mother(make_citizen: Callable[..., User]) -> User:
    """A level-2 citizen the population registry knows (she is the newborn's mother)."""
    person = make_citizen(full_name="Trần Thị Bình", birth_date=date(1995, 4, 2))
    PopulationRecord.objects.create(
        personal_id=person.personal_id,
        full_name=person.full_name,
        birth_date=date(1995, 4, 2),
        sex="female",
        permanent_address="25 Liễu Giai, phường Ba Đình, Hà Nội",
        household_id="HN0000000001",
        relation_to_head="head",
    )
    return person


@pytest.fixture
def officials(make_official: Callable[..., User]) -> Callable[[str], dict[str, User]]:
    """``officials(agency code)``: one official per back-office role at that agency."""
    made: dict[str, dict[str, User]] = {}

    def of(code: str) -> dict[str, User]:
        if code not in made:
            agency = Agency.objects.get(code=code)
            made[code] = {
                role: make_official(agency, role) for role in ("receiver", "processor", "approver")
            }
        return made[code]

    return of


@pytest.fixture
def process(
    officials: Callable[[str], dict[str, User]], django_capture_on_commit_callbacks: Any
) -> Callable[..., Dossier]:
    """``process(dossier_id, until="result")`` drives a member's dossier as its agency's
    officials would: receive (after the fees, paid at the counter; unless received already),
    assign, propose, approve;
    the callbacks after each commit run (the result is signed, the application moves on)."""

    def drive(dossier_id: int, until: str = "result") -> Dossier:
        dossier = Dossier.objects.select_related("agency").get(pk=dossier_id)
        staff = officials(dossier.agency.code)
        checklist = {c.code: (True, "") for c in dossier.components.all()}
        with django_capture_on_commit_callbacks(execute=True):
            if dossier.status == Status.SUBMITTED:  # else received already: go on from there
                if dossier.awaiting_payment:
                    payments.record_counter_payment(staff["receiver"], dossier.pk, "cash")
                services.receive(dossier.pk, staff["receiver"], checklist)
            if until == "received":
                return Dossier.objects.get(pk=dossier_id)
            services.assign(dossier.pk, staff["receiver"], staff["processor"])
            services.propose(dossier.pk, staff["processor"])
            services.approve(dossier.pk, staff["approver"])
        return Dossier.objects.get(pk=dossier_id)

    return drive


@pytest.fixture
def commit(django_capture_on_commit_callbacks: Any) -> Callable[[], Iterator[Any]]:
    """``with commit():`` runs what a block queued for after its commit (tasks)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def apply(
    groups: dict[str, ProcedureGroup], mother: User, commit: Callable[[], Any]
) -> Callable[..., Application]:
    """``apply(form, applicant=, place=, uploads=)``: the mother files the birth group."""

    def submit(form: dict[str, Any] | None = None, **kwargs: Any) -> Application:
        with commit():
            return interconnected.submit_application(
                kwargs.get("applicant", mother),
                groups[BIRTH_GROUP],
                Agency.objects.get(code=kwargs.get("place", WARD)),
                [],
                form or NEWBORN,
                kwargs.get("uploads", newborn_files()),
            )

    return submit


def parts(application: Application) -> dict[str, Part]:
    return {part.procedure_code: part for part in application.parts.all()}
