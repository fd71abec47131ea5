"""The public dashboard (national public-service index style), the drill-down to an agency, and
the CSV/XLSX export of every table. Public: the figures are published statistics."""

from django.db.models import Max, Min
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from egov.core.models import Agency

from . import hooks, selectors, tables
from .constants import NATION
from .definitions import indicators
from .models import DailyCount

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORTS = {"csv": ("text/csv; charset=utf-8", tables.to_csv), "xlsx": (XLSX, tables.to_xlsx)}


def _years() -> tuple[list[int], int]:
    """The years to choose from (those with data, and this one), and the latest with data."""
    span = DailyCount.objects.filter(scope=NATION).aggregate(first=Min("day"), last=Max("day"))
    this_year = timezone.localdate().year
    first = span["first"].year if span["first"] else this_year
    last = span["last"].year if span["last"] else this_year
    return list(range(max(last, this_year), min(first, this_year) - 1, -1)), last


def _number(request: HttpRequest, name: str, low: int, high: int) -> int | None:
    raw = request.GET.get(name, "")
    return int(raw) if raw.isdigit() and low <= int(raw) <= high else None


def _period(request: HttpRequest) -> tuple[selectors.Period, list[int]]:
    """The period asked for (year, and optionally quarter or month); the latest year with data
    by default."""
    years, latest = _years()
    year = _number(request, "year", 2000, 2100) or latest
    month = _number(request, "month", 1, 12)
    quarter = None if month else _number(request, "quarter", 1, 4)
    return selectors.Period.of(year, quarter, month), years


def _chart(table: tables.Table) -> dict:
    """The trend table as Chart.js data: one line per indicator, None where no denominator."""
    return {
        "labels": [row[0] for row in table.rows],
        "series": [
            {"label": header, "data": [None if r[i] is None else float(r[i]) for r in table.rows]}
            for i, header in enumerate(table.headers[1:], start=1)
        ],
    }


def _context(request: HttpRequest, agency: Agency | None) -> dict:
    period, years = _period(request)
    trend = tables.trend(agency, period)
    query = {"year": period.year, "quarter": period.quarter or "", "month": period.month or ""}
    return {
        "period": period,
        "years": years,
        "quarters": range(1, 5),
        "months": range(1, 13),
        "trend": trend,
        "chart": _chart(trend),
        "query": "&".join(f"{k}={v}" for k, v in query.items() if v),
        "indicators": indicators(),
        "language": get_language(),
        "panels": [
            html
            for hook in hooks.dashboard_panels
            for html in hook(request, agency, period.start, period.end)
        ],
    }


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Bảng điều hành: the nation, all ministries and all provinces, and their rankings."""
    context = _context(request, None)
    period = context["period"]
    context.update(
        summary=tables.summary(None, period),
        rankings=[tables.ranking("ministries", period), tables.ranking("provinces", period)],
    )
    return render(request, "insights/dashboard.html", context)


@require_GET
def agency_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One agency with every unit below it: its figures, its trend, its units."""
    agency = get_object_or_404(Agency.objects.select_related("parent"), code=code)
    context = _context(request, agency)
    period = context["period"]
    context.update(
        agency=agency,
        counts=tables.counts(agency, period),
        summary=tables.summary(agency, period),
        units=tables.units(agency, period),
    )
    return render(request, "insights/agency.html", context)


@require_GET
def export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """Any table of the dashboard as CSV or XLSX, for the same period (and agency)."""
    period, _years = _period(request)
    code = request.GET.get("agency")
    agency = get_object_or_404(Agency, code=code) if code else None
    builders = {
        "summary": lambda: tables.summary(agency, period),
        "counts": lambda: tables.counts(agency, period),
        "trend": lambda: tables.trend(agency, period),
        "ministries": lambda: tables.ranking("ministries", period),
        "provinces": lambda: tables.ranking("provinces", period),
        "units": lambda: tables.units(agency, period) if agency else None,
    }
    if slug not in builders or fmt not in EXPORTS:
        raise Http404
    table = builders[slug]()
    if table is None:
        raise Http404
    content_type, write = EXPORTS[fmt]
    name = f"chi-so-{slug}-{(agency.code + '-') if agency else ''}{period.label.replace('/', '-')}"
    response = HttpResponse(write(table), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
