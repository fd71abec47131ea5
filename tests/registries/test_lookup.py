"""The population lookup: a few fields of a record for a caller with the service key and a
stated purpose, every lookup logged with the gateway's headers and only the SHA-256 of the
number looked up."""

import hashlib
import json
from datetime import date
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory

from egov.identity.models import User
from egov.registries.admin import LookupLogAdmin
from egov.registries.models import LookupLog, PopulationRecord
from egov.registries.services.population import personal_id_digest
from tests.identity.test_admin import verified

URL = "/api/v1/registries/population/lookup"
KEY = "registry-test-key"
PERSON = "001087000006"
PURPOSE = "Điền sẵn thông tin người nộp hồ sơ G09.20-20260609-0092637"
CLIENT = "000.00.31.H26/MOTCUA"


@pytest.fixture
def registry(db: Any, settings: Any) -> PopulationRecord:
    settings.POPULATION_REGISTRY_KEY = KEY
    return PopulationRecord.objects.create(
        personal_id=PERSON,
        full_name="Vũ Đức Giang",
        birth_date=date(1987, 9, 30),
        sex="male",
        permanent_address="17 Giảng Võ, phường Giảng Võ, Hà Nội",
        household_id="HO0000000123",
        relation_to_head="head",
    )


def ask(
    client: Client,
    key: str | None = KEY,
    headers: dict[str, str] | None = None,
    **payload: Any,
) -> Any:
    body = {"personal_id": PERSON, "purpose": PURPOSE} | payload
    body = {name: value for name, value in body.items() if value is not None}
    sent = {"X-Egov-Client": CLIENT, "X-Correlation-ID": "c0ffee-42"} | (headers or {})
    if key is not None:
        sent["Authorization"] = f"Bearer {key}"
    return client.post(URL, json.dumps(body), content_type="application/json", headers=sent)


def test_a_lookup_answers_the_limited_fields(client: Client, registry: PopulationRecord) -> None:
    response = ask(client)
    assert response.status_code == 200
    assert response.json() == {
        "personal_id": PERSON,
        "full_name": "Vũ Đức Giang",
        "birth_date": "1987-09-30",
        "sex": "male",
        "permanent_address": "17 Giảng Võ, phường Giảng Võ, Hà Nội",
    }
    assert "HO0000000123" not in response.content.decode()


def test_a_lookup_is_logged_with_the_callers_headers_and_a_hash(
    client: Client, registry: PopulationRecord
) -> None:
    ask(client)
    log = LookupLog.objects.get()
    assert (log.client, log.correlation_id, log.purpose, log.found) == (
        CLIENT,
        "c0ffee-42",
        PURPOSE,
        True,
    )
    assert log.personal_id_sha256 == personal_id_digest(PERSON)
    assert log.personal_id_sha256 != hashlib.sha256(PERSON.encode()).hexdigest()  # keyed
    stored = " ".join(str(value) for value in LookupLog.objects.values().get().values())
    assert PERSON not in stored
    assert log.created_at is not None


def test_an_unknown_person_is_404_and_logged(client: Client, registry: PopulationRecord) -> None:
    response = ask(client, personal_id="001087999999")
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not_found"
    assert "số định danh" in body["message"]
    log = LookupLog.objects.get()
    assert log.found is False
    assert log.personal_id_sha256 == personal_id_digest("001087999999")


def test_an_unnamed_caller_is_logged_as_empty(client: Client, registry: PopulationRecord) -> None:
    response = client.post(
        URL,
        json.dumps({"personal_id": PERSON, "purpose": PURPOSE}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {KEY}"},
    )
    assert response.status_code == 200
    log = LookupLog.objects.get()
    assert (log.client, log.correlation_id) == ("", "")


@pytest.mark.parametrize(
    "payload",
    [
        {"purpose": None},
        {"purpose": ""},
        {"purpose": "abcd"},
        {"purpose": "      \n  "},
        {"purpose": "x" * 501},
        {"personal_id": "00108700000"},
        {"personal_id": "00108700000a"},
        {"personal_id": None},
    ],
)
def test_malformed_lookups_are_refused_and_not_logged(
    client: Client, registry: PopulationRecord, payload: dict[str, Any]
) -> None:
    response = ask(client, **payload)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert not LookupLog.objects.exists()


def test_a_purpose_of_five_to_500_characters_is_enough(
    client: Client, registry: PopulationRecord
) -> None:
    assert ask(client, purpose="  Kiểm  ").status_code == 422  # 5 characters with its spaces
    assert ask(client, purpose="Kiểm tra").status_code == 200
    assert ask(client, purpose="x" * 500).status_code == 200
    assert LookupLog.objects.count() == 2
    assert set(LookupLog.objects.values_list("purpose", flat=True)) == {"Kiểm tra", "x" * 500}


def test_an_overlong_client_header_is_refused(client: Client, registry: PopulationRecord) -> None:
    assert ask(client, headers={"X-Egov-Client": "x" * 101}).status_code == 422
    assert not LookupLog.objects.exists()


@pytest.mark.parametrize("key", [None, "", "wrong-key"])
def test_only_the_key_holder_may_look_up(
    client: Client, registry: PopulationRecord, key: str | None
) -> None:
    response = ask(client, key=key)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert not LookupLog.objects.exists()


def test_the_verification_contract_is_unchanged(client: Client, registry: PopulationRecord) -> None:
    response = client.post(
        "/api/v1/registries/population/verify",
        json.dumps(
            {"personal_id": PERSON, "full_name": "Vũ Đức Giang", "birth_date": "1987-09-30"}
        ),
        content_type="application/json",
        headers={"Authorization": f"Bearer {KEY}", "X-Egov-Client": CLIENT},
    )
    assert response.json() == {"match": True, "found": True, "differences": []}
    assert not LookupLog.objects.exists()  # a verification reveals nothing, so it is no lookup


# --- the log in the admin ------------------------------------------------------------------------


def test_the_log_is_read_only_in_the_admin(client: Client, registry: PopulationRecord) -> None:
    ask(client)
    log = LookupLog.objects.get()
    root = User.objects.create_superuser("root", "root@example.vn", "x", full_name="Quản trị")
    verified(client, root)
    listing = client.get("/admin/registries/lookuplog/")
    assert listing.status_code == 200
    assert CLIENT in listing.content.decode()
    assert client.get("/admin/registries/lookuplog/add/").status_code == 403
    page = client.get(f"/admin/registries/lookuplog/{log.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    client.post(f"/admin/registries/lookuplog/{log.pk}/change/", {"purpose": "sửa đổi"})
    client.post(f"/admin/registries/lookuplog/{log.pk}/delete/", {"post": "yes"})
    assert LookupLog.objects.get().purpose == PURPOSE


def test_the_admin_finds_lookups_by_the_number_typed_in(
    client: Client, registry: PopulationRecord
) -> None:
    ask(client)
    ask(client, personal_id="001087999999")
    model_admin = LookupLogAdmin(LookupLog, admin.site)
    request = RequestFactory().get("/")
    found, _ = model_admin.get_search_results(request, LookupLog.objects.all(), f" {PERSON} ")
    assert [log.found for log in found] == [True]
    by_client, _ = model_admin.get_search_results(request, LookupLog.objects.all(), CLIENT)
    assert by_client.count() == 2
