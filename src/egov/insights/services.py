"""Indicators per agency and period, and the rebuild of every count from the facts.

``indicator_values`` is the function other parts call (the reporting regimes, the leader's
dashboard); it reads the daily counts, never the facts, so it costs the same for a ward and for
the nation.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Sum
from django.db.models.functions import TruncMonth

from egov.core.models import Agency
from egov.dossiers.models import Dossier

from .constants import COUNTERS, NATION, FactSource
from .definitions import indicators
from .facts import CountBatch, project, scopes_of, store_fact
from .models import AgencyScope, DailyCount, DossierFact

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


def refresh_scopes() -> int:
    """Flatten the agency tree into AgencyScope (each agency → itself, its ancestors, nation)."""
    ids = list(Agency.objects.values_list("id", flat=True))
    rows = [
        AgencyScope(agency_id=agency_id, scope=scope)
        for agency_id, scopes in scopes_of(ids).items()
        for scope in scopes
    ]
    AgencyScope.objects.all().delete()
    AgencyScope.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def reproject_local_facts() -> int:
    """Project every local dossier again from its events; returns how many facts changed."""
    changed = 0
    batch = CountBatch()  # discarded: the counts are recomputed from the facts afterwards
    facts = {f.dossier_id: f for f in DossierFact.objects.filter(source=FactSource.LOCAL)}
    dossiers = (
        Dossier.objects.exclude(code=None).select_related("procedure").order_by("pk").iterator()
    )
    for dossier in dossiers:
        values = project(dossier)
        if values is not None:
            identity: dict[str, Any] = {"agency_id": dossier.agency_id, "code": dossier.code}
            fact = facts.get(dossier.pk)
            stored = store_fact(
                fact, values, batch, source=FactSource.LOCAL, dossier_id=dossier.pk, **identity
            )
            changed += stored is not None
    return changed


def _rebuild_sql() -> str:
    fact = connection.ops.quote_name(DossierFact._meta.db_table)
    scope = connection.ops.quote_name(AgencyScope._meta.db_table)
    count = connection.ops.quote_name(DailyCount._meta.db_table)

    def flag(condition: str) -> str:
        return f"CASE WHEN {condition} THEN 1 ELSE 0 END"

    parts = {
        # the same rules as facts.contributions, in SQL
        "received_day": (
            "received_day IS NOT NULL AND COALESCE(status, 0) <> 3",
            {
                "received": "1",
                "online": flag("channel = 'online'"),
                "full_process": flag("full_process"),
                "full_process_online": flag("full_process AND channel = 'online'"),
                "paid": flag("paid OR paid_online"),
                "paid_online": flag("paid_online"),
            },
        ),
        "COALESCE(resolved_day, returned_day)": (
            "status IN (9, 10) AND COALESCE(resolved_day, returned_day) IS NOT NULL",
            {
                "resolved": "1",
                "digitised": flag("digitised"),
                "e_result": flag("e_result"),
                "reused": flag("reused"),
            },
        ),
        "returned_day": (
            "status = 10 AND returned_day IS NOT NULL",
            {
                "returned": "1",
                "on_time": flag("on_time"),
                "rated": flag("rating IS NOT NULL"),
                "satisfied": flag("rating >= 2"),
            },
        ),
    }
    selects = []
    for day, (where, columns) in parts.items():
        cells = ", ".join(f"SUM({columns.get(c, '0')}) AS {c}" for c in COUNTERS)
        selects.append(
            f"SELECT agency_id, {day} AS day, {cells} FROM {fact} "  # noqa: S608
            f"WHERE {where} GROUP BY agency_id, {day}"
        )
    sums = ", ".join(f"SUM(u.{c})" for c in COUNTERS)
    return (
        f"INSERT INTO {count} (scope, day, {', '.join(COUNTERS)}) "  # noqa: S608
        f"SELECT s.scope, u.day, {sums} FROM ({' UNION ALL '.join(selects)}) u "
        f"JOIN {scope} s ON s.agency_id = u.agency_id GROUP BY s.scope, u.day"
    )


def rebuild_counts() -> None:
    """Recompute every daily count from the facts, in one transaction (readers see the old
    counts until it commits)."""
    with transaction.atomic():
        refresh_scopes()
        DailyCount.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(_rebuild_sql())


def rebuild() -> int:
    """Full rebuild: local facts again from the dossiers' events, then every count from the
    facts. Gives the same numbers as the incremental path; returns how many facts changed."""
    with transaction.atomic():
        changed = reproject_local_facts()
        rebuild_counts()
    return changed
