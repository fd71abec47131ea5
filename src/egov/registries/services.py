"""The population registry's own logic: loading its records and answering verification calls."""

import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import PopulationRecord, Sex


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
