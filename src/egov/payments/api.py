"""Payments API: a dossier's fee breakdown, online payment, claimed reductions, counter payments,
payments and their electronic receipts, with the pages' permission rules."""

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from egov.core.errors import ErrorOut
from egov.core.idempotency import idempotent
from egov.core.pagination import paginated
from egov.dossiers import access
from egov.identity.auth import acting_user, api_auth
from egov.identity.clientip import client_ip

from . import receipts, selectors, services
from .fees import claimable_reductions
from .models import FeeClaim, Payment
from .providers import get_provider

router = Router(auth=api_auth)
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ReductionOut(Schema):
    code: str
    name: str
    name_en: str
    percent: int
    amount: int
    legal_basis: str


class FeeLineOut(Schema):
    code: str
    name: str
    name_en: str
    kind: str
    unit_amount: int
    quantity: int
    gross: int
    reduction: ReductionOut | None
    amount: int
    legal_basis: str


class ClaimableOut(Schema):
    code: str
    name: str
    name_en: str = ""
    percent: int
    proof_component: str = ""
    legal_basis: str
    claimed: bool


class FeesOut(Schema):
    """Phí, lệ phí of a dossier, as computed by the one fee function, in VND."""

    dossier_id: int
    lines: list[FeeLineOut]
    total: int
    paid: int
    outstanding: int
    due: Literal["at_submission", "before_result"]
    held_step: str
    national_status: int | None
    online_provider: str | None
    reductions: list[ClaimableOut]


class PaymentOut(Schema):
    reference: str
    dossier_id: int | None = Field(description="None for a group payment (see `purpose`)")
    purpose: str = Field(description="What a group payment pays for (an application's code)")
    channel: str
    method: str
    status: str
    amount: int
    currency: str
    lines: list[FeeLineOut]
    created_at: datetime
    expires_at: datetime | None
    paid_at: datetime | None
    receipt: str | None

    @staticmethod
    def resolve_receipt(payment: Payment) -> str | None:
        return payment.receipt_label or None


class StartedOut(Schema):
    payment: PaymentOut
    redirect_url: str


class ClaimIn(Schema):
    reduction: str
    declared: bool


class CounterIn(Schema):
    method: Literal["cash", "card"]


class RefundIn(Schema):
    reason: str


def _fees(request: HttpRequest, dossier_id: int) -> dict[str, Any]:
    dossier = access.access_dossier(request.user, dossier_id)
    breakdown = services.fees_of(dossier)
    paid = services.paid_total(dossier)
    claimed = set(FeeClaim.objects.filter(dossier=dossier).values_list("reduction", flat=True))
    provider = get_provider()
    return {
        "dossier_id": dossier.pk,
        "lines": breakdown.as_json(),
        "total": breakdown.total,
        "paid": paid,
        "outstanding": max(0, breakdown.total - paid),
        "due": breakdown.due,
        "held_step": services.due_step(dossier),
        "national_status": dossier.national_status,
        "online_provider": provider.name if provider else None,
        "reductions": [
            {**r, "claimed": r["code"] in claimed}
            for r in claimable_reductions(dossier.procedure.definition)
        ],
    }


@router.get(
    "/dossiers/{dossier_id}/fees", response={200: FeesOut, **ERRORS}, summary="Fee breakdown"
)
def fees(request: HttpRequest, dossier_id: int) -> dict[str, Any]:
    """What the dossier owes, line by line with reductions, before anyone pays."""
    return _fees(request, dossier_id)


@router.post(
    "/dossiers/{dossier_id}/claims",
    response={200: FeesOut, **ERRORS},
    summary="Claim an exemption or reduction",
)
@idempotent
def claim(request: HttpRequest, dossier_id: int, payload: ClaimIn) -> dict[str, Any]:
    services.claim_reduction(acting_user(request), dossier_id, payload.reduction, payload.declared)
    return _fees(request, dossier_id)


@router.post(
    "/dossiers/{dossier_id}/online",
    response={201: StartedOut, **ERRORS},
    summary="Start an online payment",
)
@idempotent
def pay_online(request: HttpRequest, dossier_id: int) -> Status:
    """Open a payment intent for what is owed and return the gateway address to send the payer
    to. Repeating the call while the intent is open returns the same intent."""
    provider = get_provider()
    payment, url = services.start_online_payment(
        acting_user(request),
        dossier_id,
        return_url=request.build_absolute_uri(
            f"/payments/return/{provider.name if provider else ''}/"
        ),
        client_ip=client_ip(request),
    )
    return Status(201, {"payment": payment, "redirect_url": request.build_absolute_uri(url)})


@router.post(
    "/dossiers/{dossier_id}/counter",
    response={201: PaymentOut, **ERRORS},
    summary="Record a counter payment",
)
@idempotent
def counter(request: HttpRequest, dossier_id: int, payload: CounterIn) -> Status:
    """A receiving official of the dossier's agency records what was paid in cash or by card."""
    payment = services.record_counter_payment(acting_user(request), dossier_id, payload.method)
    return Status(201, payment)


@router.get(
    "/dossiers/{dossier_id}/payments",
    response={200: list[PaymentOut], **ERRORS},
    summary="Payments of a dossier",
)
@paginated(20)
def dossier_payments(request: HttpRequest, dossier_id: int) -> Any:
    dossier = access.access_dossier(request.user, dossier_id)
    return selectors.payments_of(dossier.pk)


@router.get("/{reference}", response={200: PaymentOut, **ERRORS}, summary="One payment")
def payment(request: HttpRequest, reference: str) -> Payment:
    return selectors.access_payment(request.user, reference)


@router.get("/{reference}/receipt", summary="Electronic receipt (PDF)")
def receipt(request: HttpRequest, reference: str) -> HttpResponse:
    return receipts.receipt_response(selectors.access_payment(request.user, reference))


@router.post("/{reference}/refund", response={200: PaymentOut, **ERRORS}, summary="Record a refund")
@idempotent
def refund(request: HttpRequest, reference: str, payload: RefundIn) -> Payment:
    return services.refund(acting_user(request), reference, payload.reason)
