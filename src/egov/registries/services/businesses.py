"""The business registry (Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp): its records, loaded
from a file, a lookup by tax code and the check of a legal representative."""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from egov.core.errors import NotFound

from ..models import TAX_CODE_PATTERN, BusinessRecord, BusinessStatus

#: Weights of the first nine digits of a tax code; the tenth is 10 - (weighted sum mod 11) [U:
#: the rule as commonly published; the registry checks it only on load, callers only the form].
TAX_CODE_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def tax_code_is_valid(tax_code: str) -> bool:
    """10 digits whose last is the check digit of the first nine, then for a branch ``-`` and a
    branch number from 001 to 999."""
    if not re.match(TAX_CODE_PATTERN, tax_code) or tax_code[11:] == "000":
        return False
    total = sum(w * int(d) for w, d in zip(TAX_CODE_WEIGHTS, tax_code[:9], strict=True))
    return 10 - total % 11 == int(tax_code[9])


def _business_fields(entry: Any, where: str) -> dict[str, str]:
    if not isinstance(entry, dict):
        raise ValidationError(f"{where}: must be a mapping")
    try:
        fields = {
            key: str(entry[key]).strip()
            for key in (
                "tax_code",
                "name",
                "address",
                "representative_name",
                "representative_personal_id",
            )
        }
    except KeyError as exc:
        raise ValidationError(f"{where}: missing field {exc.args[0]}") from exc
    fields["status"] = str(entry.get("status", BusinessStatus.ACTIVE))
    if not tax_code_is_valid(fields["tax_code"]):
        raise ValidationError(
            f"{where}: tax_code must be 10 digits with a valid check digit, or 10-3 for a branch"
        )
    if not re.fullmatch(r"\d{12}", fields["representative_personal_id"]):
        raise ValidationError(f"{where}: representative_personal_id must have exactly 12 digits")
    if fields["status"] not in BusinessStatus.values:
        raise ValidationError(f"{where}: status must be one of {BusinessStatus.values}")
    if not all(fields[key] for key in ("name", "address", "representative_name")):
        raise ValidationError(f"{where}: name, address and representative_name must not be empty")
    return fields


@transaction.atomic
def load_businesses(path: Path) -> dict[str, int]:
    """Create or update the businesses listed in a YAML file (idempotent); a bad entry refuses
    the whole file."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(raw, list):
        raise ValidationError(f"{path}: must be a list of businesses")
    created = updated = 0
    for index, entry in enumerate(raw):
        fields = _business_fields(entry, f"{path} business {index + 1}")
        tax_code = fields.pop("tax_code")
        _, made = BusinessRecord.objects.update_or_create(tax_code=tax_code, defaults=fields)
        created, updated = created + made, updated + (not made)
    return {"created": created, "updated": updated}


def lookup_business(tax_code: str) -> BusinessRecord:
    record = BusinessRecord.objects.filter(tax_code=tax_code).first()
    if record is None:
        raise NotFound(_("The business registry holds no business with this tax code."))
    return record


@dataclass(frozen=True)
class RepresentativeCheck:
    is_representative: bool
    status: str


def check_representative(tax_code: str, personal_id: str) -> RepresentativeCheck:
    """Whether the person is the registered legal representative (the head, for a branch) of
    the business; its status too, since a dissolved business is represented by nobody."""
    record = lookup_business(tax_code)
    return RepresentativeCheck(
        is_representative=record.representative_personal_id == personal_id,
        status=record.status,
    )
