"""The daily counts, kept in step with the facts by set-based SQL.

What a fact counts, and on which of its days, is written once, in SQL (``_contributions``): the
rebuild runs it over every fact, and the incremental path over the staged changes of one
transaction — a fact entering a state adds it (+1), leaving one takes it away (−1) — summed per
scope and day and added to the counts in one statement. One definition, so the two paths cannot
disagree.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, transaction

from egov.core.models import Agency

from .bulk import insert_rows
from .constants import COUNTERS, NATION, PAYMENT_REQUESTED, RESOLVED_CODES, RETURNED_CODE
from .models import AgencyScope, DailyCount, DossierFact, FactChange

#: The fields of a fact the counts depend on (the columns of a FactChange).
COUNTED_FIELDS = (
    "status",
    "channel",
    "full_process",
    "payments",
    "payments_online",
    "results",
    "e_results",
    "digitised",
    "reused",
    "on_time",
    "rating",
    "received_day",
    "resolved_day",
    "returned_day",
)
NOT_RECEIVED = 3  # TrangThaiHoSo "không được tiếp nhận": refused at intake, not counted


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def _contributions(source: str, signed: bool) -> str:
    """(agency_id, day, one column per counter) of every fact state in ``source``: receipts and
    the dossier's payment transactions on the day received, resolutions and the results issued
    on the day the result was ready (or returned), returns, timeliness and ratings on the day
    the result was returned; weighted by ``sign`` if ``signed``."""
    # A result waiting for its fees (6, "payment requested", with a result day) is resolved too.
    resolved = ", ".join(str(code) for code in sorted(RESOLVED_CODES | {PAYMENT_REQUESTED}))
    parts = {
        "received_day": (
            f"received_day IS NOT NULL AND COALESCE(status, 0) <> {NOT_RECEIVED}",
            {
                "received": "1",
                "online": _flag("channel = 'online'"),
                "full_process": _flag("full_process"),
                "full_process_online": _flag("full_process AND channel = 'online'"),
                # Transactions, not dossiers: a fact carries how many it made.
                "payments": "payments",
                "payments_online": "payments_online",
            },
        ),
        "COALESCE(resolved_day, returned_day)": (
            f"status IN ({resolved}) AND COALESCE(resolved_day, returned_day) IS NOT NULL",
            {
                "resolved": "1",
                "results": "results",
                "e_results": "e_results",
                "digitised": _flag("digitised"),
                "reused": _flag("reused"),
            },
        ),
        "returned_day": (
            f"status = {RETURNED_CODE} AND returned_day IS NOT NULL",
            {
                "returned": "1",
                "on_time": _flag("on_time"),
                "rated": _flag("rating IS NOT NULL"),
                "satisfied": _flag("rating >= 2"),
            },
        ),
    }
    weight = "sign * " if signed else ""
    selects = []
    for day, (where, columns) in parts.items():
        cells = ", ".join(f"SUM({weight}{columns.get(c, '0')}) AS {c}" for c in COUNTERS)
        selects.append(
            f"SELECT agency_id, {day} AS day, {cells} FROM {source} "  # noqa: S608
            f"WHERE {where} GROUP BY agency_id, {day}"
        )
    return " UNION ALL ".join(selects)


def _per_scope(source: str, signed: bool) -> str:
    """The contributions of ``source`` summed per (scope, day) through the flattened tree."""
    sums = ", ".join(f"SUM(u.{c})" for c in COUNTERS)
    nonzero = " OR ".join(f"SUM(u.{c}) <> 0" for c in COUNTERS)
    return (
        f"SELECT s.scope, u.day, {sums} FROM ({_contributions(source, signed)}) u "  # noqa: S608
        f"JOIN {_quote(AgencyScope._meta.db_table)} s ON s.agency_id = u.agency_id "
        # WHERE true: SQLite's parser needs it before an upsert's ON CONFLICT
        f"WHERE true GROUP BY s.scope, u.day HAVING {nonzero} ORDER BY s.scope, u.day"
    )


# --- the incremental path ----------------------------------------------------------------------


def stage(changes: Iterable[tuple[int, int, Sequence[Any]]]) -> int:
    """Stage (agency id, +1/−1, values of COUNTED_FIELDS) for ``apply_staged``."""
    rows = [(agency_id, sign, *values) for agency_id, sign, values in changes]
    insert_rows(FactChange, ("agency_id", "sign", *COUNTED_FIELDS), rows)
    return len(rows)


def apply_staged() -> None:
    """Add the staged changes to the daily counts and clear them, in one statement on
    PostgreSQL. Must run in the transaction that staged them: the counts change when the facts
    do. Rows are upserted in (scope, day) order, so concurrent writers lock them in the same
    order."""
    ensure_scopes()
    table = _quote(FactChange._meta.db_table)
    columns = ", ".join(COUNTERS)
    count = _quote(DailyCount._meta.db_table)
    updates = ", ".join(f"{c} = {count}.{c} + excluded.{c}" for c in COUNTERS)
    upsert = f"ON CONFLICT (scope, day) DO UPDATE SET {updates}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One snapshot: exactly the rows deleted are the rows added.
            cursor.execute(
                f"WITH staged AS (DELETE FROM {table} RETURNING *) "  # noqa: S608
                f"INSERT INTO {count} (scope, day, {columns}) {_per_scope('staged', True)} "
                f"{upsert}"
            )
        else:  # SQLite: one writer at a time, so the two statements see the same rows
            cursor.execute(
                f"INSERT INTO {count} (scope, day, {columns}) {_per_scope(table, True)} {upsert}"
            )
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608


# --- scopes ----------------------------------------------------------------------------------


def scopes_of(agency_ids: Iterable[int]) -> dict[int, list[int]]:
    """Each agency's scopes: itself, every ancestor, and the nation (one query per tree level)."""
    agency_ids = list(agency_ids)
    parents: dict[int, int | None] = {}
    frontier = set(agency_ids)
    while frontier:
        rows = dict(Agency.objects.filter(pk__in=frontier).values_list("id", "parent_id"))
        parents.update(rows)
        frontier = {p for p in rows.values() if p is not None and p not in parents}
    scopes: dict[int, list[int]] = {}
    for agency_id in agency_ids:
        chain: list[int] = []
        current: int | None = agency_id
        while current is not None and current not in chain:
            chain.append(current)
            current = parents.get(current)
        scopes[agency_id] = [*chain, NATION]
    return scopes


def _add_scopes(agency_ids: Iterable[int]) -> None:
    # Ignoring conflicts: two writers may flatten the same new agency at once.
    AgencyScope.objects.bulk_create(
        [
            AgencyScope(agency_id=agency_id, scope=scope)
            for agency_id, scopes in scopes_of(agency_ids).items()
            for scope in scopes
        ],
        batch_size=5000,
        ignore_conflicts=True,
    )


def ensure_scopes() -> None:
    """Flatten the tree for the agencies of the staged changes that are not flattened yet (the
    tree's rows are dropped whenever an agency is saved, see signals)."""
    missing = (
        FactChange.objects.exclude(agency_id__in=AgencyScope.objects.values("agency_id"))
        .values_list("agency_id", flat=True)
        .distinct()
    )
    if agency_ids := list(missing):
        _add_scopes(agency_ids)


def refresh_scopes() -> None:
    """Flatten the whole agency tree again (each agency → itself, its ancestors, the nation)."""
    AgencyScope.objects.all().delete()
    _add_scopes(Agency.objects.values_list("id", flat=True))


# --- the rebuild ---------------------------------------------------------------------------------


def rebuild_counts() -> None:
    """Recompute every daily count from the facts, in one transaction (readers see the old
    counts until it commits; writers wait)."""
    with transaction.atomic():
        fact = _quote(DossierFact._meta.db_table)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"LOCK TABLE {fact} IN SHARE MODE")
        refresh_scopes()
        DailyCount.objects.all().delete()
        FactChange.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {_quote(DailyCount._meta.db_table)} "
                f"(scope, day, {', '.join(COUNTERS)}) {_per_scope(fact, False)}"
            )
