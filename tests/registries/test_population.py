"""The population registry: its records, loaded from a file, and its one member service —
verification, for callers holding the service key, that reveals nothing of the record."""

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client

from egov.dossiers.demo import CITIZENS
from egov.registries.models import PopulationRecord
from egov.registries.services import load_population, normalise_name

URL = "/api/v1/registries/population/verify"
KEY = "registry-test-key"
DATA = Path(settings.BASE_DIR) / "data" / "population.yaml"


def registry_of_one(settings: Any) -> PopulationRecord:
    """The registry key configured, and one person in the registry."""
    settings.POPULATION_REGISTRY_KEY = KEY
    return PopulationRecord.objects.create(
        personal_id="001198000005",
        full_name="Hoàng Thị Em",
        birth_date=date(1998, 5, 23),
        sex="female",
        permanent_address="3 Lý Thái Tổ, phường Hoàn Kiếm, Hà Nội",
    )


@pytest.fixture
def registry(db: Any, settings: Any) -> PopulationRecord:
    return registry_of_one(settings)


def ask(client: Client, key: str | None = KEY, **payload: Any) -> Any:
    body = {"personal_id": "001198000005", "full_name": "Hoàng Thị Em", "birth_date": "1998-05-23"}
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    return client.post(
        URL, json.dumps(body | payload), content_type="application/json", headers=headers
    )


def test_a_matching_identity(client: Client, registry: PopulationRecord) -> None:
    response = ask(client)
    assert response.status_code == 200
    assert response.json() == {"match": True, "found": True, "differences": []}


def test_names_compare_without_case_or_spacing_but_with_diacritics(
    client: Client, registry: PopulationRecord
) -> None:
    assert ask(client, full_name="  hoàng   THỊ em ").json()["match"] is True
    assert normalise_name("Nguyễn") != normalise_name("Nguyen")
    assert ask(client, full_name="Hoang Thi Em").json()["differences"] == ["full_name"]


@pytest.mark.parametrize(
    ("change", "differences"),
    [
        ({"full_name": "Hoàng Thị Én"}, ["full_name"]),
        ({"birth_date": "1998-05-24"}, ["birth_date"]),
        ({"full_name": "Khác", "birth_date": "2000-01-01"}, ["full_name", "birth_date"]),
    ],
)
def test_a_mismatch_names_the_fields_and_reveals_no_value(
    client: Client, registry: PopulationRecord, change: dict[str, str], differences: list[str]
) -> None:
    response = ask(client, **change)
    assert response.json() == {"match": False, "found": True, "differences": differences}
    body = response.content.decode()
    for value in ("Hoàng Thị Em", "1998-05-23", "Lý Thái Tổ", "female"):
        assert value not in body


def test_an_unknown_person(client: Client, registry: PopulationRecord) -> None:
    response = ask(client, personal_id="001198999999")
    assert response.json() == {"match": False, "found": False, "differences": ["personal_id"]}


@pytest.mark.parametrize("key", [None, "", "wrong-key", KEY + "x"])
def test_only_callers_with_the_service_key(
    client: Client, registry: PopulationRecord, key: str | None
) -> None:
    response = ask(client, key=key)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_without_a_configured_key_nobody_is_answered(
    client: Client, registry: PopulationRecord, settings: Any
) -> None:
    settings.POPULATION_REGISTRY_KEY = ""
    assert ask(client, key="").status_code == 401
    assert ask(client, key="anything").status_code == 401


def test_a_user_token_is_not_a_service_key(client: Client, registry: PopulationRecord) -> None:
    from egov.identity.services import create_citizen
    from egov.identity.tokens import issue_api_token

    person = create_citizen(personal_id="001090000777", full_name="A", password="Pass@word-1")
    assert ask(client, key=issue_api_token(person, "app")).status_code == 401


@pytest.mark.parametrize(
    "payload", [{"personal_id": "12345"}, {"birth_date": "23/05/1998"}, {"full_name": ""}]
)
def test_malformed_questions_are_refused(
    client: Client, registry: PopulationRecord, payload: dict[str, str]
) -> None:
    response = ask(client, **payload)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


# --- the records ---------------------------------------------------------------------------------


def test_the_demo_file_holds_the_demo_citizens_and_more() -> None:
    records = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    by_id = {record["personal_id"]: record for record in records}
    for personal_id, name, born, *_ in CITIZENS:
        assert by_id[personal_id]["full_name"] == name
        assert by_id[personal_id]["birth_date"] == born
    assert len(by_id) > len(CITIZENS)


def test_load_population_is_idempotent(db: Any) -> None:
    call_command("load_population", verbosity=0)
    count = PopulationRecord.objects.count()
    assert count == len(yaml.safe_load(DATA.read_text(encoding="utf-8")))
    record = PopulationRecord.objects.get(personal_id="001090000001")
    assert (record.full_name, record.birth_date, record.sex) == (
        "Nguyễn Văn An",
        date(1990, 3, 15),
        "male",
    )
    assert load_population(DATA) == {"created": 0, "updated": count}
    assert PopulationRecord.objects.count() == count


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "- {personal_id: '1', full_name: A, birth_date: 2000-01-01, sex: male, permanent_address: X}",
            "12 digits",
        ),
        (
            "- {personal_id: '001090000009', full_name: A, birth_date: 2000-01-01, sex: male}",
            "permanent_address",
        ),
        (
            "- {personal_id: '001090000009', full_name: A, birth_date: soon, sex: male, permanent_address: X}",
            "birth_date",
        ),
        (
            "- {personal_id: '001090000009', full_name: A, birth_date: 2000-01-01, sex: x, permanent_address: X}",
            "sex",
        ),
        (
            "- {personal_id: '001090000009', full_name: A, birth_date: 2000-01-01, sex: male, permanent_address: X, relation_to_head: cousin}",
            "relation_to_head",
        ),
        ("personal_id: 1", "list"),
    ],
)
def test_a_bad_file_is_refused_whole(db: Any, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "population.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("load_population", str(path), verbosity=0)
    assert not PopulationRecord.objects.exists()


def test_a_record_may_name_its_household(db: Any, tmp_path: Path) -> None:
    path = tmp_path / "population.yaml"
    path.write_text(
        "- {personal_id: '001090000009', full_name: A, birth_date: 2000-01-01, sex: male,"
        " permanent_address: X, household_id: HO0000000007, relation_to_head: child}\n"
        "- {personal_id: '001090000010', full_name: B, birth_date: 2000-01-01, sex: male,"
        " permanent_address: X}",
        encoding="utf-8",
    )
    load_population(path)
    records = PopulationRecord.objects.order_by("personal_id")
    assert [(r.household_id, r.relation_to_head) for r in records] == [
        ("HO0000000007", "child"),
        ("", ""),
    ]
