"""/backoffice: the queue, the officials a dossier may be assigned to, filing at the counter."""

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Form, Query, Router, Status

from egov.core.errors import ERRORS, NotAllowed
from egov.core.idempotency import idempotent
from egov.core.models import Agency
from egov.core.pagination import paginated
from egov.identity.auth import acting_user, api_auth

from .. import access, selectors, services
from .applicant import delivery_out
from .inputs import dossier_for, form_json, procedure_and_agency, uploads
from .schemas import AssigneeOut, DeliveryOut, DossierOut, DossierRow

router = Router(auth=api_auth)


@router.get("/dossiers", response={200: list[DossierRow], **ERRORS}, summary="The agency's queue")
@paginated(50)
def queue(
    request: HttpRequest,
    agency: str = Query("", max_length=50),
    filter: str = Query("all", pattern="^(all|new|mine|due_soon|overdue)$"),
) -> Any:
    user = acting_user(request)
    agency_ids = access.queue_agencies(user)
    if not agency_ids:
        raise NotAllowed("Chỉ dành cho cán bộ / officials only")
    unit = (
        get_object_or_404(Agency, code=agency) if agency else Agency.objects.get(pk=agency_ids[0])
    )
    if unit.pk not in agency_ids:
        raise NotAllowed("Không thuộc cơ quan của bạn / not your agency")
    # Rows name the organisation a dossier was filed for: fetched once per page, not per row.
    return selectors.agency_queue(unit.pk, user, filter).prefetch_related("organisation")


@router.get(
    "/assignees",
    response={200: list[AssigneeOut], **ERRORS},
    summary="The processors a dossier of the agency may be assigned to",
    description=(
        "For receivers and agency administrators (who assign dossiers): the active processing "
        "officials of `agency` (QCVN 102 code; default: the first agency where you assign). "
        "Use an `id` as `assignee` of `POST /dossiers/{id}/assign`. Anyone else: 403."
    ),
)
@paginated(50)
def assignees(request: HttpRequest, agency: str = Query("", max_length=50)) -> Any:
    agency_ids = access.assigning_agencies(acting_user(request))
    if not agency_ids:
        raise NotAllowed("Chỉ dành cho cán bộ tiếp nhận / for receiving officials only")
    unit = (
        get_object_or_404(Agency, code=agency) if agency else Agency.objects.get(pk=agency_ids[0])
    )
    if unit.pk not in agency_ids:
        raise NotAllowed("Không thuộc cơ quan của bạn / not your agency")
    return list(selectors.processors_of(unit.pk))


@router.post(
    "/counter-dossiers",
    response={201: DossierOut, **ERRORS},
    summary="File a dossier at the counter for a citizen (multipart)",
    description="Fields: procedure, agency, personal_id, full_name, birth_date, phone, email, form (JSON); one file per component code.",
)
@idempotent
def counter_dossier(
    request: HttpRequest,
    procedure: Form[str],
    agency: Form[str],
    personal_id: Form[str],
    full_name: Form[str],
    birth_date: Form[date | None] = None,
    phone: Form[str] = "",
    email: Form[str] = "",
    form: Form[str] = "{}",
) -> Status:
    proc, unit = procedure_and_agency(procedure, agency)
    official = acting_user(request)
    if not access.is_official_of(official, unit.pk):
        raise NotAllowed("Không thuộc cơ quan của bạn / not your agency")
    applicant = services.find_or_create_citizen(
        personal_id=personal_id,
        full_name=full_name,
        birth_date=birth_date,
        phone=phone,
        email=email,
        official=official,
    )
    dossier = services.submit_at_counter(
        official, applicant, proc, unit, form_json(form), uploads(request)
    )
    return Status(201, dossier_for(request, dossier.pk))


@router.post(
    "/dossiers/{dossier_id}/delivery/book",
    response={200: DeliveryOut, **ERRORS},
    summary="Book the post of a result again",
    description=(
        "A receiving official of the dossier's agency books the consignment of a result sent by "
        "post when the provider refused or missed it (409 when there is nothing to book)."
    ),
)
def book_delivery(request: HttpRequest, dossier_id: int) -> dict[str, Any]:
    services.retry_booking(acting_user(request), dossier_id)
    return delivery_out(dossier_for(request, dossier_id))
