"""Reads for the dashboard, the API and the exports: periods, tables of agencies, rankings."""

import calendar as months
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet

from egov.core.metrics import Metric, gauge
from egov.core.models import Agency, AgencyLevel

from .constants import COUNTERS, GROUPS, NATION
from .definitions import CENT, indicators
from .models import DossierFact, PushState
from .services import Values, counts_by_scope, monthly_counts, values_of


@dataclass(frozen=True)
class Period:
    """A reporting period: a year, a quarter or a month (or any day range)."""

    start: date
    end: date
    year: int
    quarter: int | None = None
    month: int | None = None

    @classmethod
    def of(cls, year: int, quarter: int | None = None, month: int | None = None) -> "Period":
        if month:
            last = months.monthrange(year, month)[1]
            return cls(date(year, month, 1), date(year, month, last), year, month=month)
        if quarter:
            first = 3 * quarter - 2
            last = months.monthrange(year, first + 2)[1]
            return cls(date(year, first, 1), date(year, first + 2, last), year, quarter=quarter)
        return cls(date(year, 1, 1), date(year, 12, 31), year)

    @property
    def label(self) -> str:
        if self.month:
            return f"{self.month:02d}/{self.year}"
        if self.quarter:
            return f"Q{self.quarter}/{self.year}"
        return str(self.year)


def group_scores(values: Values) -> tuple[dict[str, Decimal | None], Decimal | None]:
    """Decision 766 points of each group: its weight × the mean of its indicators (in %), over
    the indicators that have a denominator; and the total over the groups that have one."""
    scores: dict[str, Decimal | None] = {}
    for group, (weight, _name) in GROUPS.items():
        rates = [values[i.key] for i in indicators() if i.group == group]
        known = [r for r in rates if r is not None]
        scores[group] = (
            (Decimal(weight) * sum(known, Decimal(0)) / (100 * len(known))).quantize(
                CENT, ROUND_HALF_UP
            )
            if known
            else None
        )
    known_scores = [s for s in scores.values() if s is not None]
    return scores, (sum(known_scores, Decimal(0)) if known_scores else None)


@dataclass
class Row:
    """One line of a table: an agency (or the nation) and its figures for the period."""

    agency: Agency | None
    counts: dict[str, int]
    values: Values
    scores: dict[str, Decimal | None]
    total: Decimal | None
    rank: int | None = None


def top_agencies(level: str) -> QuerySet[Agency]:
    """Ministries (``central``) or provinces (``province``): the roots of the agency tree."""
    return Agency.objects.filter(parent=None, level=level, is_active=True).order_by("code")


def table(agencies: list[Agency], period: Period) -> list[Row]:
    """A row per agency, with everything below it, ranked by the Decision 766 total."""
    counted = counts_by_scope([a.pk for a in agencies], period.start, period.end)
    rows = []
    for agency in agencies:
        values = values_of(counted[agency.pk])
        scores, total = group_scores(values)
        rows.append(Row(agency, counted[agency.pk], values, scores, total))
    ranked = sorted((r for r in rows if r.total is not None), key=lambda r: -r.total)  # type: ignore[operator]
    for position, row in enumerate(ranked, start=1):
        row.rank = position
    return sorted(
        rows, key=lambda r: (r.rank is None, r.rank or 0, r.agency.code if r.agency else "")
    )


def scope_row(agency: Agency | None, period: Period) -> Row:
    scope = agency.pk if agency else NATION
    counted = counts_by_scope([scope], period.start, period.end)[scope]
    values = values_of(counted)
    scores, total = group_scores(values)
    return Row(agency, counted, values, scores, total)


def level_row(level: str, period: Period) -> Row:
    """All ministries together (``central``) or all provinces together (``province``): the two
    totals the national reports quote."""
    scopes = list(top_agencies(level).values_list("pk", flat=True))
    counted = dict.fromkeys(COUNTERS, 0)
    for row in counts_by_scope(scopes, period.start, period.end).values():
        for counter, value in row.items():
            counted[counter] += value
    values = values_of(counted)
    scores, total = group_scores(values)
    return Row(None, counted, values, scores, total)


def children(agency: Agency) -> list[Agency]:
    return list(agency.children.filter(is_active=True).order_by("code"))


def trend(agency: Agency | None, period: Period) -> list[tuple[date, Values]]:
    """Each month of the period (a year for a month or quarter view) with its indicators."""
    start = date(period.year, 1, 1) if period.month or period.quarter else period.start
    end = date(period.year, 12, 31) if period.month or period.quarter else period.end
    by_month = dict(monthly_counts(agency.pk if agency else NATION, start, end))
    series = []
    month = start.replace(day=1)
    while month <= end:
        series.append((month, values_of(by_month.get(month, {}))))
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return series


LEVELS = {"ministries": AgencyLevel.CENTRAL, "provinces": AgencyLevel.PROVINCE}


def metrics() -> Iterable[Metric]:
    """For /metrics (``core.metrics``): the national sync, facts waiting to be pushed and the
    pushes made and failed in a row (their rate is the sync rate)."""
    waiting = DossierFact.objects.filter(unpushed=True).count()
    yield gauge("egov_sync_unpushed_facts", "Dossier facts not yet pushed.", [], [(waiting,)])
    rows = PushState.objects.values_list("name", "pushed_total", "attempts")
    yield gauge(
        "egov_sync_pushed",
        "Facts pushed in all, per push.",
        ["push"],
        [(n, t) for n, t, _a in rows],
    )
    yield gauge(
        "egov_sync_failed_attempts",
        "Failed pushes in a row, per push (0 after a success).",
        ["push"],
        [(n, a) for n, _t, a in rows],
    )
