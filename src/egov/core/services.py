"""Write operations of the shared kernel."""

from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from . import audit
from .models import Agency, AgencyLevel

AGENCY_FIELDS = (
    "name",
    "name_en",
    "kind",
    "address",
    "phone",
    "email",
    "opening_hours",
    "opening_hours_en",
)


class AgencyFileError(ValueError):
    """The agency data file is malformed; the message names the file, the entry and the problem."""


def load_agencies(path: Path) -> int:
    """Create or update the agency tree from a YAML file; returns how many units it holds."""
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as exc:
        raise AgencyFileError(f"{path}: {exc}") from exc
    count = 0
    with transaction.atomic():

        def visit(items: list[dict[str, Any]], parent: Agency | None, where: str) -> None:
            nonlocal count
            for index, item in enumerate(items):
                here = f"{path}: {where}[{index}]"
                code = str(item.get("code", ""))
                if item.get("level") not in AgencyLevel.values:
                    raise AgencyFileError(
                        f"{here} ({code}): level must be one of {AgencyLevel.values}"
                    )
                agency = Agency.objects.filter(code=code).first() or Agency(code=code)
                for field in AGENCY_FIELDS:
                    setattr(agency, field, str(item.get(field, "") or ""))
                agency.level = item["level"]
                agency.sectors = list(item.get("sectors", []))
                agency.parent = parent
                try:
                    agency.full_clean()
                except ValidationError as exc:
                    raise AgencyFileError(f"{here} ({code}): {exc.message_dict}") from exc
                agency.save()
                count += 1
                visit(item.get("children", []), agency, f"{where}[{index}].children")

        visit(entries, None, "")
        audit.record(
            "agencies_loaded", object_type="file", object_id=path.name, data={"units": count}
        )
    return count
