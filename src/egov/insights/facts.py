"""Facts: what the indicators need to know of each dossier, projected from a local dossier's
events or taken from a synchronised record; a change of a fact moves the counts with it."""

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from egov.catalog.constants import OnlineLevel
from egov.core import calendar
from egov.dossiers.constants import Channel, Status
from egov.dossiers.models import Dossier, DossierEvent

from . import counting
from .constants import FactSource
from .counting import COUNTED_FIELDS
from .models import DossierFact
from .push import schedule_push

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
    "payments",
    "payments_online",
    "results",
    "e_results",
    "digitised",
    "reused",
    "on_time",
    "rating",
)


def local_day(moment: datetime | None) -> date | None:
    """The Vietnamese calendar day of a moment, whatever the active time zone."""
    return moment.astimezone(calendar.VIETNAM).date() if moment else None


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
    # Each settled payment writes one ``paid`` event: the dossier's payment transactions.
    payments = payments_online = 0
    for kind, at, data in events:
        first.setdefault(kind, at)
        last[kind] = (at, data or {})
        if kind == "paid":
            payments += 1
            payments_online += (data or {}).get("channel") == "online"
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
        "status": dossier.national_status,
        "received_at": first.get("received") or first.get("submitted"),
        "due_at": dossier.due_at,
        "resolved_at": first.get("result_ready") or returned_at,
        "returned_at": returned_at,
        "payments": payments,
        "payments_online": payments_online,
        # A dossier of this platform issues one result (its result file, signed or on paper).
        "results": 1,
        "digitised": e_result and (dossier.channel == Channel.ONLINE or "digitised" in first),
        "e_results": int(e_result),
        "reused": "component_reused" in first,
        "on_time": on_time,
        "rating": rating,
        "updated_at": events[-1][1] if events else timezone.now(),
    }


def project_event(event: DossierEvent) -> None:
    """The ``dossiers.event_recorded`` hook: the event's dossier (the step's own object, which
    carries the state the event moves it to) is projected once per event, in the step's
    transaction, so the counts never disagree with the dossiers."""
    refresh_local_fact(event.dossier)


def refresh_local_fact(dossier: Dossier) -> None:
    """Keep the fact of a local dossier and the counts in step with it (same transaction)."""
    values = project(dossier)
    if values is None:
        return
    fact = DossierFact.objects.select_for_update().filter(dossier_id=dossier.pk).first()
    identity: dict[str, Any] = {
        "agency_id": dossier.agency_id,
        "code": dossier.code,
        "dossier_id": dossier.pk,
    }
    stored = store_fact(fact, values, source=FactSource.LOCAL, **identity)
    if stored is not None and settings.NATIONAL_SYNC_URL:  # pushing to the national deployment
        transaction.on_commit(schedule_push)


def counted_state(fact: DossierFact) -> list[Any]:
    """The values of COUNTED_FIELDS of a fact: what its counts depend on."""
    return [getattr(fact, name) for name in COUNTED_FIELDS]


def store_fact(
    fact: DossierFact | None, values: dict[str, Any], count: bool = True, **identity: Any
) -> DossierFact | None:
    """Create or update a fact with ``values``, and move the counts with it (same transaction)
    unless ``count`` is off (a rebuild recomputes them all). Returns the fact, or None when its
    state did not change."""
    old = fact_values(fact)
    new = {name: values[name] for name in FACT_FIELDS}
    if fact is not None and old == new:
        if values["updated_at"] > fact.updated_at:
            # Same state, newer time: keep the time, so that an older state arriving later loses.
            fact.updated_at = values["updated_at"]
            fact.save(update_fields=["updated_at"])
        return None
    changes: list[tuple[int, int, list[Any]]] = []
    if fact is None:
        fact = DossierFact(**identity)
    else:
        changes.append((fact.agency_id, -1, counted_state(fact)))
        fact.version += 1
    for name, value in values.items():
        setattr(fact, name, value)
    fact.received_day = local_day(fact.received_at)
    fact.resolved_day = local_day(fact.resolved_at)
    fact.returned_day = local_day(fact.returned_at)
    fact.unpushed = fact.source == FactSource.LOCAL
    fact.push_error = ""
    fact.save()
    if count:
        changes.append((fact.agency_id, 1, counted_state(fact)))
        counting.stage(changes)
        counting.apply_staged()
    return fact
