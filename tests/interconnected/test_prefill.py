"""Once-only on the one form: the applicant's own fields are filled from the population registry,
reached through the data-sharing gateway, and say so, as a single procedure's form is
(tests/dossiers/test_prefill.py). The registry's record differs from what the person typed into
their account: the form shows the registry's. Fields of another person (the child, the
deceased) are never filled with the applicant's data."""

import re
from datetime import date
from typing import Any

import pytest
from django.test import Client

from egov.identity.models import User
from egov.registries.models import LookupLog, PopulationRecord
from egov.registries.services import personal_id_digest
from tests.gateway_server import PORTAL, gateway_server, join_population_registry, logged_calls

from .conftest import BIRTH_GROUP, DEATH_GROUP, WARD

__all__ = ["gateway_server"]

SOURCE_NOTE = "Được điền từ Cơ sở dữ liệu quốc gia về dân cư"
REGISTRY_NAME, REGISTRY_ADDRESS = "Trần Thị Bình", "25 Liễu Giai, phường Ba Đình, Hà Nội"


@pytest.fixture
def relative(make_citizen: Any) -> User:
    """A level-2 citizen whose account says less, and differently, than the registry."""
    PopulationRecord.objects.create(
        personal_id="001195000042",
        full_name=REGISTRY_NAME,
        birth_date=date(1995, 4, 2),
        sex="female",
        permanent_address=REGISTRY_ADDRESS,
    )
    return make_citizen(
        personal_id="001195000042",
        full_name="Tran Thi Binh",  # typed without the diacritics
        birth_date=date(1995, 4, 2),
        address="Số 9 ngõ Cũ, Hà Nội",  # where she lived before
        phone="0912000042",
        email="binh@example.vn",
    )


def field(page: str, name: str) -> str:
    """The rendered block of one form field (label, help, input)."""
    blocks = [b for b in page.split('<div class="field') if f'name="{name}"' in b]
    assert len(blocks) == 1, f"{name}: {len(blocks)} fields"
    return blocks[0]


def value(block: str) -> str:
    found = re.search(r'<textarea[^>]*>([^<]*)</textarea>|<input[^>]* value="([^"]*)"', block)
    assert found, block
    return found.group(1) if found.group(1) is not None else found.group(2)


def values(page: str) -> dict[str, str]:
    """Every text field of the form and its value."""
    found = {}
    for block in page.split('<div class="field')[1:]:
        name = re.search(r'<(?:input|textarea)[^>]* name="([^"]+)"', block)
        if name and not re.search(r'type="(radio|checkbox|file)"', block):
            found[name.group(1)] = value(block)
    return found


def form(client: Client, group: str, **query: Any) -> str:
    answer = client.get(f"/lien-thong/{group}/nop/", {"place": WARD, **query})
    assert answer.status_code == 200, answer.content.decode()[:500]
    return answer.content.decode()


def test_the_one_form_is_filled_from_the_registry_through_the_gateway_and_says_so(
    client: Client,
    gateway_server: str,
    groups: Any,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    relative: User,
) -> None:
    join_population_registry(gateway_server, settings, monkeypatch, "prefill-group-key")
    client.force_login(relative)
    birth = form(client, BIRTH_GROUP)
    # The health-insurance card's residence address is the registry's permanent address.
    address = field(birth, "residence_address")
    assert value(address) == REGISTRY_ADDRESS and SOURCE_NOTE in address
    # Her phone comes from her account: filled, and not said to come from the registry.
    phone = field(birth, "phone")
    assert value(phone) == "0912000042" and SOURCE_NOTE not in phone
    # The residence form's name and birth date are the child's: never hers.
    for name in ("child_full_name", "child_birth_date"):
        assert value(field(birth, name)) == "" and SOURCE_NOTE not in field(birth, name)
    # Nothing else is filled but the account's contacts and the forms' own defaults.
    filled = {name: text for name, text in values(birth).items() if text}
    assert filled == {
        "residence_address": REGISTRY_ADDRESS,
        "phone": "0912000042",
        "email": "binh@example.vn",
        "ethnicity": "Kinh",
        "copies": "1",
    }
    assert birth.count(SOURCE_NOTE) == 1

    death = form(client, DEATH_GROUP, members=["1.001964"])
    declarant = field(death, "declarant_full_name")
    assert value(declarant) == REGISTRY_NAME and SOURCE_NOTE in declarant
    filled = {name: text for name, text in values(death).items() if text}
    assert filled == {"declarant_full_name": REGISTRY_NAME, "phone": "0912000042", "copies": "1"}
    assert death.count(SOURCE_NOTE) == 1

    # Each form asked the registry once, through the gateway, saying why; no number in clear.
    lookups = list(LookupLog.objects.order_by("pk"))
    assert [(log.client, log.found) for log in lookups] == [(PORTAL, True)] * 2
    assert [log.purpose for log in lookups] == [
        f"Điền sẵn tờ khai liên thông {BIRTH_GROUP}",
        f"Điền sẵn tờ khai liên thông {DEATH_GROUP}",
    ]
    assert {log.personal_id_sha256 for log in lookups} == {personal_id_digest("001195000042")}
    calls = logged_calls(2)
    assert len(calls) >= 2 and {call.client for call in calls} == {PORTAL}


def test_without_the_registry_the_account_fills_what_it_can(
    client: Client, groups: Any, settings: Any, relative: User
) -> None:
    settings.POPULATION_REGISTRY_CLIENT = "egov.identity.account.registry.HttpPopulationRegistry"
    settings.GATEWAY_URL, settings.GATEWAY_CLIENT_SECRET = "http://127.0.0.1:9", "x"
    client.force_login(relative)
    death = form(client, DEATH_GROUP, members=["1.001964"])
    assert value(field(death, "declarant_full_name")) == "Tran Thi Binh"
    birth = form(client, BIRTH_GROUP)
    assert value(field(birth, "residence_address")) == ""  # the account has no permanent address
    assert SOURCE_NOTE not in birth + death
    assert not LookupLog.objects.exists()
