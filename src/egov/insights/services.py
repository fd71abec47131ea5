"""Indicators per agency and period, and the rebuild of every count from the facts.

``indicator_values`` is the function other parts call (the reporting regimes, the leader's
dashboard); it reads the daily counts, never the facts, so it costs the same for a ward and for
the nation.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import TruncMonth

from egov.core.models import Agency
from egov.dossiers.models import Dossier

from .constants import COUNTERS, NATION, FactSource
from .counting import rebuild_counts
from .definitions import indicators, percentage
from .facts import project, store_fact
from .models import DailyCount, DossierFact

Values = dict[str, Decimal | None]


def counts(scope: int, start: date, end: date) -> dict[str, int]:
    """Every counter of ``scope`` (an agency id or NATION) summed over the days [start, end]."""
    totals = DailyCount.objects.filter(scope=scope, day__gte=start, day__lte=end).aggregate(
        **{c: Sum(c) for c in COUNTERS}
    )
    return {c: int(totals[c] or 0) for c in COUNTERS}


def values_of(counted: dict[str, int]) -> Values:
    return {indicator.key: indicator.value(counted) for indicator in indicators()}


def indicator_values(agency: Agency, start: date, end: date) -> Values:
    """Each indicator key → its percentage (2 decimals, None when no denominator) for ``agency``
    and everything below it in the agency tree, for dossiers counted on days in [start, end]."""
    return values_of(counts(agency.pk, start, end))


@dataclass(frozen=True)
class OnTime:
    """The on-time indicator of one agency and period: results returned by their deadline, of
    the results returned, and the rate (None when none was returned)."""

    on_time: int
    returned: int

    @property
    def rate(self) -> Decimal | None:
        return percentage(self.on_time, self.returned)


def on_time(agency: Agency, start: date, end: date) -> OnTime:
    """Tỷ lệ giải quyết đúng hạn of ``agency`` and everything below it, for the results returned
    on days [start, end] (Vietnam's calendar): the one definition, which the dashboard, the
    regimes' prefill and the leader's dashboard all read."""
    counted = counts(agency.pk, start, end)
    return OnTime(on_time=counted["on_time"], returned=counted["returned"])


def national_values(start: date, end: date) -> Values:
    """The same for the whole nation: every agency of this deployment and every synced one."""
    return values_of(counts(NATION, start, end))


def counts_by_scope(scopes: Iterable[int], start: date, end: date) -> dict[int, dict[str, int]]:
    """Counters of many scopes at once (one query), for tables of ministries or provinces."""
    scopes = list(scopes)
    rows = (
        DailyCount.objects.filter(scope__in=scopes, day__gte=start, day__lte=end)
        .values("scope")
        .annotate(**{c: Sum(c) for c in COUNTERS})
    )
    found: dict[int, dict[str, int]] = {}
    for row in rows:
        found[row["scope"]] = {c: int(row[c] or 0) for c in COUNTERS}  # type: ignore[literal-required]
    return {scope: found.get(scope, dict.fromkeys(COUNTERS, 0)) for scope in scopes}


def monthly_counts(scope: int, start: date, end: date) -> list[tuple[date, dict[str, int]]]:
    """Counters of ``scope`` per calendar month between ``start`` and ``end``."""
    rows = (
        DailyCount.objects.filter(scope=scope, day__gte=start, day__lte=end)
        .annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(**{c: Sum(c) for c in COUNTERS})
        .order_by("month")
    )
    return [
        (row["month"], {c: int(row[c] or 0) for c in COUNTERS})  # type: ignore[literal-required]
        for row in rows
    ]


# --- rebuild ----------------------------------------------------------------------------------


def reproject_local_facts() -> int:
    """Project every local dossier again from its events; returns how many facts changed."""
    changed = 0
    facts = {f.dossier_id: f for f in DossierFact.objects.filter(source=FactSource.LOCAL)}
    dossiers = (
        Dossier.objects.exclude(code=None).select_related("procedure").order_by("pk").iterator()
    )
    for dossier in dossiers:
        values = project(dossier)
        if values is not None:
            identity: dict[str, Any] = {"agency_id": dossier.agency_id, "code": dossier.code}
            fact = facts.get(dossier.pk)
            stored = store_fact(  # counts: recomputed from every fact afterwards
                fact,
                values,
                count=False,
                source=FactSource.LOCAL,
                dossier_id=dossier.pk,
                **identity,
            )
            changed += stored is not None
    return changed


def rebuild() -> int:
    """Full rebuild: local facts again from the dossiers' events, then every count from the
    facts. Gives the same numbers as the incremental path; returns how many facts changed."""
    with transaction.atomic():
        changed = reproject_local_facts()
        rebuild_counts()
    return changed
