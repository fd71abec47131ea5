"""/tracking: anyone follows a dossier by its receipt code (throttled; details need a check)."""

from typing import Any

from django.http import HttpRequest
from ninja import Router

from egov.core.errors import ErrorOut, NotFound
from egov.identity.ratelimit import client_address

from .. import services, tracking
from ..models import Dossier
from .schemas import TrackingOut

router = Router()


def tracking_out(found: tracking.Tracked[Dossier]) -> dict[str, Any]:
    dossier, details = found.item, found.details
    return {
        "code": dossier.code,
        "status": dossier.status,
        "national_status": dossier.national_status,
        "details": details,
        "procedure_name": dossier.procedure.name if details else None,
        "agency_name": dossier.agency.name if details else None,
        "submitted_at": dossier.submitted_at if details else None,
        "due_at": dossier.due_at if details else None,
        "finished_at": dossier.finished_at if details else None,
        **_delivery(dossier, details),
    }


def _delivery(dossier: Any, details: bool) -> dict[str, Any]:
    delivery = services.delivery_of(dossier) if details else None
    return {
        "delivery_method": (delivery.method if delivery else "online") if details else None,
        "postal_status": delivery.postal_status if delivery and delivery.method == "post" else None,
    }


@router.get(
    "/{code}",
    response={200: TrackingOut, 404: ErrorOut, 429: ErrorOut},
    summary="Track a dossier by receipt code",
    description=(
        "The code alone gives the status; with `check` (the last 4 digits of the applicant's "
        "personal ID number, or of the organisation's tax code) also the procedure, the agency "
        f"and the dates. At most {tracking.LOOKUPS_PER_ADDRESS} lookups an hour per client "
        f"address, {tracking.MISSES_PER_ADDRESS} of them unknown codes or wrong checks, and "
        f"{tracking.WRONG_CHECKS_PER_CODE} wrong checks an hour per code (429, `Retry-After`)."
    ),
)
def track(request: HttpRequest, code: str, check: str = "") -> Any:
    found = tracking.track(client_address(request), code, check)
    if found is None:
        raise NotFound("Không tìm thấy hồ sơ / dossier not found")
    return tracking_out(found)
