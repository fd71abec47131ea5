from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from egov.core.models import Agency
from egov.core.pagination import page_of

from . import hooks, selectors
from .constants import OnlineLevel


def home(request: HttpRequest) -> HttpResponse:
    """Trang chủ: search, the most used procedures, tracking."""
    return render(request, "catalog/home.html", {"procedures": selectors.current_procedures()[:8]})


def procedure_list(request: HttpRequest) -> HttpResponse:
    """Tra cứu thủ tục: search without diacritics, filter by agency, field and online level."""
    query = request.GET.get("q", "")[:200]
    agency_code = request.GET.get("agency", "")
    field = request.GET.get("field", "")
    online_level = request.GET.get("online_level", "")
    agency = Agency.objects.filter(code=agency_code).first() if agency_code else None
    procedures = selectors.search_procedures(
        query,
        agency=agency,
        field=field,
        online_level=online_level if online_level in OnlineLevel.values else "",
    )
    page = page_of(request, procedures, 20)
    context = {
        "page": page,
        "query": query,
        "agency_code": agency_code,
        "field": field,
        "online_level": online_level,
        "agencies": selectors.agencies_with_procedures(),
        "fields": selectors.fields(),
        "online_levels": OnlineLevel.choices,
    }
    template = (
        "catalog/list.html#results" if request.headers.get("HX-Request") else "catalog/list.html"
    )
    return render(request, template, context)


def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    procedure = selectors.get_procedure(code)
    if procedure is None:
        raise Http404
    return render(
        request,
        "catalog/detail.html",
        {
            "procedure": procedure,
            "definition": procedure.definition,
            "agencies": selectors.performing_agencies(procedure),
            "panels": [
                html for panel in hooks.procedure_panels for html in panel(request, procedure)
            ],
        },
    )
