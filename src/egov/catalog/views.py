from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from egov.core.models import Agency
from egov.core.pagination import page_of

from . import fees, hooks, selectors
from .constants import OnlineLevel
from .forms import render_template_pdf


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
    """Trang thủ tục: what to provide, where to file it (address, hours, hotline), the blank form
    to download, and a fee estimate for the copies and exemptions the visitor chooses."""
    procedure = selectors.get_procedure(code)
    if procedure is None:
        raise Http404
    definition = procedure.definition
    try:
        copies = int(request.GET.get("copies", "1")[:4])
    except ValueError:
        copies = 1
    estimate = fees.estimate(definition, copies=copies, claims=request.GET.getlist("claim")[:20])
    return render(
        request,
        "catalog/detail.html",
        {
            "procedure": procedure,
            "definition": definition,
            "agencies": selectors.performing_agencies(procedure),
            "estimate": estimate,
            "copies_limit": fees.copies_limit(definition),
            "group_reductions": [
                r for r in definition.get("reductions", []) if r["applies"] == "group"
            ],
            "panels": [
                html for panel in hooks.procedure_panels for html in panel(request, procedure)
            ],
        },
    )


def form_template(request: HttpRequest, code: str) -> HttpResponse:
    """Mẫu tờ khai: the procedure's application form, blank, as a PDF to print and fill by hand."""
    procedure = selectors.get_procedure(code)
    if procedure is None:
        raise Http404
    response = HttpResponse(render_template_pdf(procedure.definition), "application/pdf")
    response["Content-Disposition"] = f'attachment; filename="to-khai-{procedure.code}.pdf"'
    return response
