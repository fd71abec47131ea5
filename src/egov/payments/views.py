"""Pages of the payments part: the fee breakdown of a dossier with online and counter payment,
the sandbox bank, the provider's return and notification endpoints, results and receipts."""

import secrets
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from egov.core.errors import ServiceError
from egov.dossiers import access
from egov.dossiers.constants import FINISHED_STATUSES, Status
from egov.dossiers.models import Dossier
from egov.identity import clientip
from egov.identity.auth import acting_user

from . import receipts, selectors, services
from .constants import CounterMethod, PaymentStatus
from .fees import claimable_reductions
from .models import FeeClaim
from .providers import get_provider, sandbox
from .tasks import deliver_sandbox_notification


def fees_panel(request: HttpRequest, dossier: Dossier) -> list[SafeString]:
    """Hook of the dossier page: what the dossier owes and has paid, and the way to pay."""
    total = services.fees_of(dossier).total
    paid = services.paid_total(dossier)
    fees = {
        "total": total,
        "paid": paid,
        "owed": max(0, total - paid),
        "is_applicant": access.acts_as_applicant(request.user, dossier),
    }
    html = render_to_string(
        "payments/_dossier_panel.html", {"dossier": dossier, "fees": fees}, request=request
    )
    return [SafeString(html)]


def return_url(request: HttpRequest, provider: str) -> str:
    return request.build_absolute_uri(reverse("payments:return", args=[provider]))


def client_ip(request: HttpRequest) -> str:
    """The payer's address for the provider (``vnp_IpAddr``): the one answer of egov.identity."""
    return clientip.client_ip(request)


@login_required
def dossier_fees(request: HttpRequest, dossier_id: int) -> HttpResponse:
    """Phí, lệ phí: the breakdown, reductions to claim, online payment, counter payment."""
    dossier = access.access_dossier(request.user, dossier_id)
    user = acting_user(request)
    breakdown = services.fees_of(dossier)
    claimed = set(FeeClaim.objects.filter(dossier=dossier).values_list("reduction", flat=True))
    owed = services.outstanding(dossier)
    is_applicant = access.acts_as_applicant(user, dossier)
    payable = (
        dossier.status != Status.DRAFT and dossier.status not in FINISHED_STATUSES and owed > 0
    )
    reductions = claimable_reductions(dossier.procedure.definition)
    return render(
        request,
        "payments/fees.html",
        {
            "dossier": dossier,
            "breakdown": breakdown,
            "owed": owed,
            "paid": services.paid_total(dossier),
            "due_step": services.due_step(dossier),
            "claimable": [r for r in reductions if r["code"] not in claimed]
            if is_applicant and payable
            else [],
            "claimed": [r for r in reductions if r["code"] in claimed],
            "can_pay_online": bool(is_applicant and payable and get_provider()),
            "can_record": payable and services.may_record_counter_payment(user, dossier),
            "methods": CounterMethod.choices,
            "payments": selectors.payments_of(dossier.pk),
        },
    )


def _back(dossier_id: int) -> HttpResponseRedirect:
    return redirect("payments:fees", dossier_id)


@login_required
@require_POST
def claim(request: HttpRequest, dossier_id: int) -> HttpResponse:
    try:
        services.claim_reduction(
            acting_user(request),
            dossier_id,
            request.POST.get("reduction", ""),
            declared=request.POST.get("declared") == "on",
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your claim is recorded; the amount has been recalculated."))
    return _back(dossier_id)


@login_required
@require_POST
def pay(request: HttpRequest, dossier_id: int) -> HttpResponse:
    """Open a payment intent and go to the provider's payment page."""
    provider = get_provider()
    try:
        _payment, url = services.start_online_payment(
            acting_user(request),
            dossier_id,
            return_url=return_url(request, provider.name if provider else ""),
            client_ip=client_ip(request),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _back(dossier_id)
    return HttpResponseRedirect(url)


@login_required
@require_POST
def counter(request: HttpRequest, dossier_id: int) -> HttpResponse:
    try:
        payment = services.record_counter_payment(
            acting_user(request), dossier_id, request.POST.get("method", "")
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _back(dossier_id)
    messages.success(
        request, _("Payment recorded. Receipt %(receipt)s.") % {"receipt": payment.receipt_label}
    )
    return _back(dossier_id)


@require_http_methods(["GET", "POST"])
def sandbox_bank(request: HttpRequest) -> HttpResponse:
    """The sandbox bank's own page: the tester approves or declines; the bank then notifies the
    portal server to server and sends the browser back with the signed result."""
    if get_provider("sandbox") is None:
        raise Http404
    source = request.POST if request.method == "POST" else request.GET
    order = {
        name: str(source.get(name, ""))
        for name in ("reference", "amount", "currency", "return_url")
    }
    if not sandbox.verify({**order, "signature": source.get("signature", "")}) or not (
        url_has_allowed_host_and_scheme(
            order["return_url"], {request.get_host()}, require_https=request.is_secure()
        )
    ):
        return render(request, "payments/sandbox_bank.html", {"invalid": True}, status=400)
    if request.method == "GET":
        return render(
            request,
            "payments/sandbox_bank.html",
            {
                "order": order,
                "signature": source.get("signature", ""),
                "amount": int(order["amount"]),
            },
        )
    result = sandbox.signed(
        {
            "reference": order["reference"],
            "amount": order["amount"],
            "currency": order["currency"],
            "result": "approved" if request.POST.get("decision") == "approve" else "declined",
            "transaction": f"SBX{secrets.randbelow(10**10):010d}",
            "return_url": "",
        }
    )
    transaction.on_commit(lambda: deliver_sandbox_notification.enqueue(result))
    return HttpResponseRedirect(f"{order['return_url']}?{urlencode(result)}")


def provider_return(request: HttpRequest, provider: str) -> HttpResponse:
    """Where the provider sends the payer back: verified and applied like a notification."""
    outcome, reference = services.handle_callback(provider, request.GET.dict(), "return")
    if outcome is services.Outcome.INVALID_SIGNATURE or not reference:
        return render(request, "payments/invalid_return.html", status=400)
    return redirect("payments:detail", reference)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def provider_notification(request: HttpRequest, provider: str) -> HttpResponse:
    """The provider's server-to-server notification (VNPay's IPN URL): a JSON answer."""
    gateway = get_provider(provider)
    if gateway is None:
        raise Http404
    params = (request.GET if request.method == "GET" else request.POST).dict()
    outcome, _reference = services.handle_callback(provider, params, "notification")
    return JsonResponse(gateway.notification_answer(outcome))


@login_required
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    """The result of a payment, with its receipt when paid."""
    payment = selectors.access_payment(request.user, reference)
    return render(
        request,
        "payments/detail.html",
        {
            "payment": payment,
            "dossier": payment.dossier,
            "paid": payment.status in (PaymentStatus.PAID, PaymentStatus.REFUNDED),
            "allocations": payment.allocations.select_related("dossier__agency")
            if payment.dossier is None
            else (),
        },
    )


@login_required
def receipt(request: HttpRequest, reference: str) -> HttpResponse:
    payment = selectors.access_payment(request.user, reference)
    try:
        return receipts.receipt_response(payment)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("payments:detail", reference)
