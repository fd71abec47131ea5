"""The business registry: its demo records, loaded from a file, a lookup by tax code and the
check of a legal representative, for callers with the service key."""

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client

from egov.registries.models import BusinessRecord
from egov.registries.services import load_businesses
from egov.registries.services.businesses import tax_code_is_valid

KEY = "registry-test-key"
DATA = Path(settings.BASE_DIR) / "data"
LOOKUP = "/api/v1/registries/business/lookup"
REPRESENTATIVE = "/api/v1/registries/business/representative"


@pytest.fixture
def registry(db: Any, settings: Any) -> None:
    settings.POPULATION_REGISTRY_KEY = KEY
    call_command("load_businesses", verbosity=0)


def post(client: Client, url: str, key: str | None = KEY, **body: Any) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


# --- the records ---------------------------------------------------------------------------------


def test_the_demo_businesses_are_represented_by_demo_people() -> None:
    businesses = yaml.safe_load((DATA / "businesses.yaml").read_text(encoding="utf-8"))
    people = {
        entry["personal_id"]: entry["full_name"]
        for entry in yaml.safe_load((DATA / "population.yaml").read_text(encoding="utf-8"))
    }
    assert len(businesses) >= 6
    assert {b["status"] for b in businesses} == {"active", "suspended", "dissolved"}
    assert any("-" in b["tax_code"] for b in businesses)  # a branch
    for business in businesses:
        assert tax_code_is_valid(business["tax_code"]), business["tax_code"]
        assert people[business["representative_personal_id"]] == business["representative_name"]


def test_load_businesses_is_idempotent(db: Any) -> None:
    call_command("load_businesses", verbosity=0)
    count = BusinessRecord.objects.count()
    assert count == len(yaml.safe_load((DATA / "businesses.yaml").read_text(encoding="utf-8")))
    assert load_businesses(DATA / "businesses.yaml") == {"created": 0, "updated": count}
    assert BusinessRecord.objects.count() == count
    record = BusinessRecord.objects.get(tax_code="0109000054")
    assert (record.representative_personal_id, record.status) == ("001198000005", "dissolved")


@pytest.mark.parametrize(
    ("tax_code", "valid"),
    [("0109000015", True), ("0109000016", False), ("0109000015-001", True),
     ("0109000015-000", False), ("0109000015001", False), ("010900001", False),
     ("0101234565", True)],
)  # fmt: skip
def test_tax_codes_and_their_check_digit(tax_code: str, valid: bool) -> None:
    assert tax_code_is_valid(tax_code) is valid


GOOD = (
    "- {tax_code: '0109000015', name: A, address: B, representative_name: C,"
    " representative_personal_id: '001090000001'"
)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (GOOD.replace("0109000015", "0109000016") + "}", "check digit"),
        (GOOD.replace("0109000015", "0109000015-000") + "}", "tax_code"),
        (GOOD + ", status: closed}", "status"),
        (GOOD.replace("'001090000001'", "'123'") + "}", "12 digits"),
        (GOOD.replace("name: A, ", "") + "}", "missing field name"),
        (GOOD.replace("address: B", "address: ''") + "}", "must not be empty"),
        ("tax_code: '0109000015'", "list"),
    ],
)
def test_a_bad_file_is_refused_whole(db: Any, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "businesses.yaml"
    path.write_text(f"{GOOD}}}\n{content}\n" if content.startswith("-") else content, "utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("load_businesses", str(path), verbosity=0)
    assert not BusinessRecord.objects.exists()


# --- the lookup ----------------------------------------------------------------------------------


def test_a_business_lookup(client: Client, registry: None) -> None:
    response = post(client, LOOKUP, tax_code="0109000047")
    assert response.status_code == 200
    assert response.json() == {
        "tax_code": "0109000047",
        "name": "Công ty TNHH Xây dựng Sóc Sơn Xanh",
        "address": "Thôn Đông, xã Sóc Sơn, Hà Nội",
        "representative_name": "Lê Minh Châu",
        "status": "suspended",
        "status_label": "Tạm ngừng kinh doanh",
    }
    assert "001085000003" not in response.content.decode()


def test_a_branch_is_looked_up_by_its_13_digits(client: Client, registry: None) -> None:
    response = post(client, LOOKUP, tax_code="0109000015-001")
    assert response.json()["representative_name"] == "Phạm Quốc Dũng"


def test_an_unknown_business_is_404(client: Client, registry: None) -> None:
    response = post(client, LOOKUP, tax_code="0109000092")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("tax_code", ["", "010900004", "01090000471", "0109000047-01", "abc"])
def test_a_malformed_tax_code_is_422(client: Client, registry: None, tax_code: str) -> None:
    response = post(client, LOOKUP, tax_code=tax_code)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


# --- the representative check --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tax_code", "personal_id", "answer"),
    [
        ("0109000015", "001090000001", {"is_representative": True, "status": "active"}),
        ("0109000015", "001192000002", {"is_representative": False, "status": "active"}),
        ("0109000015-001", "001090000001", {"is_representative": False, "status": "active"}),
        ("0109000015-001", "001095000004", {"is_representative": True, "status": "active"}),
        ("0109000054", "001198000005", {"is_representative": True, "status": "dissolved"}),
    ],
)
def test_who_represents_a_business(
    client: Client, registry: None, tax_code: str, personal_id: str, answer: dict[str, Any]
) -> None:
    response = post(client, REPRESENTATIVE, tax_code=tax_code, personal_id=personal_id)
    assert response.status_code == 200
    assert response.json() == answer


def test_the_representative_of_an_unknown_business_is_404(client: Client, registry: None) -> None:
    response = post(client, REPRESENTATIVE, tax_code="0109000092", personal_id="001090000001")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"tax_code": "0109000015"},
        {"personal_id": "001090000001"},
        {"tax_code": "0109000015", "personal_id": "00109000000"},
        {"tax_code": "109000015", "personal_id": "001090000001"},
    ],
)
def test_a_malformed_representative_check_is_422(
    client: Client, registry: None, body: dict[str, str]
) -> None:
    response = post(client, REPRESENTATIVE, **body)
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (LOOKUP, {"tax_code": "0109000015"}),
        (REPRESENTATIVE, {"tax_code": "0109000015", "personal_id": "001090000001"}),
    ],
)
@pytest.mark.parametrize("key", [None, "", "wrong-key"])
def test_only_the_key_holder_is_answered(
    client: Client, registry: None, url: str, body: dict[str, str], key: str | None
) -> None:
    response = post(client, url, key=key, **body)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
