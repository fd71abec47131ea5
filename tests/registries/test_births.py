"""Birth registration: the civil-status system registers a newborn and the population registry
answers the child's new personal ID number, laid out as personal_id.py says, unique, once per
registration key; parents it does not hold, dates in the future and callers without the key are
refused."""

import json
import logging
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from egov.core.errors import InvalidInput
from egov.identity.models import User
from egov.registries.models import BirthRegistration, PopulationRecord
from egov.registries.personal_id import decode_personal_id
from egov.registries.services import births, register_birth
from tests.dossiers.test_concurrency import run_together
from tests.identity.test_admin import verified

URL = "/api/v1/registries/population/births"
KEY = "registry-test-key"
CLIENT = "000.00.31.H26/MOTCUA"
MOTHER, FATHER = "001195000007", "001093000008"
HOME = "12 ngõ 45 Kim Mã, phường Ba Đình, Hà Nội"
FATHERS_HOME = "7 Trần Phú, phường Hà Đông, Hà Nội"
RECEIPT = "000.31.26.H26-261201-0001"


@pytest.fixture(autouse=True)
def december_2026() -> Iterator[None]:
    """The dates below are in the past: today is 1 December 2026 in Hà Nội."""
    with time_machine.travel(datetime(2026, 12, 1, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))):
        yield


@pytest.fixture
def registry(db: Any, settings: Any) -> dict[str, PopulationRecord]:
    settings.POPULATION_REGISTRY_KEY = KEY
    return {
        "mother": PopulationRecord.objects.create(
            personal_id=MOTHER,
            full_name="Trần Thị Mai",
            birth_date=date(1995, 4, 2),
            sex="female",
            permanent_address=HOME,
            household_id="HO0000000042",
            relation_to_head="wife",
        ),
        "father": PopulationRecord.objects.create(
            personal_id=FATHER,
            full_name="Nguyễn Văn Hùng",
            birth_date=date(1993, 8, 19),
            sex="male",
            permanent_address=FATHERS_HOME,
            household_id="HO0000000077",
            relation_to_head="head",
        ),
    }


def birth(**change: Any) -> dict[str, Any]:
    body = {
        "registration_key": RECEIPT,
        "full_name": "Nguyễn Minh Anh",
        "birth_date": "2026-11-20",
        "sex": "female",
        "birth_province": "001",
        "mother_personal_id": MOTHER,
        "father_personal_id": FATHER,
    } | change
    return {name: value for name, value in body.items() if value is not None}


def post(
    client: Client, key: str | None = KEY, headers: dict[str, str] | None = None, **change: Any
) -> Any:
    sent = {"X-Egov-Client": CLIENT, "X-Correlation-ID": "c0ffee-7"} | (headers or {})
    if key is not None:
        sent["Authorization"] = f"Bearer {key}"
    return client.post(
        URL, json.dumps(birth(**change)), content_type="application/json", headers=sent
    )


def children() -> Any:
    return PopulationRecord.objects.exclude(personal_id__in=[MOTHER, FATHER])


# --- issuing the number --------------------------------------------------------------------------


def test_a_birth_is_recorded_and_its_number_issued(
    client: Client, registry: dict[str, PopulationRecord]
) -> None:
    response = post(client)
    assert response.status_code == 201
    number = response.json()["personal_id"]
    assert response.json() == {"personal_id": number}
    # 001 Hà Nội, 3 = a girl born 2000–2099, 26 = 2026, then the first sequence after the ones
    # left to hand-written records.
    assert number == "001326001000"
    child = PopulationRecord.objects.get(personal_id=number)
    assert (child.full_name, child.birth_date, child.sex) == (
        "Nguyễn Minh Anh",
        date(2026, 11, 20),
        "female",
    )
    # The mother's household and residence; she is the head's wife, so the child is a child.
    assert (child.permanent_address, child.household_id, child.relation_to_head) == (
        HOME,
        "HO0000000042",
        "child",
    )
    registration = BirthRegistration.objects.get()
    assert (registration.registration_key, registration.record, registration.client) == (
        RECEIPT,
        child,
        CLIENT,
    )
    assert registration.correlation_id == "c0ffee-7"


@pytest.mark.parametrize(
    ("province", "sex", "born", "first_digits"),
    [
        ("079", "male", "2025-01-01", "079225"),
        ("048", "female", "2024-02-29", "048324"),
        ("001", "male", "2000-12-31", "001200"),
        ("096", "female", "1999-06-15", "096199"),  # a late registration of a birth in 1999
        ("038", "male", "1950-03-03", "038050"),
    ],
)
def test_the_number_says_province_century_sex_and_year(
    client: Client,
    registry: dict[str, PopulationRecord],
    province: str,
    sex: str,
    born: str,
    first_digits: str,
) -> None:
    response = post(client, birth_province=province, sex=sex, birth_date=born)
    assert response.status_code == 201
    number = response.json()["personal_id"]
    assert number.startswith(first_digits) and len(number) == 12
    said = decode_personal_id(number)
    assert (said.province_code, said.sex, said.birth_year) == (province, sex, int(born[:4]))
    assert said.sequence > 999


def test_numbers_are_unique_and_continue_after_the_registrys(
    client: Client, registry: dict[str, PopulationRecord]
) -> None:
    # A hand-written record under the prefix (low sequence) and a generated one (high).
    for number in ("001326000005", "001326004711"):
        PopulationRecord.objects.create(
            personal_id=number,
            full_name="Người có sẵn",
            birth_date=date(2026, 1, 2),
            sex="female",
            permanent_address=HOME,
        )
    numbers = [
        post(client, registration_key=f"{RECEIPT}-{index}").json()["personal_id"]
        for index in range(40)
    ]
    assert len(set(numbers)) == 40
    assert numbers == [f"001326{sequence:06d}" for sequence in range(4712, 4752)]
    # Another prefix (a boy) starts on its own.
    boy = post(client, registration_key="boy", sex="male").json()["personal_id"]
    assert boy == "001226001000"
    assert BirthRegistration.objects.count() == 41


def test_a_number_taken_meanwhile_is_skipped(
    registry: dict[str, PopulationRecord], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two registrations may pick the same number at once: the unique index refuses the second
    one's, which takes the next. Simulated by offering a taken sequence first."""
    taken = PopulationRecord.objects.create(
        personal_id="001326001000",
        full_name="Người đến trước",
        birth_date=date(2026, 11, 1),
        sex="female",
        permanent_address=HOME,
    )
    real = births._next_sequence
    offered: list[int] = []

    def racing(prefix: str) -> int:
        sequence = 1000 if not offered else real(prefix)
        offered.append(sequence)
        return sequence

    monkeypatch.setattr(births, "_next_sequence", racing)
    answer = register_birth(**_service_call())
    assert offered == [1000, 1001]
    assert answer.personal_id == "001326001001" and answer.created
    taken.refresh_from_db()
    assert taken.full_name == "Người đến trước"
    assert BirthRegistration.objects.get().record.personal_id == "001326001001"


def _service_call(**change: Any) -> dict[str, Any]:
    call = birth(**change)
    call["birth_date"] = date.fromisoformat(call["birth_date"])
    return call


# --- idempotency ---------------------------------------------------------------------------------


def test_the_same_key_answers_the_same_number_and_creates_nothing(
    client: Client, registry: dict[str, PopulationRecord]
) -> None:
    first = post(client)
    again = post(client)
    spaced = post(client, full_name="  nguyễn  minh ANH ", registration_key=f" {RECEIPT} ")
    assert (first.status_code, again.status_code, spaced.status_code) == (201, 200, 200)
    assert first.json() == again.json() == spaced.json()
    assert children().count() == 1
    assert BirthRegistration.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "headers"),
    [
        ({"full_name": "Nguyễn Minh Châu"}, {}),
        ({"birth_date": "2026-11-21"}, {}),
        ({"sex": "male"}, {}),
        ({"father_personal_id": None}, {}),
        ({}, {"X-Egov-Client": "000.00.32.H26/MOTCUA"}),  # another member: not its birth
    ],
)
def test_the_same_key_for_another_birth_is_refused(
    client: Client,
    registry: dict[str, PopulationRecord],
    change: dict[str, Any],
    headers: dict[str, str],
) -> None:
    number = post(client).json()["personal_id"]
    response = post(client, headers=headers, **change)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "registration_key_reused"
    assert set(body["errors"]) == {"registration_key"}
    assert number not in response.content.decode()
    assert children().count() == 1


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["mother_personal_id", "father_personal_id"])
def test_a_parent_the_registry_does_not_hold_is_refused(
    client: Client, registry: dict[str, PopulationRecord], field: str
) -> None:
    response = post(client, **{field: "001090999999"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input"
    assert list(body["errors"]) == [field]
    who = "mẹ" if field.startswith("mother") else "cha"
    assert who in body["message"] and body["message"] == body["errors"][field]
    assert not children().exists() and not BirthRegistration.objects.exists()
    # The key stays free for the corrected request.
    assert post(client).status_code == 201


def test_a_birth_in_the_future_is_refused_today_is_not(
    client: Client, registry: dict[str, PopulationRecord]
) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = post(client, birth_date=tomorrow.isoformat())
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["birth_date"]
    assert "tương lai" in response.json()["message"]
    assert not children().exists()
    assert post(client, birth_date=timezone.localdate().isoformat()).status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"birth_province": "003"}, "birth_province"),  # three digits, but no such province
        ({"birth_date": "1899-12-31"}, "birth_date"),  # before the years the number can say
    ],
)
def test_what_the_number_cannot_say_is_refused(
    client: Client, registry: dict[str, PopulationRecord], change: dict[str, str], field: str
) -> None:
    response = post(client, **change)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
    assert not children().exists()


@pytest.mark.parametrize(
    "change",
    [
        {"registration_key": ""},
        {"registration_key": "   "},
        {"registration_key": "x" * 101},
        {"registration_key": None},
        {"full_name": ""},
        {"full_name": "Nguyễn\x00Anh"},
        {"sex": "Nữ"},
        {"sex": None},
        {"birth_province": "1"},
        {"birth_province": None},
        {"birth_date": "20-11-2026"},
        {"mother_personal_id": "00119500000"},
        {"father_personal_id": "abc"},
        {"permanent_address": "x" * 256},
    ],
)
def test_malformed_registrations_are_refused(
    client: Client, registry: dict[str, PopulationRecord], change: dict[str, Any]
) -> None:
    response = post(client, **change)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert not children().exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"registration_key": "k" * 101}, "registration_key"),
        ({"full_name": "x" * 151}, "full_name"),
        ({"permanent_address": "x" * 256}, "permanent_address"),
        ({"full_name": "  "}, "full_name"),
        ({"sex": "Nam"}, "sex"),
    ],
)
def test_the_service_checks_what_the_api_checks(
    registry: dict[str, PopulationRecord], change: dict[str, str], field: str
) -> None:
    """Called directly (not through the API's schema), the service refuses as much."""
    with pytest.raises(InvalidInput) as refused:
        register_birth(**_service_call(**change))
    assert list(refused.value.errors) == [field]
    assert not children().exists()


@pytest.mark.parametrize("key", [None, "", "wrong-key"])
def test_only_the_key_holder_may_register(
    client: Client, registry: dict[str, PopulationRecord], key: str | None
) -> None:
    response = post(client, key=key)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert not children().exists() and not BirthRegistration.objects.exists()


# --- residence and household ---------------------------------------------------------------------


def test_without_the_mother_the_child_joins_the_father(
    client: Client, registry: dict[str, PopulationRecord]
) -> None:
    number = post(client, mother_personal_id=None).json()["personal_id"]
    child = PopulationRecord.objects.get(personal_id=number)
    assert (child.permanent_address, child.household_id, child.relation_to_head) == (
        FATHERS_HOME,
        "HO0000000077",
        "child",
    )


def test_a_mothers_child_in_her_parents_household_is_a_grandchild(
    client: Client, registry: dict[str, PopulationRecord]
) -> None:
    registry["mother"].relation_to_head = "child"
    registry["mother"].save()
    number = post(client).json()["personal_id"]
    assert PopulationRecord.objects.get(personal_id=number).relation_to_head == "grandchild"


def test_a_residence_given_is_kept_and_joins_the_parent_living_there(
    client: Client, registry: dict[str, PopulationRecord]
) -> None:
    elsewhere = post(
        client, registration_key="a", permanent_address="Thôn Đông, xã Sóc Sơn, Hà Nội"
    )
    child = PopulationRecord.objects.get(personal_id=elsewhere.json()["personal_id"])
    assert (child.permanent_address, child.household_id, child.relation_to_head) == (
        "Thôn Đông, xã Sóc Sơn, Hà Nội",
        "",
        "",
    )
    with_father = post(client, registration_key="b", permanent_address=FATHERS_HOME.upper())
    child = PopulationRecord.objects.get(personal_id=with_father.json()["personal_id"])
    assert (child.household_id, child.relation_to_head) == ("HO0000000077", "child")


def test_without_a_parent_in_the_registry_a_residence_is_needed(
    client: Client, registry: dict[str, PopulationRecord]
) -> None:
    response = post(client, mother_personal_id=None, father_personal_id=None)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["permanent_address"]
    response = post(
        client, mother_personal_id=None, father_personal_id=None, permanent_address=HOME
    )
    assert response.status_code == 201
    child = PopulationRecord.objects.get(personal_id=response.json()["personal_id"])
    assert (child.permanent_address, child.household_id) == (HOME, "")


# --- what is kept and logged ---------------------------------------------------------------------


def test_no_personal_data_in_the_logs(
    client: Client, registry: dict[str, PopulationRecord], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="egov.registries"):
        number = post(client).json()["personal_id"]
        post(client)
        post(client, full_name="Người khác")
    said = [record.getMessage() for record in caplog.records if record.name.startswith("egov.")]
    assert said == [
        "population birth registered",
        "population birth registration replayed",
        "population birth registration refused: key reused",
    ]
    logged = json.dumps([vars(record) for record in caplog.records], default=str)
    for personal in (number, MOTHER, FATHER, "Nguyễn Minh Anh", "2026-11-20", "Kim Mã"):
        assert personal not in logged
    kept = " ".join(str(value) for value in BirthRegistration.objects.values().get().values())
    for personal in (number, MOTHER, FATHER, "Nguyễn", "2026-11-20"):
        assert personal not in kept


def test_registrations_are_read_only_in_the_admin(
    client: Client, registry: dict[str, PopulationRecord]
) -> None:
    number = post(client).json()["personal_id"]
    registration = BirthRegistration.objects.get()
    root = User.objects.create_superuser("root", "root@example.vn", "x", full_name="Quản trị")
    verified(client, root)
    listing = client.get("/admin/registries/birthregistration/", {"q": number})
    assert listing.status_code == 200 and RECEIPT in listing.content.decode()
    assert client.get("/admin/registries/birthregistration/add/").status_code == 403
    page = client.get(f"/admin/registries/birthregistration/{registration.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    client.post(f"/admin/registries/birthregistration/{registration.pk}/delete/", {"post": "yes"})
    assert BirthRegistration.objects.filter(pk=registration.pk).exists()


# --- concurrency (PostgreSQL) --------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_get_distinct_numbers_and_a_key_one(settings: Any) -> None:
    settings.POPULATION_REGISTRY_KEY = KEY
    PopulationRecord.objects.create(
        personal_id=MOTHER,
        full_name="Trần Thị Mai",
        birth_date=date(1995, 4, 2),
        sex="female",
        permanent_address=HOME,
    )
    different = run_together(
        *[
            lambda index=index: register_birth(
                **_service_call(registration_key=f"k-{index}", father_personal_id=None)
            )
            for index in range(8)
        ]
    )
    assert all(isinstance(answer, births.Birth) for answer in different), different
    numbers = {answer.personal_id for answer in different}
    assert numbers == {f"001326{sequence:06d}" for sequence in range(1000, 1008)}
    same = run_together(
        *[
            lambda: register_birth(**_service_call(registration_key="one", father_personal_id=None))
            for _ in range(6)
        ]
    )
    assert all(isinstance(answer, births.Birth) for answer in same), same
    assert len({answer.personal_id for answer in same}) == 1
    assert sum(answer.created for answer in same) == 1
    assert BirthRegistration.objects.filter(registration_key="one").count() == 1
    assert PopulationRecord.objects.count() == 1 + 8 + 1
