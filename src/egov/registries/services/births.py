"""Birth registration (Decree 63/2024/NĐ-CP, liên thông đăng ký khai sinh): when a commune
registers a birth, its civil-status system asks the population registry to record the child and
issue the child's personal ID number, which then flows into the residence and health-insurance
dossiers.

The number follows the layout of ``personal_id``: the province where the birth was registered,
the century/sex digit, the year of birth, then the next sequence under those six digits (never
one of the low ones left to hand-written records). Two registrations at the same moment may
pick the same number: the unique index refuses the second, which takes the next one.

The registration key (the birth registration's receipt code) makes the call idempotent: the
same key with the same request is answered with the number first issued, and creates nothing.
"""

import hashlib
import hmac
import json
import logging
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core.errors import InvalidInput, WrongState

from ..models import BirthRegistration, PopulationRecord, Relation, Sex
from ..personal_id import FIRST_YEAR, MAX_SEQUENCE, PROVINCES, encode_personal_id
from .generator import RESERVED_SEQUENCES
from .population import normalise_name

log = logging.getLogger(__name__)

#: How many numbers a registration tries when concurrent registrations take the ones it picked.
ATTEMPTS = 20

#: The child's relation to the head of the household it joins, by that of the parent it joins.
#: Any other (a grandchild's child, a relative's) joins as another relative.
CHILD_RELATION: dict[str, str] = {
    Relation.HEAD.value: Relation.CHILD.value,
    Relation.WIFE.value: Relation.CHILD.value,
    Relation.HUSBAND.value: Relation.CHILD.value,
    Relation.CHILD.value: Relation.GRANDCHILD.value,
    Relation.FATHER.value: Relation.SIBLING.value,
    Relation.MOTHER.value: Relation.SIBLING.value,
}


class RegistrationKeyReused(InvalidInput):
    """The registration key was already used for another birth (or by another caller)."""

    code = "registration_key_reused"


@dataclass(frozen=True)
class Birth:
    """The child's personal ID number, and whether this call issued it (False: a retry)."""

    personal_id: str
    created: bool


def _clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def request_digest(fields: dict[str, str], client: str) -> str:
    """What a registration keeps of its request: an HMAC-SHA256 under a key outside the
    database, so that a retry can be told from another birth without a copy of the request."""
    key = hashlib.sha256(f"egov-registry-birth:{settings.SECRET_KEY}".encode()).digest()
    canonical = json.dumps([fields, client], sort_keys=True, ensure_ascii=False)
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def _next_sequence(prefix: str) -> int:
    """The sequence after the highest one used under ``prefix`` (a range over the unique index
    of personal_id, so one index lookup)."""
    top = PopulationRecord.objects.filter(
        personal_id__gte=f"{prefix}000000", personal_id__lte=f"{prefix}999999"
    ).aggregate(top=Max("personal_id"))["top"]
    used = int(top[6:]) if top and top[6:].isdigit() else 0
    return max(used, RESERVED_SEQUENCES) + 1


def _issue(prefix: str, fields: dict[str, str | date]) -> PopulationRecord:
    """The child's record under the first free number after ``prefix``'s highest."""
    for _attempt in range(ATTEMPTS):
        sequence = _next_sequence(prefix)
        if sequence > MAX_SEQUENCE:
            raise WrongState(
                _("No personal ID number is left for this province, year of birth and sex.")
            )
        try:
            with transaction.atomic():  # a savepoint: a clash leaves the transaction usable
                return PopulationRecord.objects.create(
                    personal_id=f"{prefix}{sequence:06d}", **fields
                )
        except IntegrityError:  # a concurrent registration took the number: take the next
            continue
    raise WrongState(_("The registry is issuing many numbers at once; try again in a moment."))


def _parent(personal_id: str, field: str, errors: dict[str, str]) -> PopulationRecord | None:
    if not personal_id:
        return None
    found = PopulationRecord.objects.filter(personal_id=personal_id).first()
    if found is None:
        errors[field] = (
            _("The population registry holds no record for the mother's personal ID number.")
            if field == "mother_personal_id"
            else _("The population registry holds no record for the father's personal ID number.")
        )
    return found


def _replay(registration: BirthRegistration, digest: str, client: str) -> Birth:
    if not hmac.compare_digest(registration.request_sha256, digest):
        log.info(
            "population birth registration refused: key reused",
            extra={"registration": registration.pk, "client": client},
        )
        message = _("This registration key was already used for another birth.")
        raise RegistrationKeyReused(message, {"registration_key": message})
    log.info(
        "population birth registration replayed",
        extra={"registration": registration.pk, "client": client},
    )
    return Birth(personal_id=registration.record.personal_id, created=False)


def register_birth(
    *,
    registration_key: str,
    full_name: str,
    birth_date: date,
    sex: str,
    birth_province: str,
    mother_personal_id: str = "",
    father_personal_id: str = "",
    permanent_address: str = "",
    client: str = "",
    correlation_id: str = "",
) -> Birth:
    """Record a newborn and issue the child's personal ID number; the same
    ``registration_key`` with the same request answers the same number and creates nothing.

    ``sex`` is a :class:`Sex` value, ``birth_province`` the three-digit code of the province
    where the birth was registered. The child joins the household of the mother when she is in
    the registry (else the father's), and takes that parent's permanent residence unless
    ``permanent_address`` is given; a parent number the registry does not hold is refused
    (InvalidInput naming the field), as is a date of birth in the future."""
    registration_key = registration_key.strip()
    full_name, permanent_address = _clean(full_name), _clean(permanent_address)
    asked = {
        "full_name": normalise_name(full_name),
        "birth_date": birth_date.isoformat(),
        "sex": sex,
        "birth_province": birth_province,
        "mother_personal_id": mother_personal_id,
        "father_personal_id": father_personal_id,
        "permanent_address": normalise_name(permanent_address),
    }
    digest = request_digest(asked, client)
    previous = (
        BirthRegistration.objects.select_related("record")
        .filter(registration_key=registration_key)
        .first()
    )
    if previous is not None:
        return _replay(previous, digest, client)

    errors: dict[str, str] = {}
    for field, value, longest in (
        ("registration_key", registration_key, 100),
        ("full_name", full_name, 150),
        ("permanent_address", permanent_address, 255),
    ):
        if len(value) > longest:
            errors[field] = _("Too long.")
    if not registration_key:
        errors["registration_key"] = _("Required.")
    if not full_name:
        errors["full_name"] = _("Required.")
    if sex not in Sex.values:
        errors["sex"] = _("Choose male or female.")
    if birth_date > timezone.localdate():
        errors["birth_date"] = _("The date of birth cannot be in the future.")
    elif birth_date.year < FIRST_YEAR:
        errors["birth_date"] = _("A personal ID number needs a year of birth from 1900.")
    if birth_province not in PROVINCES:
        errors["birth_province"] = _("There is no province with this code.")
    mother = _parent(mother_personal_id, "mother_personal_id", errors)
    father = _parent(father_personal_id, "father_personal_id", errors)
    if mother_personal_id and mother_personal_id == father_personal_id:
        errors["father_personal_id"] = _("The father's number is the mother's.")
    parents = [parent for parent in (mother, father) if parent is not None]
    if permanent_address:
        # The child lives with the parent whose residence it shares, if either.
        wanted = normalise_name(permanent_address)
        home = next((p for p in parents if normalise_name(p.permanent_address) == wanted), None)
    else:
        home = parents[0] if parents else None
        if home is not None:
            permanent_address = home.permanent_address
        elif not errors:
            errors["permanent_address"] = _(
                "Required when neither parent is in the population registry."
            )
    if errors:
        raise InvalidInput(" ".join(dict.fromkeys(errors.values())), errors)

    household_id = home.household_id if home is not None else ""
    relation = ""
    if home is not None and household_id:
        relation = CHILD_RELATION.get(home.relation_to_head, Relation.OTHER.value)
    prefix = encode_personal_id(birth_province, sex, birth_date.year, 0)[:6]
    fields: dict[str, str | date] = {
        "full_name": full_name,
        "birth_date": birth_date,
        "sex": sex,
        "permanent_address": permanent_address,
        "household_id": household_id,
        "relation_to_head": relation,
    }
    try:
        with transaction.atomic():
            record = _issue(prefix, fields)
            registration = BirthRegistration.objects.create(
                registration_key=registration_key,
                record=record,
                client=client,
                correlation_id=correlation_id,
                request_sha256=digest,
            )
    except IntegrityError:
        # The numbers clash inside _issue's savepoints: here, a concurrent call with the same key
        # registered first (its row is committed now), and this child's record is rolled back.
        previous = (
            BirthRegistration.objects.select_related("record")
            .filter(registration_key=registration_key)
            .first()
        )
        if previous is None:
            raise
        return _replay(previous, digest, client)
    log.info(
        "population birth registered",
        extra={
            "registration": registration.pk,
            "client": client,
            "correlation_id": correlation_id,
            "household": bool(household_id),
        },
    )
    return Birth(personal_id=record.personal_id, created=True)
