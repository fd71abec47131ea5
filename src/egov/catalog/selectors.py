"""Reads of the catalogue that pages and API share."""

from django.db.models import QuerySet

from egov.core.models import Agency
from egov.core.text import fold

from .models import Procedure


def current_procedures() -> QuerySet[Procedure]:
    """The current version of every procedure."""
    return Procedure.objects.filter(is_current=True).order_by("code")


def search_procedures(
    query: str = "",
    *,
    agency: Agency | None = None,
    field: str = "",
    online_level: str = "",
) -> QuerySet[Procedure]:
    """Current procedures matching every word of ``query`` regardless of diacritics and case,
    optionally only those ``agency`` performs, of one field, or of one online level."""
    procedures = current_procedures()
    for word in fold(query).split():
        procedures = procedures.filter(search_text__contains=word)
    if agency is not None:
        procedures = procedures.filter(
            sector__in=agency.sectors, agency_levels__contains=f",{agency.level},"
        )
    if field:
        procedures = procedures.filter(field_code=field)
    if online_level:
        procedures = procedures.filter(online_level=online_level)
    return procedures


def performing_agencies(procedure: Procedure) -> list[Agency]:
    """Agencies that perform ``procedure``: its levels, and its sector among theirs."""
    candidates = Agency.objects.filter(is_active=True, level__in=procedure.levels)
    return [agency for agency in candidates if procedure.sector in agency.sectors]


def fields() -> list[tuple[str, str]]:
    """(code, name) of every field that has a current procedure."""
    return list(
        current_procedures()
        .order_by("field_name")
        .values_list("field_code", "field_name")
        .distinct()
    )


def agencies_with_procedures() -> list[Agency]:
    """Agencies that perform at least one current procedure, for the filter list."""
    pairs = set(current_procedures().values_list("sector", "agency_levels"))
    return [
        agency
        for agency in Agency.objects.filter(is_active=True).order_by("code")
        if any(
            sector in agency.sectors and f",{agency.level}," in levels for sector, levels in pairs
        )
    ]


def get_procedure(code: str) -> Procedure | None:
    return current_procedures().filter(code=code).first()
