"""Reporting API: regimes, reports owed, drafts and submissions, who has submitted and the
roll-up — the same rules as the pages (:mod:`.access`)."""

from datetime import date, datetime
from typing import Any, Literal

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field as SchemaField
from ninja import Query, Router, Schema, Status

from egov.core.idempotency import idempotent
from egov.core.models import Agency
from egov.core.pagination import paginated
from egov.identity.auth import acting_user, api_auth

from . import access, exports, selectors, services
from .constants import ReportStatus
from .models import Regime, Report

router = Router(auth=api_auth)


class FieldSpec(Schema):
    """One field of a report."""

    code: str = SchemaField(description="Letters, digits and _, starting with a letter")
    label: str = SchemaField(description="Vietnamese label")
    kind: Literal["integer", "decimal", "text"] = "integer"
    required: bool = False
    prefill: str = SchemaField("", description="A pre-fill source key, e.g. count:received")
    aggregate: Literal["", "sum", "mean", "ratio", "none"] = SchemaField(
        "", description="Roll-up; empty: sum for numbers, mean for percentage indicators"
    )
    ratio_of: list[str] = SchemaField(
        default_factory=list, description="For a ratio: numerator and denominator field codes"
    )


class RegimeIn(Schema):
    agency: str = SchemaField(description="Code of the defining agency (ignored on update)")
    title: str
    description: str = ""
    period: Literal["monthly", "quarterly", "half_yearly", "yearly"]
    deadline_kind: Literal["working_days", "day_of_month"]
    deadline_value: int
    scope: Literal["subordinates", "chosen"]
    chosen: list[str] = SchemaField(default_factory=list, description="Agency codes")
    fields: list[FieldSpec]
    first_period_start: date | None = None
    is_active: bool = True


class RegimeOut(Schema):
    id: int
    agency_code: str
    title: str
    description: str
    period: str
    deadline_kind: str
    deadline_value: int
    scope: str
    chosen: list[str]
    fields: list[FieldSpec]
    first_period_start: date
    is_active: bool

    @staticmethod
    def resolve_agency_code(regime: Regime) -> str:
        return regime.agency.code

    @staticmethod
    def resolve_chosen(regime: Regime) -> list[str]:
        return list(regime.chosen_agencies.values_list("code", flat=True))


class ReportOut(Schema):
    id: int
    regime_id: int
    regime_title: str
    agency_code: str
    period_start: date
    period_end: date
    due_date: date
    status: str
    standing: str
    is_late: bool
    submitted_at: datetime | None
    revision: int
    values: dict[str, Any]

    @staticmethod
    def resolve_regime_title(report: Report) -> str:
        return report.regime.title

    @staticmethod
    def resolve_agency_code(report: Report) -> str:
        return report.agency.code

    @staticmethod
    def resolve_standing(report: Report) -> str:
        return selectors.standing(report)

    @staticmethod
    def resolve_values(report: Report, context: dict[str, Any]) -> dict[str, Any]:
        """A draft is its agency's business: others see submitted values only."""
        if report.status == ReportStatus.SUBMITTED or access.can_fill(
            context["request"].user, report
        ):
            return dict(report.values)
        return {}


class RevisionOut(Schema):
    number: int
    values: dict[str, Any]
    prefilled: dict[str, Any]
    reason: str
    submitted_at: datetime
    is_late: bool


class ReportDetailOut(ReportOut):
    suggested: dict[str, Any]
    revisions: list[RevisionOut]
    can_fill: bool

    @staticmethod
    def resolve_suggested(report: Report, context: dict[str, Any]) -> dict[str, Any]:
        if not access.can_fill(context["request"].user, report):
            return {}
        return services.suggested_values(report)

    @staticmethod
    def resolve_revisions(report: Report) -> list[Any]:
        return list(report.revisions.all())

    @staticmethod
    def resolve_can_fill(report: Report, context: dict[str, Any]) -> bool:
        return access.can_fill(context["request"].user, report)


class ValuesIn(Schema):
    values: dict[str, str | int | float | None]


class SubmitIn(Schema):
    values: dict[str, str | int | float | None] | None = SchemaField(
        None, description="Omitted: submit the saved draft"
    )
    reason: str = SchemaField("", description="Required to correct a submitted report")


class RollUpOut(Schema):
    regime_id: int
    period_start: date
    period_end: date
    counts: dict[str, int] = SchemaField(description="on_time, late, missing")
    reports: list[ReportOut]
    totals: dict[str, str | None] = SchemaField(description="Decimal strings by field code")


class RemindIn(Schema):
    period_start: date
    agencies: list[str] | None = SchemaField(None, description="Codes; omitted: all missing")
    message: str = ""


class RemindOut(Schema):
    reminded: list[str]


class PeriodQuery(Schema):
    period_start: date | None = None


def _settings(payload: RegimeIn) -> dict[str, Any]:
    values = payload.dict(exclude={"agency", "chosen", "fields"})
    values["fields"] = [f.dict() for f in payload.fields]
    values["chosen"] = list(Agency.objects.filter(code__in=payload.chosen, is_active=True))
    return values


def _regime(request: HttpRequest, regime_id: int) -> Regime:
    return access.access_regime(acting_user(request), regime_id)


@router.get("/regimes", response=list[RegimeOut], summary="Regimes of my agencies")
@paginated(50)
def list_regimes(request: HttpRequest) -> Any:
    return access.followed_regimes(acting_user(request)).prefetch_related("chosen_agencies")


@router.post(
    "/regimes",
    response={200: RegimeOut, 201: RegimeOut},
    summary="Define a periodic report",
    description=(
        "Reports of periods that have already ended open at once. With an `Idempotency-Key` "
        "header a retried request returns the first regime (200) instead of defining another."
    ),
)
@idempotent
def create_regime(
    request: HttpRequest,
    payload: RegimeIn,
) -> Any:
    agency = Agency.objects.filter(code=payload.agency).first()
    if agency is None:
        raise services.InvalidInput("Không có cơ quan này / unknown agency", {"agency": "unknown"})
    return Status(201, services.define_regime(acting_user(request), agency, **_settings(payload)))


@router.get("/regimes/{regime_id}", response=RegimeOut)
def get_regime(request: HttpRequest, regime_id: int) -> Any:
    return _regime(request, regime_id)


@router.put("/regimes/{regime_id}", response=RegimeOut, summary="Edit a regime")
def update_regime(request: HttpRequest, regime_id: int, payload: RegimeIn) -> Any:
    _regime(request, regime_id)
    return services.update_regime(acting_user(request), regime_id, **_settings(payload))


@router.get("/regimes/{regime_id}/periods", response=list[date], summary="Periods with reports")
@paginated(50)
def list_periods(request: HttpRequest, regime_id: int) -> Any:
    return selectors.regime_periods(_regime(request, regime_id))


def _summary(request: HttpRequest, regime_id: int, period_start: date | None) -> Any:
    regime = _regime(request, regime_id)
    starts = selectors.regime_periods(regime)
    start = period_start or (starts[0] if starts else None)
    if start is None or start not in starts:
        raise Http404
    return selectors.rollup(regime, start)


@router.get(
    "/regimes/{regime_id}/rollup",
    response=RollUpOut,
    summary="Who has submitted for a period, and the roll-up",
)
def rollup(request: HttpRequest, regime_id: int, query: Query[PeriodQuery]) -> Any:
    summary = _summary(request, regime_id, query.period_start)
    return {
        "regime_id": regime_id,
        "period_start": summary.period_start,
        "period_end": summary.period_end,
        "counts": summary.counts,
        "reports": summary.reports,
        "totals": {k: None if v is None else str(v) for k, v in summary.totals.items()},
    }


@router.get(
    "/regimes/{regime_id}/rollup.{extension}",
    summary="The roll-up as CSV or XLSX",
    response={200: None},
)
def export_rollup(
    request: HttpRequest,
    regime_id: int,
    extension: Literal["csv", "xlsx"],
    query: Query[PeriodQuery],
) -> HttpResponse:
    summary = _summary(request, regime_id, query.period_start)
    return exports.download(summary, extension)


@router.post(
    "/regimes/{regime_id}/reminders",
    response=RemindOut,
    summary="Remind agencies that have not submitted",
)
@idempotent
def remind(request: HttpRequest, regime_id: int, payload: RemindIn) -> Any:
    regime = _regime(request, regime_id)
    ids = None
    if payload.agencies is not None:
        ids = list(Agency.objects.filter(code__in=payload.agencies).values_list("pk", flat=True))
    sent = services.send_reminders(
        regime.pk, acting_user(request), payload.period_start, ids, payload.message
    )
    return {"reminded": [r.report.agency.code for r in sent]}


@router.get("/reports", response=list[ReportOut], summary="Reports my agencies owe or sent")
@paginated(50)
def list_reports(request: HttpRequest) -> Any:
    return access.own_reports(acting_user(request))


@router.get("/reports/{report_id}", response=ReportDetailOut)
def get_report(request: HttpRequest, report_id: int) -> Any:
    return access.access_report(acting_user(request), report_id)


@router.put("/reports/{report_id}/draft", response=ReportOut, summary="Save a draft")
def save_draft(request: HttpRequest, report_id: int, payload: ValuesIn) -> Any:
    access.access_report(acting_user(request), report_id, "fill")
    return services.save_draft(report_id, acting_user(request), payload.values)


@router.post(
    "/reports/{report_id}/submit",
    response=ReportOut,
    summary="Submit a report, or correct a submitted one (with a reason)",
)
@idempotent
def submit(request: HttpRequest, report_id: int, payload: SubmitIn) -> Any:
    access.access_report(acting_user(request), report_id, "submit")
    return services.submit(report_id, acting_user(request), payload.values, payload.reason)
