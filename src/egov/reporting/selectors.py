"""Named reads of the reporting part: who has submitted for a period, the roll-up, and the
leader's dashboard of an agency."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from egov.core import calendar
from egov.core.models import Agency
from egov.dossiers import selectors as dossier_selectors
from egov.dossiers.constants import RUNNING_STATUSES, Status
from egov.dossiers.models import Dossier
from egov.identity.models import User
from egov.insights import services as insights
from egov.insights.services import OnTime

from .constants import Aggregate, FieldKind, ReportStatus, Standing
from .models import Regime, Report
from .periods import period_containing

HUNDREDTH = Decimal("0.01")


def regime_periods(regime: Regime) -> list[date]:
    """Start dates of the periods that have reports, newest first."""
    return list(
        Report.objects.filter(regime=regime)
        .order_by("-period_start")
        .values_list("period_start", flat=True)
        .distinct()
    )


def standing(report: Report) -> str:
    if report.status != ReportStatus.SUBMITTED:
        return Standing.MISSING
    return Standing.LATE if report.is_late else Standing.ON_TIME


@dataclass
class RollUp:
    """The period's reports of a regime, where each agency stands, and the totals."""

    regime: Regime
    period_start: date
    reports: list[Report]
    totals: dict[str, Decimal | None]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def period_end(self) -> date:
        return period_containing(self.regime.period, self.period_start)[1]


def _number(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def aggregate(regime: Regime, submitted: list[dict[str, Any]]) -> dict[str, Decimal | None]:
    """Roll the submitted values up, field by field, as each field says (``Aggregate``):
    a sum; the unweighted mean of the agencies' values (for a percentage reported without its
    counts); a percentage recomputed as sum(numerator) / sum(denominator) × 100; or nothing."""
    numeric = [f for f in regime.fields if f["kind"] != FieldKind.TEXT]
    numbers = {
        f["code"]: [n for n in (_number(v.get(f["code"])) for v in submitted) if n is not None]
        for f in numeric
    }
    sums = {code: (sum(found, Decimal(0)) if found else None) for code, found in numbers.items()}
    totals: dict[str, Decimal | None] = {f["code"]: None for f in regime.fields}
    for spec in numeric:
        code, how = spec["code"], spec.get("aggregate", Aggregate.NONE)
        if how == Aggregate.SUM:
            totals[code] = sums[code]
        elif how == Aggregate.MEAN and numbers[code]:
            mean = sum(numbers[code], Decimal(0)) / len(numbers[code])
            totals[code] = mean.quantize(HUNDREDTH, ROUND_HALF_UP)
        elif how == Aggregate.RATIO:
            numerator, denominator = (sums.get(c) for c in spec["ratio_of"])
            if numerator is not None and denominator:
                totals[code] = (numerator / denominator * 100).quantize(HUNDREDTH, ROUND_HALF_UP)
    return totals


def rollup(regime: Regime, period_start: date) -> RollUp:
    """Who stands where for the period, and the roll-up of the submitted reports."""
    reports = list(
        Report.objects.filter(regime=regime, period_start=period_start)
        .select_related("agency")
        .order_by("agency__code")
    )
    counts = dict.fromkeys(Standing.values, 0)
    for report in reports:
        report.standing = standing(report)  # type: ignore[attr-defined]
        counts[report.standing] += 1  # type: ignore[attr-defined]
    submitted = [r.values for r in reports if r.status == ReportStatus.SUBMITTED]
    return RollUp(regime, period_start, reports, aggregate(regime, submitted), counts)


# --- the leader's dashboard ---------------------------------------------------------------------


def status_counts(agency: Agency) -> list[tuple[str, str, int]]:
    """(status, label, count) of the agency's submitted dossiers, in lifecycle order."""
    found = dict(
        Dossier.objects.filter(agency=agency)
        .exclude(status=Status.DRAFT)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return [
        (status.value, str(status.label), found.get(status.value, 0))
        for status in Status
        if status != Status.DRAFT
    ]


def overdue(agency: Agency, user: User) -> QuerySet[Dossier]:
    """The back office's overdue filter: the legal clock runs and the deadline has passed."""
    return dossier_selectors.agency_queue(agency.pk, user, "overdue")


def due_within(agency: Agency, days: int, now: datetime | None = None) -> QuerySet[Dossier]:
    """Dossiers whose clock runs and that fall due within ``days`` working days from now."""
    now = now or timezone.now()
    return (
        Dossier.objects.filter(
            agency=agency,
            status__in=RUNNING_STATUSES,
            due_at__gte=now,
            due_at__lte=calendar.add_working_days(now, days),
        )
        .prefetch_related("procedure")
        .order_by("due_at", "id")
    )


def on_time_this_month(agency: Agency, today: date | None = None) -> OnTime:
    """The on-time indicator of ``agency`` for this month (Hà Nội time), as insights counts it."""
    today = today or timezone.localdate()
    start, end = period_containing("monthly", today)
    return insights.on_time(agency, start, end)


def open_obligations(agency: Agency) -> QuerySet[Report]:
    """Reports the agency still owes, the most urgent first."""
    return (
        Report.objects.filter(agency=agency)
        .exclude(status=ReportStatus.SUBMITTED)
        .select_related("regime__agency")
        .order_by("due_date", "regime__title")
    )
