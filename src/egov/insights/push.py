"""The sending side of the national sync: this deployment pushes its own dossiers' facts.

The cursor is the fact itself: every change raises its version and marks it unpushed; a push
sends unpushed facts in id order, 1,000 at a time, and clears the mark only where the version
sent is still the current one. A failed push leaves the marks, so the next one resumes where it
stopped, and a change made during a push is sent by the next one.
"""

import logging
from datetime import datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from egov.core import calendar
from egov.core.queue import task_named

from .constants import (
    CODE_BY_CHANNEL,
    COUNTER_FEE_CHANNEL,
    DATE_FORMAT,
    MAX_BATCH,
    ONLINE_FEE_CHANNEL,
)
from .models import DossierFact, PushState

log = logging.getLogger("egov.insights")
NATIONAL = "national"
#: A queued push not run this long after its time is taken as lost, and queued again.
LOST_AFTER = timedelta(minutes=10)


class PushFailed(Exception):
    """The national deployment did not take a batch (network, status, or an unexpected body)."""


def enabled() -> bool:
    return bool(settings.NATIONAL_SYNC_URL)


def schedule_push() -> bool:
    """Queue a push after NATIONAL_SYNC_INTERVAL seconds unless one is queued already, so that
    changes made meanwhile travel in one batch. Called after each commit that changed a fact."""
    if not enabled():
        return False
    now = timezone.now()
    PushState.objects.get_or_create(name=NATIONAL)
    run_at = now + timedelta(seconds=settings.NATIONAL_SYNC_INTERVAL)
    claimed = (
        PushState.objects.filter(name=NATIONAL)
        .filter(Q(next_run_at=None) | Q(next_run_at__lt=now - LOST_AFTER))
        .update(next_run_at=run_at)
    )
    if claimed:
        _enqueue(run_at)
    return bool(claimed)


def _enqueue(run_at: datetime) -> None:
    push_dossiers = task_named("egov.insights.tasks.push_dossiers")
    if push_dossiers.get_backend().supports_defer:
        push_dossiers.using(run_after=run_at).enqueue()
    else:  # the immediate backend of tests and trials: push now
        push_dossiers.enqueue()


def push_pending() -> int:
    """Send every unpushed fact to NATIONAL_SYNC_URL; returns how many were sent. Raises
    PushFailed, leaving the rest unpushed, when a batch is not taken."""
    sent = 0
    while True:
        facts = list(
            DossierFact.objects.filter(unpushed=True)
            .select_related("agency")
            .order_by("id")[: min(settings.NATIONAL_SYNC_BATCH, MAX_BATCH)]
        )
        if not facts:
            return sent
        rejected = _send([record_of(fact, fact.agency.code) for fact in facts])
        for index, fact in enumerate(facts):
            error = rejected.get(index)
            reason = f"{error.get('code')}: {error.get('message')}"[:255] if error else ""
            DossierFact.objects.filter(pk=fact.pk, version=fact.version).update(
                unpushed=False, push_error=reason
            )
        if rejected:
            log.warning("national_sync_rejected", extra={"count": len(rejected)})
        sent += len(facts)


def _send(records: list[dict]) -> dict[int, dict]:
    url = settings.NATIONAL_SYNC_URL.rstrip("/") + "/dossiers"
    body = {"service": "DongBoHoSoMC", "isUpdating": True, "data": records}
    headers = {"Authorization": f"Bearer {settings.NATIONAL_SYNC_TOKEN}"}
    try:
        response = requests.post(
            url, json=body, headers=headers, timeout=settings.NATIONAL_SYNC_TIMEOUT
        )
    except requests.RequestException as exc:
        raise PushFailed(f"{type(exc).__name__}") from exc
    if response.status_code != 200:
        raise PushFailed(f"HTTP {response.status_code}: {response.text[:200]}")
    try:
        answer = response.json()
        if answer["received"] != len(records):
            raise PushFailed("the national deployment counted another number of records")
        return {int(r["index"]): r for r in answer["rejected"]}
    except (ValueError, KeyError, TypeError) as exc:
        raise PushFailed("unexpected answer") from exc


# --- the records sent (DongBoHoSoMC) ----------------------------------------------------------


def _stamp(moment: datetime | None) -> str | None:
    return timezone.localtime(moment, calendar.VIETNAM).strftime(DATE_FORMAT) if moment else None


def record_of(fact: DossierFact, unit_code: str) -> dict[str, Any]:
    """The DongBoHoSoMC record of a local fact, as this deployment pushes it."""
    # The fee list too, for a national deployment that predates the transaction counts.
    fees = []
    if fact.payments_online:
        fees.append({"HinhThucThu": ONLINE_FEE_CHANNEL, "TrangThaiThanhToan": 1})
    if fact.payments > fact.payments_online:
        fees.append({"HinhThucThu": COUNTER_FEE_CHANNEL, "TrangThaiThanhToan": 1})
    return {
        "MaDonVi": unit_code,
        "MaHoSo": fact.code,
        "MaTTHC": fact.procedure_code,
        "ToanTrinh": fact.full_process,
        "HinhThuc": CODE_BY_CHANNEL.get(fact.channel, 0),
        "TrangThaiHoSo": fact.status,
        "NgayTiepNhan": _stamp(fact.received_at),
        "NgayHenTra": _stamp(fact.due_at),
        "NgayKetThucXuLy": _stamp(fact.resolved_at),
        "NgayTra": _stamp(fact.returned_at),
        "DanhSachLePhi": fees,
        "SoGiaoDichThanhToan": fact.payments,
        "SoGiaoDichThanhToanTrucTuyen": fact.payments_online,
        "SoKetQua": fact.results,
        "SoHoa": fact.digitised,
        "KetQuaDienTu": fact.e_results > 0,
        "SoKetQuaDienTu": fact.e_results,
        "TaiSuDung": fact.reused,
        "DungHan": fact.on_time,
        "MucDoHaiLong": fact.rating,
        "ThoiDiemCapNhat": _stamp(fact.updated_at),
    }
