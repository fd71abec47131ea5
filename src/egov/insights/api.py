"""The indicator API (public, read-only) and the national dossier sync API (per-deployment
bearer tokens). Documented in docs/insights.md and docs/sync.md."""

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.security import HttpBearer

from egov.core.models import Agency
from egov.core.pagination import paginated

from . import selectors, sync
from .constants import GROUPS, MAX_BATCH
from .definitions import indicators
from .models import SyncClient

router = Router()
sync_router = Router()


# --- indicators -------------------------------------------------------------------------------


class IndicatorOut(Schema):
    key: str
    name_vi: str
    name_en: str
    numerator: str
    denominator: str
    group: str
    source: str


class PeriodQuery(Schema):
    year: int = Field(..., ge=2000, le=2100, description="Reporting year")
    quarter: int | None = Field(None, ge=1, le=4)
    month: int | None = Field(None, ge=1, le=12, description="A month (overrides quarter)")


class FiguresOut(Schema):
    agency: str | None = Field(description="Agency code; null for the whole nation")
    name: str
    start: date
    end: date
    values: dict[str, Decimal | None] = Field(description="Indicator key → % (2 decimals)")
    counts: dict[str, int] = Field(description="Numerators and denominators")
    scores: dict[str, Decimal | None] = Field(description="Decision 766 group → points")
    total: Decimal | None
    rank: int | None = None


def _figures(row: selectors.Row, period: selectors.Period) -> dict[str, Any]:
    return {
        "agency": row.agency.code if row.agency else None,
        "name": row.agency.name if row.agency else "Toàn quốc",
        "start": period.start,
        "end": period.end,
        "values": row.values,
        "counts": row.counts,
        "scores": row.scores,
        "total": row.total,
        "rank": row.rank,
    }


@router.get("/indicators", response=list[IndicatorOut], summary="Indicator definitions")
@paginated(50)
def list_indicators(request: HttpRequest) -> Any:
    return list(indicators())


@router.get("/groups", response=dict[str, int], summary="Decision 766 groups and their weights")
def list_groups(request: HttpRequest) -> dict[str, int]:
    return {group: weight for group, (weight, _name) in GROUPS.items()}


@router.get(
    "/figures",
    response=FiguresOut,
    summary="Indicators of an agency (with every unit below it) or of the nation, for a period",
)
def figures(
    request: HttpRequest, period: Query[PeriodQuery], agency: str | None = None
) -> dict[str, Any]:
    chosen = get_object_or_404(Agency, code=agency) if agency else None
    span = selectors.Period.of(period.year, period.quarter, period.month)
    return _figures(selectors.scope_row(chosen, span), span)


@router.get(
    "/ranking/{level}",
    response=list[FiguresOut],
    summary="Ministries or provinces ranked by their Decision 766 points for a period",
)
@paginated(50)
def ranking(
    request: HttpRequest, level: Literal["ministries", "provinces"], period: Query[PeriodQuery]
) -> Any:
    span = selectors.Period.of(period.year, period.quarter, period.month)
    agencies = list(selectors.top_agencies(selectors.LEVELS[level]))
    return [_figures(row, span) for row in selectors.table(agencies, span)]


# --- sync -------------------------------------------------------------------------------------


class DeploymentToken(HttpBearer):
    """``Authorization: Bearer <token>`` issued to a deployment by ``create_sync_client``."""

    def authenticate(self, request: HttpRequest, token: str) -> SyncClient | None:
        return sync.authenticate(token)


class DossierBatch(Schema):
    service: Literal["DongBoHoSoMC"] = "DongBoHoSoMC"
    isUpdating: bool = Field(True, description="Accepted for compatibility; every record upserts")
    data: list[Any] = Field(..., max_length=MAX_BATCH, description="DongBoHoSoMC records")


class ProgressBatch(Schema):
    service: Literal["CapNhatTienDoHoSoMC"] = "CapNhatTienDoHoSoMC"
    data: list[Any] = Field(..., max_length=MAX_BATCH, description="CapNhatTienDoHoSoMC records")


class RejectionOut(Schema):
    index: int = Field(description="Position of the record in `data`, from 0")
    MaHoSo: str | None
    code: str = Field(description="Stable reason code (docs/sync.md)")
    field: str = Field(description="The field at fault, if one")
    message: str


class BatchOut(Schema):
    received: int
    applied: int = Field(description="Records that created or changed a dossier")
    unchanged: int = Field(description="Records already known, or older than the stored state")
    rejected: list[RejectionOut]


@sync_router.post(
    "/dossiers",
    response=BatchOut,
    auth=DeploymentToken(),
    summary="DongBoHoSoMC: push up to 1,000 dossiers (idempotent; the newest state wins)",
)
def push_dossiers(request: HttpRequest, batch: DossierBatch) -> sync.BatchResult:
    return sync.sync_dossiers(request.auth, batch.data)  # type: ignore[attr-defined]


@sync_router.post(
    "/progress",
    response=BatchOut,
    auth=DeploymentToken(),
    summary="CapNhatTienDoHoSoMC: push up to 1,000 progress updates of synced dossiers",
)
def push_progress(request: HttpRequest, batch: ProgressBatch) -> sync.BatchResult:
    return sync.sync_progress(request.auth, batch.data)  # type: ignore[attr-defined]
