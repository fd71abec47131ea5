"""Once-only: a level-2 citizen's form is filled from the population registry, reached through
the gateway, and says so; without the registry the account fills what it can."""

from datetime import date
from typing import Any

import pytest
from django.test import Client

from egov.dossiers.models import Dossier
from egov.registries.models import LookupLog, PopulationRecord
from egov.registries.services import personal_id_digest
from tests.gateway_server import PORTAL, gateway_server, join_population_registry

__all__ = ["gateway_server"]

CRIMINAL_RECORD, DEPARTMENT = "2.000488", "000.00.01.H26"
SOURCE_NOTE = "Được điền từ Cơ sở dữ liệu quốc gia về dân cư"


@pytest.fixture
def citizen_in_registry(make_citizen: Any) -> Any:
    PopulationRecord.objects.create(
        personal_id="001087000006",
        full_name="Vũ Đức Giang",
        birth_date=date(1987, 9, 30),
        sex="male",
        permanent_address="17 Giảng Võ, phường Giảng Võ, Hà Nội",
    )
    # The account was typed in by the person: the registry's spelling is the state's.
    return make_citizen(personal_id="001087000006", full_name="Vu Duc Giang", address="")


def start(client: Client, user: Any) -> Dossier:
    client.force_login(user)
    answer = client.post(f"/procedures/{CRIMINAL_RECORD}/start/", {"agency": DEPARTMENT})
    assert answer.status_code == 302, answer.content.decode()[:500]
    return Dossier.objects.get(applicant=user)


def test_the_form_is_filled_from_the_registry_and_says_so(
    client: Client,
    gateway_server: str,
    agencies: Any,
    catalog: Any,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    citizen_in_registry: Any,
) -> None:
    join_population_registry(gateway_server, settings, monkeypatch, "prefill-registry-key")
    dossier = start(client, citizen_in_registry)
    assert dossier.form_data["full_name"] == "Vũ Đức Giang"
    assert dossier.form_data["birth_date"] == "1987-09-30"
    assert dossier.form_data["address"] == "17 Giảng Võ, phường Giảng Võ, Hà Nội"
    assert dossier.form_data["personal_id"] == "001087000006"  # the account's own
    assert dossier.prefill_sources == {
        "full_name": "population_registry",
        "birth_date": "population_registry",
        "address": "population_registry",
    }
    page = client.get(f"/dossiers/{dossier.pk}/edit/").content.decode()
    assert page.count(SOURCE_NOTE) == 3
    # The registry logged the lookup: who asked, why, and no ID number in clear.
    [log] = LookupLog.objects.all()
    assert (log.client, log.found) == (PORTAL, True)
    assert log.purpose == f"Điền sẵn tờ khai thủ tục {CRIMINAL_RECORD}"
    assert log.personal_id_sha256 == personal_id_digest("001087000006")


def test_without_the_registry_the_account_fills_what_it_can(
    client: Client, agencies: Any, catalog: Any, settings: Any, citizen_in_registry: Any
) -> None:
    settings.GATEWAY_URL, settings.GATEWAY_CLIENT_SECRET = "http://127.0.0.1:9", "x"
    dossier = start(client, citizen_in_registry)
    assert dossier.form_data["full_name"] == "Vu Duc Giang"
    assert "address" not in dossier.form_data
    assert dossier.prefill_sources == {}
    assert SOURCE_NOTE not in client.get(f"/dossiers/{dossier.pk}/edit/").content.decode()


def test_a_level_one_citizen_is_not_looked_up(
    client: Client, agencies: Any, catalog: Any, make_citizen: Any, settings: Any
) -> None:
    settings.GATEWAY_URL, settings.GATEWAY_CLIENT_SECRET = "http://127.0.0.1:9", "x"
    person = make_citizen(identity_level=1)
    client.force_login(person)
    client.post("/procedures/1.001193/start/", {"agency": "000.00.31.H26"})
    assert not LookupLog.objects.exists()
