"""Facts and their counts: what one dossier adds to which counter on which day, and how a change
of a fact moves the counts of its agency, every agency above it and the nation."""

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from egov.catalog.constants import OnlineLevel
from egov.core.models import Agency
from egov.dossiers.constants import NATIONAL_STATUS_CODE, Channel, Status
from egov.dossiers.models import Dossier, DossierEvent

from .constants import (
    COUNTERS,
    NATION,
    RESOLVED_CODES,
    RETURNED_CODE,
    FactSource,
)
from .models import DailyCount, DossierFact

#: The fields a projection or a synchronised record sets; a fact changes when one of them does.
FACT_FIELDS = (
    "procedure_code",
    "full_process",
    "channel",
    "status",
    "received_at",
    "due_at",
    "resolved_at",
    "returned_at",
    "paid",
    "paid_online",
    "digitised",
    "e_result",
    "reused",
    "on_time",
    "rating",
)
NOT_RECEIVED = 3  # TrangThaiHoSo "không được tiếp nhận": refused at intake, not counted

Delta = Counter[tuple[date, str]]


def local_day(moment: datetime | None) -> date | None:
    return timezone.localtime(moment).date() if moment else None


def contributions(fact: Mapping[str, Any] | None) -> Delta:
    """What one fact counts: receipts on the day received, resolutions on the day the result
    was ready, returns, timeliness and ratings on the day the result was returned."""
    counts: Delta = Counter()
    if not fact:
        return counts
    day = local_day(fact["received_at"])
    if day and fact["status"] != NOT_RECEIVED:
        online = fact["channel"] == Channel.ONLINE
        for counter, counted in (
            ("received", True),
            ("online", online),
            ("full_process", fact["full_process"]),
            ("full_process_online", fact["full_process"] and online),
            ("paid", fact["paid"] or fact["paid_online"]),
            ("paid_online", fact["paid_online"]),
        ):
            if counted:
                counts[day, counter] += 1
    day = local_day(fact["resolved_at"] or fact["returned_at"])
    if day and fact["status"] in RESOLVED_CODES:
        for counter in ("resolved", "digitised", "e_result", "reused"):
            if counter == "resolved" or fact[counter]:
                counts[day, counter] += 1
    day = local_day(fact["returned_at"])
    if day and fact["status"] == RETURNED_CODE:
        rating = fact["rating"]
        for counter, counted in (
            ("returned", True),
            ("on_time", bool(fact["on_time"])),
            ("rated", rating is not None),
            ("satisfied", rating is not None and rating >= 2),
        ):
            if counted:
                counts[day, counter] += 1
    return counts


def fact_values(fact: DossierFact | None) -> dict[str, Any] | None:
    return {name: getattr(fact, name) for name in FACT_FIELDS} if fact else None


# --- projection of a local dossier -----------------------------------------------------------------


def project(dossier: Dossier) -> dict[str, Any] | None:
    """The fact of a local dossier, from its fixed fields and its events; None before it has a
    receipt code. The same dossier and events always give the same fact (rebuild = incremental)."""
    if not dossier.code or dossier.status == Status.DRAFT:
        return None
    events = list(
        DossierEvent.objects.filter(dossier_id=dossier.pk)
        .order_by("at", "id")
        .values_list("kind", "at", "data")
    )
    first: dict[str, datetime] = {}
    last: dict[str, tuple[datetime, dict[str, Any]]] = {}
    paid = paid_online = False
    for kind, at, data in events:
        first.setdefault(kind, at)
        last[kind] = (at, data or {})
        if kind == "paid":
            paid = True
            paid_online = paid_online or (data or {}).get("channel") == "online"
    returned_at = last["returned"][0] if "returned" in last else None
    on_time = None
    if returned_at is not None:
        on_time = last["returned"][1].get("on_time")
        if on_time is None and dossier.due_at:
            on_time = returned_at <= dossier.due_at
    e_result = "result_signed" in first
    rating = last["rated"][1].get("score", dossier.rating) if "rated" in last else None
    return {
        "procedure_code": dossier.procedure.code,
        "full_process": dossier.procedure.online_level == OnlineLevel.FULL,
        "channel": dossier.channel,
        "status": NATIONAL_STATUS_CODE.get(dossier.status),
        "received_at": first.get("received") or first.get("submitted"),
        "due_at": dossier.due_at,
        "resolved_at": first.get("result_ready") or returned_at,
        "returned_at": returned_at,
        "paid": paid,
        "paid_online": paid_online,
        "digitised": e_result and (dossier.channel == Channel.ONLINE or "digitised" in first),
        "e_result": e_result,
        "reused": "component_reused" in first,
        "on_time": on_time,
        "rating": rating,
        "updated_at": events[-1][1] if events else timezone.now(),
    }


def refresh_local_fact(dossier: Dossier) -> None:
    """Keep the fact of a local dossier and the counts in step with it (same transaction)."""
    values = project(dossier)
    if values is None:
        return
    fact = DossierFact.objects.select_for_update().filter(dossier_id=dossier.pk).first()
    batch = CountBatch()
    identity: dict[str, Any] = {
        "agency_id": dossier.agency_id,
        "code": dossier.code,
        "dossier_id": dossier.pk,
    }
    if store_fact(fact, values, batch, source=FactSource.LOCAL, **identity) is not None:
        batch.flush()
        if settings.NATIONAL_SYNC_URL:  # a deployment that pushes to the national one
            transaction.on_commit(_schedule_push)


def _schedule_push() -> None:
    from .push import schedule_push

    schedule_push()


#: The fields a change writes, for bulk updates of many facts.
STORED_FIELDS = [
    *FACT_FIELDS,
    "received_day",
    "resolved_day",
    "returned_day",
    "updated_at",
    "version",
    "unpushed",
    "push_error",
]


def store_fact(
    fact: DossierFact | None,
    values: dict[str, Any],
    batch: "CountBatch",
    save: bool = True,
    **identity: Any,
) -> DossierFact | None:
    """Create or update a fact with ``values`` and add the change of its counts to ``batch``.
    Returns the fact, or None when its state did not change. With ``save`` off the caller
    writes it (in bulk)."""
    old = fact_values(fact)
    new = {name: values[name] for name in FACT_FIELDS}
    if old == new:
        if fact is not None and values["updated_at"] > fact.updated_at:
            # Same state, newer time: keep the time, so that an older state arriving later loses.
            fact.updated_at = values["updated_at"]
            if save:
                fact.save(update_fields=["updated_at"])
        return None
    if fact is None:
        fact = DossierFact(**identity)
    else:
        fact.version += 1
    for name, value in values.items():
        setattr(fact, name, value)
    fact.received_day = local_day(fact.received_at)
    fact.resolved_day = local_day(fact.resolved_at)
    fact.returned_day = local_day(fact.returned_at)
    fact.unpushed = fact.source == FactSource.LOCAL
    fact.push_error = ""
    if save:
        fact.save()
    delta = contributions(new)
    delta.subtract(contributions(old))
    batch.add(fact.agency_id, delta)
    return fact


# --- counts ------------------------------------------------------------------------------------


def scopes_of(agency_ids: Iterable[int]) -> dict[int, list[int]]:
    """Each agency's scopes: itself, every ancestor, and the nation (one query per tree level)."""
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


class CountBatch:
    """Changes of counts gathered over a batch of facts, written in one statement per row."""

    def __init__(self) -> None:
        self.by_agency: dict[int, Delta] = defaultdict(Counter)

    def add(self, agency_id: int, delta: Delta) -> None:
        self.by_agency[agency_id].update(delta)

    def flush(self) -> None:
        rows: dict[tuple[int, date], Counter[str]] = defaultdict(Counter)
        scopes = scopes_of(self.by_agency)
        for agency_id, delta in self.by_agency.items():
            for (day, counter), change in delta.items():
                if change:
                    for scope in scopes[agency_id]:
                        rows[scope, day][counter] += change
        self.by_agency.clear()
        add_counts(
            (scope, day, [changes[c] for c in COUNTERS])
            for (scope, day), changes in rows.items()
            if any(changes.values())
        )


def add_counts(rows: Iterable[tuple[int, date, list[int]]]) -> None:
    """Add to the counts of (scope, day), creating the row when missing; one atomic upsert per
    row, so concurrent writers never lose an increment (SQLite ≥ 3.24 and PostgreSQL)."""
    table = connection.ops.quote_name(DailyCount._meta.db_table)
    columns = ", ".join(COUNTERS)
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNTERS)
    placeholders = ", ".join(["%s"] * (len(COUNTERS) + 2))
    sql = (
        f"INSERT INTO {table} (scope, day, {columns}) VALUES ({placeholders}) "  # noqa: S608
        f"ON CONFLICT (scope, day) DO UPDATE SET {updates}"
    )
    # In key order, so that concurrent writers lock rows in the same order (no deadlock).
    params: list[list[Any]] = sorted([scope, day, *values] for scope, day, values in rows)
    if params:
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
