"""Counter submission: a receiving official files a dossier for a citizen standing at the desk."""

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from egov.catalog.models import Procedure
from egov.core.models import Agency
from egov.dossiers import services
from egov.dossiers.constants import Channel, ComponentSource, Status
from egov.dossiers.models import Dossier
from egov.dossiers.services import InvalidInput, NotAllowed
from egov.identity.models import User, UserKind
from tests.conftest import BIRTH_FORM, bearer, birth_files, log_in, pdf_bytes, vn


def test_a_counter_dossier_is_received_at_once_with_checked_components(
    birth: Procedure, ward: Agency, citizen: User, staff: dict[str, User]
) -> None:
    posted = {key: str(value) for key, value in BIRTH_FORM.items()}
    posted["child_birth_date"] = "30/10/2026"
    with time_machine.travel(vn(2026, 2, 13, 10), tick=False):
        dossier = services.submit_at_counter(
            staff["receiver"], citizen, birth, ward, posted, birth_files()
        )
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED
    assert dossier.channel == Channel.COUNTER
    assert dossier.applicant == citizen and dossier.submitted_by == staff["receiver"]
    assert dossier.code == "H26.31-20260213-0000001"
    assert dossier.submitted_at == dossier.received_at == vn(2026, 2, 13, 10)
    assert dossier.due_at == vn(2026, 2, 23, 10)
    assert dossier.form_data == BIRTH_FORM  # coerced from what was typed at the desk
    components = list(dossier.components.values_list("code", "checked", "source"))
    assert sorted(components) == [
        ("GIAY_CHUNG_SINH", True, ComponentSource.SCAN),
        ("TO_KHAI", True, ComponentSource.SCAN),
    ]
    events = list(dossier.events.order_by("id").values_list("kind", "from_status", "to_status"))
    assert events == [
        ("submitted", Status.DRAFT, Status.SUBMITTED),
        ("received", Status.SUBMITTED, Status.RECEIVED),
    ]
    assert dossier.events.get(kind="submitted").data == {"channel": "counter"}
    assert set(dossier.events.values_list("actor", flat=True)) == {staff["receiver"].pk}


@pytest.mark.parametrize("role", ["processor", "approver", "agency_admin"])
def test_only_a_receiver_files_at_the_counter(
    birth: Procedure, ward: Agency, citizen: User, staff: dict[str, User], role: str
) -> None:
    with pytest.raises(NotAllowed):
        services.submit_at_counter(staff[role], citizen, birth, ward, BIRTH_FORM, birth_files())
    assert not Dossier.objects.exists()


def test_a_receiver_files_only_for_their_own_agency(
    birth: Procedure,
    ward: Agency,
    other_ward: Agency,
    citizen: User,
    make_official: Callable[..., User],
) -> None:
    stranger = make_official(other_ward, "receiver")
    with pytest.raises(NotAllowed):
        services.submit_at_counter(stranger, citizen, birth, ward, BIRTH_FORM, birth_files())
    with pytest.raises(NotAllowed):
        services.submit_at_counter(citizen, citizen, birth, ward, BIRTH_FORM, birth_files())
    assert not Dossier.objects.exists()


def test_an_incomplete_counter_dossier_is_refused_and_leaves_nothing(
    birth: Procedure, ward: Agency, citizen: User, staff: dict[str, User]
) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        services.submit_at_counter(
            staff["receiver"], citizen, birth, ward, {"child_full_name": "Khôi"}, {}
        )
    assert "component:TO_KHAI" in excinfo.value.errors
    assert "child_birth_date" in excinfo.value.errors
    assert not Dossier.objects.exists()


def test_find_or_create_citizen(db: object, citizen: User) -> None:
    assert citizen.personal_id is not None
    same = services.find_or_create_citizen(
        personal_id=citizen.personal_id, full_name="Tên khác", birth_date=None
    )
    assert same == citizen and same.full_name == citizen.full_name
    new = services.find_or_create_citizen(
        personal_id="001199012345",
        full_name="Hoàng Văn Em",
        birth_date=date(1990, 1, 2),
        phone="0987654321",
    )
    assert new.kind == UserKind.CITIZEN and new.username == "001199012345"
    assert not new.has_usable_password()
    with pytest.raises(InvalidInput) as excinfo:
        services.find_or_create_citizen(personal_id="12345", full_name="X", birth_date=None)
    assert "personal_id" in excinfo.value.errors


def _counter_post(client: Client, user: User, **extra: object) -> Any:
    data: dict[str, object] = {
        "procedure": "1.001193",
        "agency": "000.00.31.H26",
        "personal_id": "001199012345",
        "full_name": "Hoàng Văn Em",
        "birth_date": "1990-01-02",
        "phone": "0987654321",
        "form": json.dumps(BIRTH_FORM),
        "TO_KHAI": SimpleUploadedFile("to-khai.pdf", pdf_bytes("Tờ khai")),
        "GIAY_CHUNG_SINH": SimpleUploadedFile("gcs.pdf", pdf_bytes("Giấy chứng sinh")),
    }
    data.update(extra)
    return client.post("/api/v1/backoffice/counter-dossiers", data, headers=bearer(user))


def test_counter_api(
    client: Client,
    catalog: object,
    staff: dict[str, User],
    make_official: Callable[..., User],
    other_ward: Agency,
) -> None:
    response = _counter_post(client, staff["receiver"])
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["channel"]) == ("received", "counter")
    assert {c["code"]: c["checked"] for c in body["components"]} == {
        "TO_KHAI": True,
        "GIAY_CHUNG_SINH": True,
    }
    applicant = Dossier.objects.get(pk=body["id"]).applicant
    assert (applicant.personal_id, applicant.full_name) == ("001199012345", "Hoàng Văn Em")

    assert _counter_post(client, staff["processor"]).status_code == 403
    stranger = make_official(other_ward, "receiver")
    assert _counter_post(client, stranger).status_code == 403
    assert Dossier.objects.count() == 1


def test_counter_page_is_for_receivers_only(
    client: Client, staff: dict[str, User], citizen: User
) -> None:
    log_in(client, staff["receiver"])
    assert client.get("/backoffice/counter/").status_code == 200
    log_in(client, staff["processor"])
    assert client.get("/backoffice/counter/").status_code == 404
    client.force_login(citizen)
    assert client.get("/backoffice/counter/").status_code == 404
