"""Loading the procedure catalogue from its folder."""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from egov.core import audit
from egov.core.text import fold

from .definitions import CatalogError, ProcedureDefinition, parse_procedure_file
from .groups import check_members, parse_group_file
from .models import Procedure, ProcedureGroup

CATALOG_SUFFIXES = {".yaml", ".yml"}


@dataclass
class LoadReport:
    created: int = 0
    unchanged: int = 0
    groups_created: int = 0
    groups_unchanged: int = 0


#: Interconnected procedure groups live in this subfolder of the catalogue.
GROUPS_FOLDER = "groups"


def _search_text(definition: ProcedureDefinition) -> str:
    parts = [definition.code, definition.name, definition.name_en, definition.field.name]
    return fold(" ".join(parts))


def _digest(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in CATALOG_SUFFIXES)


def _rewritten(
    model: type[Procedure | ProcedureGroup], code: str, version: int, digest: str
) -> bool:
    """An existing version whose content changed: refused, because dossiers refer to it."""
    existing = model.objects.filter(code=code, version=version).first()
    return existing is not None and existing.content_hash != digest


Parsed = tuple[Path, Any, dict[str, Any], str]


def _parse(
    folder: Path, parse: Any, model: Any, problems: list[tuple[str, str, str]]
) -> list[Parsed]:
    parsed: list[Parsed] = []
    seen: dict[str, Path] = {}
    for path in _files(folder):
        try:
            definition = parse(path)
        except CatalogError as exc:
            problems.extend(exc.problems)
            continue
        if definition.code in seen:
            problems.append(
                (str(path), "code", f"{definition.code} is also defined in {seen[definition.code]}")
            )
            continue
        seen[definition.code] = path
        data = definition.model_dump(mode="json", by_alias=True)
        digest = _digest(data)
        if _rewritten(model, definition.code, definition.version, digest):
            problems.append(
                (
                    str(path),
                    "version",
                    f"content changed but version {definition.version} already exists; raise the version",
                )
            )
            continue
        parsed.append((path, definition, data, digest))
    return parsed


def load_catalog(folder: Path) -> LoadReport:
    """Validate every file in ``folder`` (procedures) and ``folder/groups`` (interconnected
    groups, checked against the procedures as they will be) and store new versions.

    All files are checked before anything is written, and every problem is reported at once.
    A changed file must raise its ``version``: an existing version is never rewritten, because
    dossiers refer to it.
    """
    problems: list[tuple[str, str, str]] = []
    procedures = _parse(folder, parse_procedure_file, Procedure, problems)
    groups = _parse(folder / GROUPS_FOLDER, parse_group_file, ProcedureGroup, problems)
    members = {p.code: p.definition for p in Procedure.objects.filter(is_current=True)}
    members |= {definition.code: data for _path, definition, data, _digest in procedures}
    for path, definition, _data, _digest in groups:
        problems.extend((str(path), "members", text) for text in check_members(definition, members))
    if problems:
        raise CatalogError(problems)

    report = LoadReport()
    with transaction.atomic():
        for path, definition, data, digest in procedures:
            if Procedure.objects.filter(code=definition.code, version=definition.version).exists():
                report.unchanged += 1
                continue
            Procedure.objects.filter(code=definition.code).update(is_current=False)
            Procedure.objects.create(
                code=definition.code,
                version=definition.version,
                is_current=True,
                name=definition.name,
                name_en=definition.name_en,
                field_code=definition.field.code,
                field_name=definition.field.name,
                sector=definition.sector,
                agency_levels="," + ",".join(definition.agency_levels) + ",",
                online_level=definition.online_level,
                processing_days=definition.processing_days,
                search_text=_search_text(definition),
                definition=data,
                content_hash=digest,
                source_file=path.name,
            )
            report.created += 1
        for path, definition, data, digest in groups:
            if ProcedureGroup.objects.filter(
                code=definition.code, version=definition.version
            ).exists():
                report.groups_unchanged += 1
                continue
            ProcedureGroup.objects.filter(code=definition.code).update(is_current=False)
            ProcedureGroup.objects.create(
                code=definition.code,
                version=definition.version,
                name=definition.name,
                name_en=definition.name_en,
                definition=data,
                content_hash=digest,
                source_file=path.name,
            )
            report.groups_created += 1
        if report.created or report.groups_created:
            audit.record(
                "catalog_loaded",
                data={"created": report.created, "groups_created": report.groups_created},
            )
    return report
