"""The procedure catalogue, public."""

from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from egov.core.models import Agency
from egov.core.pagination import paginated

from . import selectors
from .models import Procedure

router = Router()


class ProcedureSummary(Schema):
    code: str
    version: int
    name: str
    name_en: str
    field_code: str
    field_name: str
    online_level: str
    processing_days: int
    online_processing_days: int | None = Field(
        None,
        description="Working days for a dossier filed online, where the province shortens them",
    )
    verification_working_days: int | None = Field(
        None,
        description=(
            "The longer legal time in working days when the processing official records that a"
            " dossier needs verification; none when the law gives none"
        ),
    )
    agency_levels: list[str]

    @staticmethod
    def resolve_agency_levels(procedure: Procedure) -> list[str]:
        return procedure.levels


class AgencyRef(Schema):
    code: str
    name: str


class ProcedureDetail(ProcedureSummary):
    definition: dict[str, Any]
    agencies: list[AgencyRef]

    @staticmethod
    def resolve_agencies(procedure: Procedure) -> list[Agency]:
        return selectors.performing_agencies(procedure)


class ProcedureFilter(Schema):
    # Bounded: a search string of tens of thousands of characters is no search (and SQLite
    # refuses LIKE patterns over 50,000 bytes).
    q: str = Field("", max_length=200, description="Từ khóa (≤ 200 ký tự)")
    agency: str = Field("", max_length=50)
    field: str = Field("", max_length=50)
    online_level: str = Field("", max_length=20)


@router.get(
    "",
    response=list[ProcedureSummary],
    summary="Search procedures (diacritics and case ignored)",
)
@paginated(20)
def list_procedures(request: HttpRequest, filters: Query[ProcedureFilter]) -> Any:
    agency = None
    if filters.agency:
        agency = Agency.objects.filter(code=filters.agency).first()
        if agency is None:
            return Procedure.objects.none()
    return selectors.search_procedures(
        filters.q, agency=agency, field=filters.field, online_level=filters.online_level
    )


@router.get("/{code}", response=ProcedureDetail, summary="One procedure, current version")
def get_procedure(request: HttpRequest, code: str, version: int | None = None) -> Procedure:
    if version is not None:
        return get_object_or_404(Procedure, code=code, version=version)
    procedure = selectors.get_procedure(code)
    if procedure is None:
        raise Http404
    return procedure
