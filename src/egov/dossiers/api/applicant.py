"""The applicant's side of /dossiers: submit, drafts, their dossiers, supplement, withdraw,
rate."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Body, Form, Router, Status

from egov.core.errors import ERRORS
from egov.core.idempotency import idempotent
from egov.core.pagination import paginated
from egov.identity.auth import acting_user, api_auth

from .. import access, receipts, selectors, services
from ..constants import DELIVERY_CHANGEABLE_STATUSES
from ..models import Delivery, Dossier
from .inputs import (
    DeliveryIn,
    NewDraftIn,
    RatingIn,
    ReasonIn,
    VersionIn,
    delivery_json,
    dossier_for,
    form_json,
    organisation_for,
    procedure_and_agency,
    uploads,
)
from .schemas import DeliveryOut, DossierOut, DossierRow, EventOut

router = Router(auth=api_auth)


@router.post(
    "",
    response={200: DossierOut, 201: DossierOut, **ERRORS},
    summary="Submit a dossier online in one request (multipart)",
    description=(
        "Multipart fields: `procedure` (code), `agency` (QCVN 102 code), `form` (JSON object "
        "matching the procedure's form schema), optionally `organisation` (the tax code of an "
        "organisation you represent, when the procedure accepts organisations), and one file "
        "per document component, each under the component's code. With an `Idempotency-Key` "
        "header a retried request returns the first dossier (200) instead of creating another. "
        "A procedure asking a higher identity level than the account's is refused with 403 "
        "`identity_level_required`. Optionally `delivery` (a JSON object as `PUT "
        "/dossiers/{id}/delivery` takes): how to receive the result; by post, the postal fee is "
        "quoted and added to the fees (409 `postal_unavailable` when the provider cannot quote)."
    ),
)
@idempotent
def submit_dossier(
    request: HttpRequest,
    procedure: Form[str],
    agency: Form[str],
    form: Form[str] = "{}",
    organisation: Form[str] = "",
    delivery: Form[str] = "",
) -> Status:
    proc, unit = procedure_and_agency(procedure, agency)
    choice = delivery_json(delivery)
    # Quoted before the submission's transaction: the provider is never called inside one.
    prepared = services.delivery.prepare(unit, choice) if choice else None
    dossier, _replayed = services.submit_online(
        acting_user(request),
        proc,
        unit,
        form_json(form),
        uploads(request, skip=("delivery",)),
        organisation=organisation_for(organisation),
        delivery=prepared,
    )
    return Status(201, dossier_for(request, dossier.pk))


@router.get("", response=list[DossierRow], summary="My dossiers")
@paginated(20)
def my_dossiers(request: HttpRequest) -> Any:
    """Your own dossiers and those of the organisations you represent now."""
    return access.dossiers_as_applicant(acting_user(request))


@router.post("/drafts", response={201: DossierOut, **ERRORS}, summary="Start a draft")
@idempotent
def start_draft(request: HttpRequest, payload: NewDraftIn) -> Status:
    proc, unit = procedure_and_agency(payload.procedure, payload.agency)
    dossier = services.start_draft(
        acting_user(request), proc, unit, organisation_for(payload.organisation)
    )
    return Status(201, dossier_for(request, dossier.pk))


@router.post(
    "/{dossier_id}/draft", response={200: DossierOut, **ERRORS}, summary="Save a draft (multipart)"
)
def save_draft(request: HttpRequest, dossier_id: int, form: Form[str] = "{}") -> Dossier:
    services.save_draft(dossier_id, acting_user(request), form_json(form), uploads(request))
    return dossier_for(request, dossier_id)


@router.post("/{dossier_id}/submit", response={200: DossierOut, **ERRORS}, summary="Submit a draft")
def submit_draft(request: HttpRequest, dossier_id: int, payload: VersionIn = Body(None)) -> Dossier:  # noqa: B008
    services.submit(dossier_id, acting_user(request), payload.version if payload else None)
    return dossier_for(request, dossier_id)


@router.get("/{dossier_id}", response={200: DossierOut, **ERRORS}, summary="One dossier")
def get_dossier(request: HttpRequest, dossier_id: int) -> Dossier:
    return dossier_for(request, dossier_id)


@router.get("/{dossier_id}/events", response={200: list[EventOut], **ERRORS}, summary="Timeline")
@paginated(50)
def dossier_events(request: HttpRequest, dossier_id: int) -> Any:
    """The dossier's events; the back office's internal steps (a proposal, a send-back) to the
    agency's officials only."""
    dossier = dossier_for(request, dossier_id)
    internal = access.is_official_of(request.user, dossier.agency_id)
    return selectors.timeline(dossier, internal=internal)


@router.get(
    "/{dossier_id}/receipt.pdf", summary="Receipt slip (Giấy tiếp nhận hồ sơ và hẹn trả kết quả)"
)
def dossier_receipt(request: HttpRequest, dossier_id: int) -> HttpResponse:
    return receipts.receipt_response(dossier_for(request, dossier_id, access.DOWNLOAD))


@router.get("/{dossier_id}/result", summary="Download the result document")
def dossier_result(request: HttpRequest, dossier_id: int) -> HttpResponse:
    return receipts.result_response(dossier_for(request, dossier_id, access.DOWNLOAD))


@router.post(
    "/{dossier_id}/supplement",
    response={200: DossierOut, **ERRORS},
    summary="Send a supplement (multipart)",
)
@idempotent
def supplement(
    request: HttpRequest, dossier_id: int, form: Form[str] = "", version: Form[int | None] = None
) -> Dossier:
    raw = form_json(form) if form else None
    services.provide_supplement(dossier_id, acting_user(request), raw, uploads(request), version)
    return dossier_for(request, dossier_id)


@router.post("/{dossier_id}/withdraw", response={200: DossierOut, **ERRORS}, summary="Withdraw")
def withdraw(request: HttpRequest, dossier_id: int, payload: ReasonIn) -> Dossier:
    services.withdraw(dossier_id, acting_user(request), payload.reason, payload.version)
    return dossier_for(request, dossier_id)


@router.post(
    "/{dossier_id}/rating", response={200: DossierOut, **ERRORS}, summary="Rate the service"
)
def rating(request: HttpRequest, dossier_id: int, payload: RatingIn) -> Dossier:
    services.rate(dossier_id, acting_user(request), payload.score, payload.comment)
    return dossier_for(request, dossier_id)


def delivery_out(dossier: Dossier) -> dict[str, Any]:
    delivery = services.delivery_of(dossier) or Delivery(dossier=dossier)
    return {
        **{
            name: getattr(delivery, name)
            for name in (
                "method",
                "recipient_name",
                "phone",
                "street",
                "commune",
                "commune_code",
                "province",
                "province_code",
                "postal_fee",
                "consignment",
                "postal_status",
            )
        },
        "changeable": dossier.status in DELIVERY_CHANGEABLE_STATUSES,
        "news": list(delivery.callbacks.filter(applied=True)) if delivery.pk else [],
    }


@router.get(
    "/{dossier_id}/delivery",
    response={200: DeliveryOut, **ERRORS},
    summary="How the result is received (and the post's statuses)",
)
def get_delivery(request: HttpRequest, dossier_id: int) -> dict[str, Any]:
    return delivery_out(dossier_for(request, dossier_id))


@router.put(
    "/{dossier_id}/delivery",
    response={200: DeliveryOut, **ERRORS},
    summary="Choose or change how to receive the result",
    description=(
        "The applicant, from the draft until the result is ready (then 409 `invalid_state`). "
        "By post the provider quotes the postal fee, added once to the dossier's fees (409 "
        "`postal_unavailable` when it cannot quote now); once the fees are paid the address "
        "may change only at the same fee."
    ),
)
def put_delivery(request: HttpRequest, dossier_id: int, payload: DeliveryIn) -> dict[str, Any]:
    services.change_delivery(dossier_id, acting_user(request), payload.choice(), payload.version)
    return delivery_out(dossier_for(request, dossier_id))
