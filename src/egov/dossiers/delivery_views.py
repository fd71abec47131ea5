"""Pages of the delivery of results: the choice on the draft and its change page, the panel on
the dossier page, the postal provider's callback endpoint, and the sandbox post office.

Views stay thin: the rules are in ``services.delivery``."""

import json
import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from egov.core.errors import ServiceError
from egov.identity.auth import acting_user

from . import access, postal, services
from .constants import DELIVERY_CHANGEABLE_STATUSES, DeliveryMethod, PostalStatus, Status
from .models import Delivery, Dossier
from .postal import sandbox as sandbox_post
from .postal import vnpost
from .services import delivery as delivery_services

FIELD_PREFIX = "delivery_"


def choice_from(request: HttpRequest) -> delivery_services.DeliveryChoice:
    return delivery_services.DeliveryChoice.from_mapping(request.POST, FIELD_PREFIX)


def form_context(
    delivery: Delivery | None,
    errors: dict[str, str],
    posted: delivery_services.DeliveryChoice | None = None,
) -> dict[str, Any]:
    """What ``dossiers/_delivery_fields.html`` shows: the values (posted, else stored), the
    places of the agency tree to choose from, and the errors."""
    if posted is not None:
        values = posted.__dict__
    elif delivery is not None:
        values = {
            "method": delivery.method,
            "recipient_name": delivery.recipient_name,
            "phone": delivery.phone,
            "street": delivery.street,
            "province": delivery.province,
            "commune": delivery.commune,
        }
    else:
        values = {"method": DeliveryMethod.ONLINE}
    fields = [
        ("recipient_name", _("Recipient's full name"), "text", "name", ""),
        ("phone", _("Recipient's phone number"), "tel", "tel", ""),
        ("street", _("House number, street or village"), "text", "street-address", ""),
        ("commune", _("Commune or ward"), "text", "off", "communes"),
        ("province", _("Province or city"), "text", "off", "provinces"),
    ]
    return {
        "delivery_fields": [
            {
                "name": name,
                "label": label,
                "kind": kind,
                "autocomplete": autocomplete,
                "list": datalist,
                "value": values.get(name, ""),
                "error": errors.get(f"delivery_{name}", ""),
            }
            for name, label, kind, autocomplete, datalist in fields
        ],
        "delivery_values": values,
        "delivery_errors": errors,
        "delivery_methods": DeliveryMethod.choices,
        "postal_offered": postal.get_provider() is not None,
        "provinces": [delivery_services.place_name(p) for p in delivery_services.provinces()],
        "communes": sorted(
            {delivery_services.place_name(c) for _p, c in delivery_services.communes()}
        ),
    }


def save_choice(request: HttpRequest, dossier: Dossier) -> ServiceError | None:
    """Store the delivery posted with a draft; the refusal, if any, to show with the form."""
    if FIELD_PREFIX + "method" not in request.POST:
        return None
    try:
        services.change_delivery(dossier.pk, acting_user(request), choice_from(request))
    except ServiceError as exc:
        return exc
    return None


def delivery_panel(request: HttpRequest, dossier: Dossier) -> list[SafeString]:
    """``dossiers.dossier_panels``: how the result is received, and where the post stands."""
    if dossier.status == Status.DRAFT:
        return []
    delivery = services.delivery_of(dossier)
    is_applicant = access.acts_as_applicant(request.user, dossier)
    html = render_to_string(
        "dossiers/_delivery_panel.html",
        {
            "dossier": dossier,
            "delivery": delivery,
            "method_label": DeliveryMethod(
                delivery.method if delivery else DeliveryMethod.ONLINE
            ).label,
            "news": delivery.callbacks.filter(applied=True) if delivery else [],
            "may_change": is_applicant and dossier.status in DELIVERY_CHANGEABLE_STATUSES,
            "may_book": bool(
                delivery
                and access.may_file_at_counter(request.user, dossier.agency_id)
                and not delivery_services.booking_blocked(dossier, delivery)
                and delivery.booking_error
            ),
        },
        request=request,
    )
    return [SafeString(html)]


@login_required
def change(request: HttpRequest, dossier_id: int) -> HttpResponse:
    """Change how the result is received, until it is ready (the applicant)."""
    dossier = access.access_dossier(request.user, dossier_id)
    if dossier.status == Status.DRAFT:
        return redirect("dossiers:edit", dossier.pk)
    if not access.acts_as_applicant(request.user, dossier):
        raise Http404
    delivery = services.delivery_of(dossier)
    errors: dict[str, str] = {}
    posted = None
    status = 200
    if request.method == "POST":
        posted = choice_from(request)
        version = request.POST.get("version", "")
        try:
            services.change_delivery(
                dossier.pk,
                acting_user(request),
                posted,
                int(version) if version.isdigit() else None,
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
            errors, status = exc.errors, exc.http_status
        else:
            messages.success(request, _("How you receive the result has been saved."))
            return redirect("dossiers:detail", dossier.pk)
        dossier.refresh_from_db()
    return render(
        request,
        "dossiers/delivery.html",
        {
            "dossier": dossier,
            "changeable": dossier.status in DELIVERY_CHANGEABLE_STATUSES,
            **form_context(delivery, errors, posted),
        },
        status=status,
    )


@login_required
@require_POST
def book(request: HttpRequest, dossier_id: int) -> HttpResponse:
    """A receiving official books again a consignment the provider refused or missed."""
    try:
        outcome = services.retry_booking(acting_user(request), dossier_id)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        if outcome == "booked":
            messages.success(request, _("The consignment has been booked."))
        else:
            messages.error(request, _("The postal service could not book it; try again later."))
    return redirect("dossiers:detail", dossier_id)


@csrf_exempt
@require_POST
def callback(request: HttpRequest, provider: str) -> HttpResponse:
    """The postal provider's signed status callback (server to server)."""
    outcome = services.receive_callback(provider, request.body, request.headers)
    found = postal.get_provider(provider)
    if found is None:
        return JsonResponse({"code": "01", "message": "Unknown provider"}, status=404)
    status, body = found.callback_answer(outcome)
    return JsonResponse(body, status=status)


# --- the sandbox post office ----------------------------------------------------------------------


def _sandbox_consignments(request: HttpRequest) -> Any:
    """The consignments of the sandbox for the agencies where the user is an official."""
    agencies = access.queue_agencies(request.user)
    return (
        Delivery.objects.filter(provider="sandbox", dossier__agency_id__in=agencies)
        .exclude(consignment="")
        .select_related("dossier")
        .order_by("-id")
    )


@login_required
def sandbox(request: HttpRequest) -> HttpResponse:
    """Bưu cục thử nghiệm: the officials of an agency play the post office for its results
    (``POSTAL_PROVIDER=sandbox``): each status is sent as the signed callback a provider sends."""
    provider = postal.get_provider("sandbox")
    if provider is None:
        raise Http404
    if request.method == "POST":
        chosen = request.POST.get("delivery", "")
        found = _sandbox_consignments(request).filter(pk=int(chosen) if chosen.isdigit() else 0)
        found = found.first()
        status = request.POST.get("status", "")
        codes = {str(value): code for code, value in vnpost.STATUS_CODES.items()}
        if found is None or status not in codes:
            raise Http404
        body = json.dumps(
            {
                "event_id": secrets.token_hex(8),
                "consignment": found.consignment,
                "order_code": found.order_code,
                "status": codes[status],
                "occurred_at": timezone.now().isoformat(),
            }
        ).encode()
        headers = vnpost.signed_headers(sandbox_post.CLIENT_CODE, sandbox_post.secret(), body)
        outcome = services.receive_callback("sandbox", body, headers)
        messages.success(request, _("Sent: %(outcome)s.") % {"outcome": outcome})
        return redirect("dossiers:postal_sandbox")
    return render(
        request,
        "dossiers/postal_sandbox.html",
        {
            "consignments": list(_sandbox_consignments(request)[:50]),
            "statuses": [
                (value, PostalStatus(value).label) for value in vnpost.STATUS_CODES.values()
            ],
        },
    )
