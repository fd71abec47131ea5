"""The synthetic population: personal ID numbers laid out as real ones are, households that
make sense, places that cover the demo agencies, the same people for the same seed, and never a
number that exists already."""

import re
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from egov.registries.models import PopulationRecord, Relation, Sex
from egov.registries.personal_id import (
    PROVINCES,
    decode_personal_id,
    encode_personal_id,
    sex_century_digit,
)
from egov.registries.services import generate_population
from egov.registries.services.generator import (
    RESERVED_SEQUENCES,
    generate_people,
    load_places,
)

AS_OF = date(2026, 6, 1)
DATA = Path(settings.BASE_DIR) / "data"
PLACES = load_places(DATA / "places.yaml")


def age_on(day: date, birth: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@pytest.fixture
def generated(db: Any) -> list[PopulationRecord]:
    result = generate_population(2000, seed=7, as_of=AS_OF)
    assert (result.people, PopulationRecord.objects.count()) == (2000, 2000)
    assert result.households == len({r.household_id for r in PopulationRecord.objects.all()})
    return list(PopulationRecord.objects.order_by("id"))


# --- the numbers ---------------------------------------------------------------------------------


def test_numbers_are_twelve_digits_and_unique(generated: list[PopulationRecord]) -> None:
    ids = [record.personal_id for record in generated]
    assert all(re.fullmatch(r"\d{12}", pid) for pid in ids)
    assert len(set(ids)) == len(ids)


def test_the_digits_say_what_the_record_says(generated: list[PopulationRecord]) -> None:
    for record in generated:
        decoded = decode_personal_id(record.personal_id)
        assert decoded.province_code in PROVINCES
        assert decoded.sex == record.sex
        assert decoded.birth_year == record.birth_date.year
        assert decoded.century == record.birth_date.year // 100 * 100
        assert decoded.sequence > RESERVED_SEQUENCES  # the low ones are left to hand-made records


def test_most_numbers_carry_the_province_of_residence(generated: list[PopulationRecord]) -> None:
    by_name = {province.name: province for province in PLACES}
    local = sum(
        decode_personal_id(r.personal_id).province_code
        in by_name[r.permanent_address.rsplit(", ", 1)[1]].birth_codes
        for r in generated
    )
    assert 0.8 < local / len(generated) < 0.97


@pytest.mark.parametrize(
    ("sex", "year", "digit"),
    [("male", 1990, 0), ("female", 1992, 1), ("male", 2000, 2), ("female", 2099, 3),
     ("male", 2100, 4), ("female", 2150, 5), ("female", 2399, 9)],
)  # fmt: skip
def test_the_century_and_sex_digit(sex: str, year: int, digit: int) -> None:
    assert sex_century_digit(sex, year) == digit
    assert encode_personal_id("001", sex, year, 1)[3] == str(digit)


def test_the_demo_records_follow_the_layout() -> None:
    for entry in yaml.safe_load((DATA / "population.yaml").read_text(encoding="utf-8")):
        decoded = decode_personal_id(entry["personal_id"])
        assert (decoded.sex, decoded.birth_year) == (entry["sex"], entry["birth_date"].year)


@given(
    province=st.sampled_from(sorted(PROVINCES)),
    sex=st.sampled_from(Sex.values),
    year=st.integers(min_value=1900, max_value=2399),
    sequence=st.integers(min_value=0, max_value=999_999),
)
def test_decoding_reverses_encoding(province: str, sex: str, year: int, sequence: int) -> None:
    number = encode_personal_id(province, sex, year, sequence)
    assert re.fullmatch(r"\d{12}", number)
    decoded = decode_personal_id(number)
    assert (decoded.province_code, decoded.sex, decoded.birth_year, decoded.sequence) == (
        province,
        sex,
        year,
        sequence,
    )


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_any_twelve_digits_decode_and_encode_back_or_are_refused(number: str) -> None:
    try:
        decoded = decode_personal_id(number)
    except ValueError:
        assert number[:3] not in PROVINCES
        return
    assert encode_personal_id(*decoded) == number


@pytest.mark.parametrize("number", ["00109000000", "0010900000011", "00109000000a", "٠٠١٠٩٠٠٠٠٠٠١"])
def test_what_is_not_twelve_ascii_digits_is_refused(number: str) -> None:
    with pytest.raises(ValueError, match="12 digits"):
        decode_personal_id(number)


@pytest.mark.parametrize(
    ("args", "message"),
    [(("003", "male", 1990, 1), "province"), (("001", "x", 1990, 1), "sex"),
     (("001", "male", 1899, 1), "birth year"), (("001", "male", 1990, 10**6), "sequence")],
)  # fmt: skip
def test_encoding_refuses_what_has_no_number(args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        encode_personal_id(*args)


# --- the people and their households -------------------------------------------------------------


def test_ages_run_from_0_to_95(generated: list[PopulationRecord]) -> None:
    ages = [age_on(AS_OF, record.birth_date) for record in generated]
    assert min(ages) == 0
    assert max(ages) <= 95
    assert max(ages) >= 85
    assert all(record.birth_date <= AS_OF for record in generated)


def test_households_share_an_address_and_have_one_head(generated: list[PopulationRecord]) -> None:
    households = defaultdict(list)
    for record in generated:
        households[record.household_id].append(record)
    sizes = Counter(len(members) for members in households.values())
    assert set(sizes) <= {1, 2, 3, 4, 5, 6}
    assert len(sizes) == 6
    for members in households.values():
        assert len({member.permanent_address for member in members}) == 1
        relations = Counter(member.relation_to_head for member in members)
        assert relations[Relation.HEAD] == 1
        assert relations[Relation.WIFE] + relations[Relation.HUSBAND] <= 1


def test_children_are_born_after_their_parents(generated: list[PopulationRecord]) -> None:
    households = defaultdict(list)
    for record in generated:
        households[record.household_id].append(record)
    checked = 0
    for members in households.values():
        by_relation = defaultdict(list)
        for member in members:
            by_relation[member.relation_to_head].append(member)
        parents = (
            by_relation[Relation.HEAD] + by_relation[Relation.WIFE] + by_relation[Relation.HUSBAND]
        )
        for child in by_relation[Relation.CHILD]:
            for parent in parents:
                assert age_on(child.birth_date, parent.birth_date) >= 18
                checked += 1
        for grandparent in by_relation[Relation.FATHER] + by_relation[Relation.MOTHER]:
            assert age_on(by_relation[Relation.HEAD][0].birth_date, grandparent.birth_date) >= 20
        head = by_relation[Relation.HEAD][0]
        for spouse in by_relation[Relation.WIFE] + by_relation[Relation.HUSBAND]:
            assert spouse.sex != head.sex
    assert checked > 500


def test_children_carry_their_fathers_family_name(generated: list[PopulationRecord]) -> None:
    households = defaultdict(list)
    for record in generated:
        households[record.household_id].append(record)
    for members in households.values():
        fathers = [
            m
            for m in members
            if m.sex == Sex.MALE and m.relation_to_head in (Relation.HEAD, Relation.HUSBAND)
        ]
        for child in (m for m in members if m.relation_to_head == Relation.CHILD):
            if fathers:
                assert child.full_name.split()[0] == fathers[0].full_name.split()[0]


def test_names_are_vietnamese_and_nguyen_leads() -> None:
    people = list(generate_people(20_000, seed=3, places=PLACES, as_of=AS_OF))
    families = Counter(person.full_name.split()[0] for person in people)
    assert families.most_common(1)[0][0] == "Nguyễn"
    assert 0.30 < families["Nguyễn"] / len(people) < 0.46
    assert {"Trần", "Lê", "Phạm", "Phan", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"} <= set(families)
    assert families["Huỳnh"] and families["Hoàng"] and families["Võ"] and families["Vũ"]
    assert all(3 <= len(person.full_name.split()) <= 4 for person in people)
    thi = [p for p in people if p.full_name.split()[1] == "Thị"]
    van = [p for p in people if p.full_name.split()[1] == "Văn"]
    assert thi and all(p.sex == Sex.FEMALE for p in thi)
    assert van and all(p.sex == Sex.MALE for p in van)


# --- the places ----------------------------------------------------------------------------------


def _demo_places() -> set[str]:
    """The wards and communes named by the demo agencies and the demo records (all in Hà Nội)."""
    text = (DATA / "agencies.yaml").read_text(encoding="utf-8")
    # "xã hội" (social, as in Bảo hiểm xã hội) is no commune.
    named = set(re.findall(r"((?:phường|xã)(?! hội) [^,\n]+?)(?:,|\n|$)", text))
    for entry in yaml.safe_load((DATA / "population.yaml").read_text(encoding="utf-8")):
        if entry["permanent_address"].endswith("Hà Nội"):
            named.add(entry["permanent_address"].split(", ")[-2])
    return {name.strip() for name in named}


def test_the_places_cover_the_demo_agencies_wards() -> None:
    named = _demo_places()
    assert {"phường Ba Đình", "phường Hoàn Kiếm", "xã Sóc Sơn", "phường Hà Đông"} <= named
    hanoi = next(province for province in PLACES if province.name == "Hà Nội")
    assert named <= {ward.name for ward in hanoi.wards}


def test_people_live_in_the_demo_wards(generated: list[PopulationRecord]) -> None:
    wards = Counter(record.permanent_address.split(", ")[-2] for record in generated)
    for ward in ("phường Ba Đình", "phường Hoàn Kiếm", "xã Sóc Sơn"):
        assert wards[ward] > 20, ward
    known = {(p.name, w.name) for p in PLACES for w in p.wards}
    for record in generated:
        *_, ward, province = record.permanent_address.split(", ")
        assert (province, ward) in known


def test_a_province_can_be_chosen(db: Any) -> None:
    call_command("generate_population", count=300, seed=1, province=["048"], verbosity=0)
    addresses = PopulationRecord.objects.values_list("permanent_address", flat=True)
    assert len(addresses) == 300
    assert all(address.endswith(", Đà Nẵng") for address in addresses)


def test_an_unknown_province_is_refused(db: Any) -> None:
    with pytest.raises(CommandError, match="unknown province codes"):
        call_command("generate_population", count=10, seed=1, province=["003"], verbosity=0)
    assert not PopulationRecord.objects.exists()


def test_a_bad_places_file_is_refused(db: Any, tmp_path: Path) -> None:
    path = tmp_path / "places.yaml"
    path.write_text(
        "- {code: '003', name: X, region: north, wards: [{name: phường Y, streets: [Z]}]}",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="unknown province codes"):
        call_command("generate_population", count=10, places=str(path), verbosity=0)


# --- the same seed, and never an existing number -------------------------------------------------


def test_the_same_seed_gives_the_same_people() -> None:
    first = list(generate_people(500, seed=11, places=PLACES, as_of=AS_OF))
    again = list(generate_people(500, seed=11, places=PLACES, as_of=AS_OF))
    other = list(generate_people(500, seed=12, places=PLACES, as_of=AS_OF))
    assert first == again
    assert first != other
    assert len(first) == 500


def test_the_same_seed_in_the_registry_gives_the_same_records(db: Any) -> None:
    def snapshot() -> list[tuple[Any, ...]]:
        return list(
            PopulationRecord.objects.order_by("personal_id").values_list(
                "personal_id", "full_name", "birth_date", "sex", "permanent_address",
                "household_id", "relation_to_head",
            )
        )  # fmt: skip

    generate_population(400, seed=5, as_of=AS_OF)
    first = snapshot()
    PopulationRecord.objects.all().delete()
    generate_population(400, seed=5, as_of=AS_OF)
    assert snapshot() == first


def test_existing_numbers_are_never_reused(db: Any) -> None:
    call_command("load_population", verbosity=0)
    PopulationRecord.objects.create(
        personal_id="001090500000",
        full_name="Đã Có",
        birth_date=date(1990, 1, 1),
        sex="male",
        permanent_address="1 Kim Mã, phường Ba Đình, Hà Nội",
        household_id="HO0000000040",
    )
    before = set(PopulationRecord.objects.values_list("personal_id", flat=True))
    # The same seed twice: without continuing after the existing numbers, the second run would
    # draw the very numbers of the first one and the unique index would refuse it.
    generate_population(1500, seed=9, as_of=AS_OF, provinces=["001"])
    generate_population(1500, seed=9, as_of=AS_OF, provinces=["001"])
    records = list(PopulationRecord.objects.all())
    assert len(records) == len(before) + 3000
    new = [r for r in records if r.personal_id not in before]
    under_prefix = [int(r.personal_id[6:]) for r in new if r.personal_id.startswith("001090")]
    assert under_prefix and min(under_prefix) > 500_000
    households = {r.household_id for r in new}
    assert min(households) > "HO0000000040"
    assert PopulationRecord.objects.get(personal_id="001090000001").full_name == "Nguyễn Văn An"


def test_the_sequences_continue_after_the_given_ones() -> None:
    people = generate_people(
        300, seed=1, places=PLACES, as_of=AS_OF, last_sequences={"001090": 42, "001190": 7_000}
    )
    for person in people:
        prefix, sequence = person.personal_id[:6], int(person.personal_id[6:])
        if prefix == "001190":
            assert sequence > 7_000
        assert sequence > RESERVED_SEQUENCES


def test_the_command_says_what_it_added(db: Any, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("generate_population", count=25, seed=2, as_of=AS_OF)
    assert re.search(r"25 people in \d+ households added in", capsys.readouterr().out)
    with pytest.raises(CommandError):
        call_command("generate_population", count=-1, seed=2, verbosity=0)
