"""Loading the procedure catalogue from its folder."""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from egov.core import audit
from egov.core.text import fold

from .definitions import CatalogError, ProcedureDefinition, parse_procedure_file
from .models import Procedure

CATALOG_SUFFIXES = {".yaml", ".yml"}


@dataclass
class LoadReport:
    created: int = 0
    unchanged: int = 0


def _search_text(definition: ProcedureDefinition) -> str:
    parts = [definition.code, definition.name, definition.name_en, definition.field.name]
    return fold(" ".join(parts))


def load_catalog(folder: Path) -> LoadReport:
    """Validate every file in ``folder`` and store new procedure versions.

    All files are checked before anything is written, and every problem is reported at once.
    A changed file must raise its ``version``: an existing version is never rewritten, because
    dossiers refer to it.
    """
    files = sorted(p for p in folder.iterdir() if p.suffix in CATALOG_SUFFIXES)
    problems: list[tuple[str, str, str]] = []
    parsed: list[tuple[Path, ProcedureDefinition, dict, str]] = []
    seen: dict[str, Path] = {}
    for path in files:
        try:
            definition = parse_procedure_file(path)
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
        digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
        existing = Procedure.objects.filter(
            code=definition.code, version=definition.version
        ).first()
        if existing and existing.content_hash != digest:
            problems.append(
                (
                    str(path),
                    "version",
                    f"content changed but version {definition.version} already exists; raise the version",
                )
            )
            continue
        parsed.append((path, definition, data, digest))
    if problems:
        raise CatalogError(problems)

    report = LoadReport()
    with transaction.atomic():
        for path, definition, data, digest in parsed:
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
        if report.created:
            audit.record("catalog_loaded", data={"created": report.created})
    return report
