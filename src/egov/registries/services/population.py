"""The population registry's own logic: loading its records and answering verification and
lookup calls."""

import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from egov.core.errors import NotFound

from ..models import LookupLog, PopulationRecord, Relation, Sex


def normalise_name(name: str) -> str:
    """Names compare without regard to letter case, spacing or Unicode composition, but with
    their diacritics: "Nguyễn" and "Nguyen" are different names."""
    return " ".join(unicodedata.normalize("NFC", name or "").casefold().split())


@dataclass(frozen=True)
class Verification:
    """The registry's answer: whether a record exists, and which declared fields differ."""

    found: bool
    differences: tuple[str, ...]

    @property
    def match(self) -> bool:
        return self.found and not self.differences


def verify_person(personal_id: str, full_name: str, birth_date: date) -> Verification:
    """Compare what a person declares with their record. Nothing of the record is revealed."""
    record = PopulationRecord.objects.filter(personal_id=personal_id).first()
    if record is None:
        return Verification(found=False, differences=("personal_id",))
    differences = []
    if normalise_name(record.full_name) != normalise_name(full_name):
        differences.append("full_name")
    if record.birth_date != birth_date:
        differences.append("birth_date")
    return Verification(found=True, differences=tuple(differences))


def _record_fields(entry: dict[str, Any], where: str) -> dict[str, Any]:
    try:
        fields = {
            "full_name": str(entry["full_name"]).strip(),
            "birth_date": entry["birth_date"],
            "sex": str(entry["sex"]),
            "permanent_address": str(entry["permanent_address"]).strip(),
        }
        personal_id = str(entry["personal_id"])
    except KeyError as exc:
        raise ValidationError(f"{where}: missing field {exc.args[0]}") from exc
    if not isinstance(fields["birth_date"], date):
        raise ValidationError(f"{where}: birth_date must be a date (YYYY-MM-DD)")
    if fields["sex"] not in Sex.values:
        raise ValidationError(f"{where}: sex must be one of {Sex.values}")
    if not (len(personal_id) == 12 and personal_id.isdigit()):
        raise ValidationError(f"{where}: personal_id must have exactly 12 digits")
    # Household data is optional: a hand-written record may belong to no recorded household.
    fields["household_id"] = str(entry.get("household_id") or "").strip()
    fields["relation_to_head"] = str(entry.get("relation_to_head") or "")
    if fields["relation_to_head"] and fields["relation_to_head"] not in Relation.values:
        raise ValidationError(f"{where}: relation_to_head must be one of {Relation.values}")
    return {"personal_id": personal_id, **fields}


@transaction.atomic
def load_population(path: Path) -> dict[str, int]:
    """Create or update the records listed in a YAML file (idempotent)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(raw, list):
        raise ValidationError(f"{path}: must be a list of records")
    created = updated = 0
    for index, entry in enumerate(raw):
        fields = _record_fields(entry, f"{path} record {index + 1}")
        personal_id = fields.pop("personal_id")
        _, made = PopulationRecord.objects.update_or_create(
            personal_id=personal_id, defaults=fields
        )
        created, updated = created + made, updated + (not made)
    return {"created": created, "updated": updated}


def personal_id_digest(personal_id: str) -> str:
    """What the lookup log keeps of a personal ID number: an HMAC-SHA256 under a key outside the
    database. A plain hash would not do: 12-digit numbers are few enough to try them all."""
    key = hashlib.sha256(f"egov-registry-lookup-log:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, personal_id.encode("ascii"), hashlib.sha256).hexdigest()


def lookup_person(
    personal_id: str, *, purpose: str, client: str = "", correlation_id: str = ""
) -> PopulationRecord:
    """A person's record for a member system that states its purpose; every lookup, found or
    not, is logged first (the log row survives the refusal, as no transaction wraps it)."""
    record = PopulationRecord.objects.filter(personal_id=personal_id).first()
    LookupLog.objects.create(
        client=client,
        correlation_id=correlation_id,
        purpose=purpose,
        personal_id_sha256=personal_id_digest(personal_id),
        found=record is not None,
    )
    if record is None:
        raise NotFound(_("The population registry holds no record for this personal ID number."))
    return record
