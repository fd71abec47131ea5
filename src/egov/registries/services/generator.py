"""A synthetic population for trials and load tests: invented people in households, with
personal ID numbers laid out as real ones are, written to the registry by the fastest path
each database offers (COPY on PostgreSQL, large executemany batches on SQLite).

The same seed, the same places, the same reference date and the same registry contents give
the same people. Nothing here is a real person.
"""

import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import accumulate, islice
from pathlib import Path
from typing import NamedTuple

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.db.models.functions import Substr
from django.utils import timezone

from ..models import PopulationRecord, Relation, Sex
from ..names import FAMILY_NAMES, GIVEN_NAMES, MIDDLE_NAMES, SOUTHERN_FORMS
from ..personal_id import PROVINCES, sex_century_digit

DEFAULT_PLACES = Path(settings.BASE_DIR) / "data" / "places.yaml"

#: Sequences up to this one are left to hand-written records (data/population.yaml), so that
#: loading those after a generation never lands on a generated person.
RESERVED_SEQUENCES = 999
MAX_SEQUENCE = 999_999
HOUSEHOLD_PREFIX = "HO"  # [U] the registry's real household codes are not modelled

#: Household sizes 1–6 and their shares (about 3.5 people a household) [U: rounded].
HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6)
HOUSEHOLD_SIZE_WEIGHTS = (14, 20, 23, 24, 12, 7)
MAX_AGE = 95
BORN_HERE = 0.9  # share of residents whose birth was registered in their province of residence


class Person(NamedTuple):
    personal_id: str
    full_name: str
    birth_date: date
    sex: str
    permanent_address: str
    household_id: str
    relation_to_head: str


@dataclass(frozen=True)
class Ward:
    name: str
    streets: tuple[str, ...]
    villages: tuple[str, ...]


@dataclass(frozen=True)
class Province:
    code: str
    name: str
    birth_codes: tuple[str, ...]
    region: str
    weight: float
    wards: tuple[Ward, ...]
    ward_weights: tuple[float, ...]


def load_places(path: Path = DEFAULT_PLACES) -> list[Province]:
    """The provinces, wards and streets of a places file (data/places.yaml), checked."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(raw, list):
        raise ValidationError(f"{path}: must be a list of provinces")
    provinces = []
    for index, entry in enumerate(raw):
        where = f"{path} province {index + 1}"
        try:
            code, name, region = str(entry["code"]), str(entry["name"]), str(entry["region"])
            birth_codes = tuple(str(c) for c in entry.get("birth_codes") or [code])
            wards = [
                Ward(
                    name=str(ward["name"]),
                    streets=tuple(str(s) for s in ward.get("streets") or ()),
                    villages=tuple(str(v) for v in ward.get("villages") or ()),
                )
                for ward in entry["wards"]
            ]
            ward_weights = tuple(float(ward.get("weight", 1)) for ward in entry["wards"])
        except (KeyError, TypeError) as exc:
            raise ValidationError(f"{where}: missing or malformed field {exc}") from exc
        unknown = [c for c in (code, *birth_codes) if c not in PROVINCES]
        if unknown:
            raise ValidationError(f"{where}: unknown province codes {unknown}")
        if region not in ("north", "central", "south"):
            raise ValidationError(f"{where}: region must be north, central or south")
        if not wards or any(not (w.streets or w.villages) for w in wards):
            raise ValidationError(f"{where}: every ward needs streets or villages")
        provinces.append(
            Province(
                code=code,
                name=name,
                birth_codes=birth_codes,
                region=region,
                weight=float(entry.get("weight", 1)),
                wards=tuple(wards),
                ward_weights=ward_weights,
            )
        )
    return provinces


def generate_people(
    count: int,
    *,
    seed: int,
    places: Sequence[Province],
    as_of: date,
    last_sequences: dict[str, int] | None = None,
    last_household: int = 0,
) -> Iterator[Person]:
    """``count`` invented people in households of 1–6 sharing an address, aged 0–95 on
    ``as_of``. ``last_sequences`` maps the first six digits of existing numbers to the highest
    sequence used under them; new numbers continue after it (and after the reserved ones)."""
    rng = random.Random(seed)  # noqa: S311 (invented data, reproducible by design)
    sequences: defaultdict[str, int] = defaultdict(lambda: RESERVED_SEQUENCES)
    for prefix, sequence in (last_sequences or {}).items():
        sequences[prefix] = max(sequence, RESERVED_SEQUENCES)
    all_codes = sorted(PROVINCES)
    province_weights = list(accumulate(p.weight for p in places))
    size_weights = list(accumulate(HOUSEHOLD_SIZE_WEIGHTS))
    family_names = [name for name, _ in FAMILY_NAMES]
    family_weights = list(accumulate(weight for _, weight in FAMILY_NAMES))
    middle = {
        (sex, young): ([n for n, _ in table], list(accumulate(w for _, w in table)))
        for sex, tables in MIDDLE_NAMES.items()
        for young, table in enumerate(tables)
    }
    # The birth dates that make someone ``age`` years old on as_of: (first, last) ordinals.
    ages = [
        (_years_before(as_of, age + 1).toordinal() + 1, _years_before(as_of, age).toordinal())
        for age in range(MAX_AGE + 1)
    ]
    choices, random_, randint = rng.choices, rng.random, rng.randint

    def family_name(region: str) -> str:
        name = choices(family_names, cum_weights=family_weights)[0]
        if name in SOUTHERN_FORMS and (region == "south" or (region == "central" and name == "Vũ")):
            return SOUTHERN_FORMS[name]
        return name

    def person(
        age: int, sex: str, family: str, relation: str, province: Province, home: tuple[str, str]
    ) -> Person:
        birth = date.fromordinal(randint(*ages[age]))
        names, weights = middle[sex, birth.year >= 1980]
        given = GIVEN_NAMES[sex]
        full_name = (
            f"{family} {choices(names, cum_weights=weights)[0]} {given[randint(0, len(given) - 1)]}"
        )
        if random_() < BORN_HERE:
            codes = province.birth_codes
            code = codes[0] if random_() < 0.8 else codes[randint(0, len(codes) - 1)]
        else:
            code = all_codes[randint(0, len(all_codes) - 1)]
        prefix = f"{code}{sex_century_digit(sex, birth.year)}{birth.year % 100:02d}"
        sequence = sequences[prefix] = sequences[prefix] + 1
        if sequence > MAX_SEQUENCE:
            raise ValidationError(f"no personal ID number left under {prefix}")
        return Person(f"{prefix}{sequence:06d}", full_name, birth, sex, *home, relation)

    household = last_household
    made = 0
    while made < count:
        size = min(choices(HOUSEHOLD_SIZES, cum_weights=size_weights)[0], count - made)
        province = choices(places, cum_weights=province_weights)[0]
        ward = choices(province.wards, weights=province.ward_weights)[0]
        if ward.streets:
            street = rng.choice(ward.streets)
            number = randint(1, 300)
            if random_() < 0.3:  # an alley off the street
                lane = randint(2, 200)
                number_text = (
                    f"{lane}/{number}" if province.region == "south" else f"{number} ngõ {lane}"
                )
            else:
                number_text = str(number)
            place = f"{number_text} {street}"
        else:
            place = rng.choice(ward.villages)
        household += 1
        home = (f"{place}, {ward.name}, {province.name}", f"{HOUSEHOLD_PREFIX}{household:010d}")
        for age, sex, family, relation in _household_members(
            rng, size, province.region, family_name
        ):
            yield person(age, sex, family, relation, province, home)
        made += size


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def _household_members(
    rng: random.Random, size: int, region: str, family_name: Callable[[str], str]
) -> list[tuple[int, str, str, str]]:
    """(age, sex, family name, relation to the head) of each member: the head, a spouse, a
    parent of the head, children. Each parent was at least 18 at a child's birth and a parent of
    the head at least 20 at the head's, so everyone is born after their parents."""
    randint = rng.randint
    male, female = Sex.MALE.value, Sex.FEMALE.value
    if size == 1:
        sex = male if rng.random() < 0.5 else female
        return [(randint(18, MAX_AGE), sex, family_name(region), Relation.HEAD.value)]
    head_sex = male if rng.random() < 0.72 else female
    head_age = randint(24, 75)
    head_family = family_name(region)
    members = [(head_age, head_sex, head_family, Relation.HEAD.value)]
    slots = size - 1
    youngest_parent = head_age
    father_family = head_family if head_sex == male else ""
    if rng.random() < 0.92:  # a spouse (else a single parent)
        if head_sex == male:
            age = max(20, head_age + randint(-7, 2))
            members.append((age, female, family_name(region), Relation.WIFE.value))
        else:
            age = min(MAX_AGE, head_age + randint(-2, 7))
            father_family = family_name(region)
            members.append((age, male, father_family, Relation.HUSBAND.value))
        youngest_parent = min(youngest_parent, age)
        slots -= 1
    if slots >= 2 and rng.random() < 0.35 and head_age + 21 <= MAX_AGE:
        age = min(MAX_AGE, head_age + randint(21, 35))
        if rng.random() < 0.5:
            members.append((age, male, head_family, Relation.FATHER.value))
        else:
            members.append((age, female, family_name(region), Relation.MOTHER.value))
        slots -= 1
    children_family = father_family or head_family
    # One year more than the gap wanted: two people whose ages differ by n years on a day may
    # have been born only n - 1 years and some days apart.
    oldest_child = youngest_parent - 19
    for _ in range(slots):
        age = randint(max(0, youngest_parent - 45), oldest_child)
        members.append(
            (age, male if rng.random() < 0.51 else female, children_family, Relation.CHILD.value)
        )
    return members


# --- writing to the registry ---------------------------------------------------------------------


def existing_sequences() -> dict[str, int]:
    """The highest sequence used under each six-digit prefix of the registry's numbers."""
    rows = (
        PopulationRecord.objects.annotate(prefix=Substr("personal_id", 1, 6))
        .values("prefix")
        .annotate(top=Max(Substr("personal_id", 7, 6)))
        .values_list("prefix", "top")
    )
    return {prefix: int(top) for prefix, top in rows if top and top.isdigit()}


def last_household_number() -> int:
    top = PopulationRecord.objects.filter(household_id__startswith=HOUSEHOLD_PREFIX).aggregate(
        top=Max("household_id")
    )["top"]
    digits = (top or "")[len(HOUSEHOLD_PREFIX) :]
    return int(digits) if digits.isdigit() else 0


_COLUMNS = (
    "personal_id",
    "full_name",
    "birth_date",
    "sex",
    "permanent_address",
    "household_id",
    "relation_to_head",
    "updated_at",
)


def insert_people(people: Iterable[Person], batch_size: int = 50_000) -> int:
    """Write generated people in the caller's transaction; the number written."""
    now = timezone.now()
    qn = connection.ops.quote_name
    table, columns = qn(PopulationRecord._meta.db_table), ", ".join(qn(c) for c in _COLUMNS)
    written = 0
    if connection.vendor == "postgresql":
        # COPY streams every row in one statement: about ten times faster than INSERTs.
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for person in people:
                copy.write_row((*person, now))
                written += 1
        return written
    iterator = iter(people)
    if connection.vendor == "sqlite":
        stamp = connection.ops.adapt_datetimefield_value(now)
        marks = ", ".join(["%s"] * len(_COLUMNS))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 (names only)
        with connection.cursor() as cursor:
            while batch := list(islice(iterator, batch_size)):
                cursor.executemany(sql, [(*p[:2], p[2].isoformat(), *p[3:], stamp) for p in batch])
                written += len(batch)
        return written
    while batch := list(islice(iterator, batch_size)):  # any other database: the ORM
        PopulationRecord.objects.bulk_create(PopulationRecord(**p._asdict()) for p in batch)
        written += len(batch)
    return written


@dataclass(frozen=True)
class Generated:
    people: int
    households: int
    seconds: float


def generate_population(
    count: int,
    *,
    seed: int,
    provinces: Sequence[str] = (),
    places_path: Path = DEFAULT_PLACES,
    as_of: date | None = None,
) -> Generated:
    """Add ``count`` invented people to the registry, in ``provinces`` (three-digit codes of
    the places file; all of them when empty), all or nothing. Existing numbers are never
    reused: new ones continue after the highest sequence under each prefix."""
    if count < 0:
        raise ValidationError("count must not be negative")
    places = load_places(places_path)
    if provinces:
        unknown = sorted(set(provinces) - {p.code for p in places})
        if unknown:
            known = ", ".join(f"{p.code} {p.name}" for p in places)
            raise ValidationError(f"unknown province codes {unknown}; the places file has {known}")
        places = [p for p in places if p.code in provinces]
    started = time.perf_counter()
    with transaction.atomic():
        first_household = last_household_number()
        people = generate_people(
            count,
            seed=seed,
            places=places,
            as_of=as_of or timezone.localdate(),
            last_sequences=existing_sequences(),
            last_household=first_household,
        )
        written = insert_people(people)
        households = last_household_number() - first_household
    return Generated(people=written, households=households, seconds=time.perf_counter() - started)
