"""The procedure catalogue, public."""

from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from egov.core.models import Agency

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
    q: str = ""
    agency: str = ""
    field: str = ""
    online_level: str = ""


@router.get(
    "",
    response=list[ProcedureSummary],
    summary="Search procedures (diacritics and case ignored)",
)
@paginate(PageNumberPagination, page_size=20)
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
