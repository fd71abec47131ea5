"""/api/v1/interconnected: the groups offered, their one form, and the applicant's applications."""

import hmac
import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Form, Header, Router, Schema, Status
from ninja.security import HttpBearer

from egov.catalog.models import ProcedureGroup
from egov.core.errors import ERRORS, ErrorOut, InvalidInput, NotFound
from egov.core.idempotency import idempotent
from egov.core.models import Agency
from egov.core.pagination import paginated
from egov.dossiers.api.inputs import form_json, uploads
from egov.identity.auth import acting_user, api_auth
from egov.identity.ratelimit import client_address
from egov.payments.providers import get_provider
from egov.payments.views import client_ip, return_url

from . import access, fees, remote, selectors, services
from .models import Application

router = Router()


class GroupMemberOut(Schema):
    procedure: str
    required: bool
    waits_for: list[str]


class GroupOut(Schema):
    code: str
    version: int
    name: str
    name_en: str
    members: list[GroupMemberOut]
    choose_min: int
    choose_max: int
    places: list[str] = Field(description="Agency codes where the group can be filed now")


class GroupFormOut(Schema):
    members: list[str]
    form: dict[str, Any] = Field(description="The one application form (JSON Schema + ui hints)")
    components: list[dict[str, Any]] = Field(description="The documents to upload, each once")
    processing_days: int


class PartOut(Schema):
    procedure: str = Field(alias="procedure_code")
    agency: str = Field(alias="agency.code")
    state: str
    receipt_code: str
    dossier_status: str
    due_at: datetime | None
    note: str
    waits_for: list[str]
    dossier_id: int | None
    result_document_id: int | None


class ApplicationOut(Schema):
    id: int
    code: str
    group: str = Field(alias="group.code")
    place: str = Field(alias="place.code")
    status: str
    submitted_at: datetime
    due_at: datetime
    finished_at: datetime | None
    parts: list[PartOut]


def _group(code: str) -> ProcedureGroup:
    group = ProcedureGroup.objects.filter(code=code, is_current=True).first()
    if group is None:
        raise NotFound("Không có nhóm thủ tục này / no such procedure group")
    return group


def _group_out(offer: selectors.Offer) -> dict[str, Any]:
    definition = services.definition_of(offer.group)
    return {
        "code": offer.group.code,
        "version": offer.group.version,
        "name": offer.group.name,
        "name_en": offer.group.name_en,
        "members": [
            {"procedure": m.procedure, "required": m.required, "waits_for": m.waits_for}
            for m in definition.members
        ],
        "choose_min": definition.choose.min,
        "choose_max": definition.choose.max,
        "places": [agency.code for agency in offer.places],
    }


@router.get("/groups", response=list[GroupOut], summary="Interconnected procedure groups offered")
@paginated(20)
def list_groups(request: HttpRequest) -> list[dict[str, Any]]:
    return [_group_out(offer) for offer in selectors.offers()]


@router.get(
    "/groups/{code}/form",
    response={200: GroupFormOut, **ERRORS},
    summary="The one form and documents of the chosen members",
)
def group_form(request: HttpRequest, code: str, members: str = "") -> dict[str, Any]:
    """``members``: the optional members wanted, comma-separated (the required ones always)."""
    group = _group(code)
    chosen = services.chosen_members(group, [m for m in members.split(",") if m])
    return {
        "members": chosen,
        "form": services.application_form(group, chosen),
        "components": services.upload_components(group, chosen),
        "processing_days": services.processing_days(group, chosen),
    }


@router.post(
    "/applications",
    auth=api_auth,
    response={200: ApplicationOut, 201: ApplicationOut, **ERRORS},
    summary="File a group once (multipart)",
    description=(
        "Multipart fields: `group` (code), `place` (the agency code where the first member is "
        "filed), `members` (optional members wanted, comma-separated), `form` (JSON object "
        "matching the group's form), and one file per document component under its code. With "
        "an `Idempotency-Key` header a retried request returns the first application (200)."
    ),
)
@idempotent
def submit(
    request: HttpRequest,
    group: Form[str],
    place: Form[str],
    form: Form[str] = "{}",
    members: Form[str] = "",
) -> Status:
    agency = Agency.objects.filter(code=place).first()
    if agency is None:
        raise InvalidInput("Không có cơ quan này / no such agency", {"place": "unknown"})
    application = services.submit_application(
        acting_user(request),
        _group(group),
        agency,
        [m for m in members.split(",") if m],
        form_json(form),
        uploads(request),
    )
    return Status(201, access.access_application(request.user, application.pk))


@router.get(
    "/applications", auth=api_auth, response=list[ApplicationOut], summary="My applications"
)
@paginated(20)
def my_applications(request: HttpRequest) -> Any:
    return (
        access.applications_of(acting_user(request))
        .prefetch_related("parts__agency")
        .order_by("-submitted_at")
    )


@router.get(
    "/applications/{application_id}",
    auth=api_auth,
    response={200: ApplicationOut, **ERRORS},
    summary="One application, with each agency's progress",
)
def get_application(request: HttpRequest, application_id: int) -> Application:
    return _found(request, application_id)


@router.post(
    "/applications/{application_id}/withdraw",
    auth=api_auth,
    response={200: ApplicationOut, **ERRORS},
    summary="Withdraw the application (every member not ended)",
)
def withdraw(request: HttpRequest, application_id: int, reason: Form[str] = "") -> Application:
    services.withdraw_application(_found(request, application_id).pk, acting_user(request), reason)
    return _found(request, application_id)


class TrackedPartOut(Schema):
    position: int
    state: str
    procedure_name: str | None
    agency_name: str | None
    receipt_code: str | None
    due_at: datetime | None


class TrackingOut(Schema):
    code: str
    status: str
    details: bool = Field(description="The check matched: the group, procedures, agencies, dates")
    group_name: str | None
    submitted_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None
    parts: list[TrackedPartOut]


@router.get(
    "/track/{code}",
    response={200: TrackingOut, 404: ErrorOut, 429: ErrorOut},
    summary="Track an interconnected application by its code",
    description=(
        "Anyone, under the limits of dossier tracking (`GET /api/v1/tracking/{code}`): the code "
        "alone gives the application's status and each part's state; with `check` (the last 4 "
        "digits of the applicant's personal ID number) also the group, each part's procedure, "
        "agency and receipt code, and the dates."
    ),
)
def track(request: HttpRequest, code: str, check: str = "") -> dict[str, Any]:
    found = selectors.track(client_address(request), code, check)
    if found is None:
        raise NotFound("Không tìm thấy hồ sơ liên thông / application not found")
    application, details = found.item, found.details
    return {
        "code": application.code,
        "status": application.status,
        "details": details,
        "group_name": application.group.name if details else None,
        "submitted_at": application.submitted_at if details else None,
        "due_at": application.due_at if details else None,
        "finished_at": application.finished_at if details else None,
        "parts": [
            {
                "position": row["part"].position,
                "state": row["part"].state,
                "procedure_name": row["procedure"].name if details and row["procedure"] else None,
                "agency_name": row["part"].agency.name if details else None,
                "receipt_code": (row["part"].receipt_code or None) if details else None,
                "due_at": row["part"].due_at if details else None,
            }
            for row in selectors.parts_of(application)
        ],
    }


class ShareOut(Schema):
    procedure: str
    agency: str
    amount: int
    receipt: str | None = Field(description="The agency's receipt, once its dossier is filed")
    refunded: bool


class FeesOut(Schema):
    due_total: int = Field(description="What one payment would take now (0 once paid)")
    due: list[dict[str, Any]] = Field(description="Each member's fee lines due")
    payment: str | None = Field(description="The group payment's reference (paid or waiting)")
    payment_status: str | None
    shares: list[ShareOut] = Field(description="Once paid: each member's share and receipt")


class PayOut(Schema):
    payment: str
    amount: int
    redirect_url: str


@router.get(
    "/applications/{application_id}/fees",
    auth=api_auth,
    response={200: FeesOut, **ERRORS},
    summary="The application's fees, paid once for every member",
)
def application_fees(request: HttpRequest, application_id: int) -> dict[str, Any]:
    found = fees.fees_of(_found(request, application_id))
    return {
        "due_total": found.due_total,
        "due": [{"procedure": share.key, "lines": share.lines} for share in found.due],
        "payment": found.payment.reference if found.payment else None,
        "payment_status": found.payment.status if found.payment else None,
        "shares": [
            {
                "procedure": row.part.procedure_code,
                "agency": row.part.agency.code,
                "amount": row.amount,
                "receipt": row.allocation.receipt_label if row.allocation else None,
                "refunded": row.refunded,
            }
            for row in found.rows
        ],
    }


@router.post(
    "/applications/{application_id}/pay",
    auth=api_auth,
    response={201: PayOut, **ERRORS},
    summary="Pay every member's fees in one online payment",
    description=(
        "Opens one order at the payment provider for the shares in `GET …/fees` and answers the "
        "address to send the payer to; an open order for the same shares is reused. Each share "
        "becomes a paid payment of its member's dossier, with its agency's receipt, when that "
        "dossier is filed; a member never filed has its share refunded."
    ),
)
def pay(request: HttpRequest, application_id: int) -> Status:
    found = _found(request, application_id)
    payment, url = fees.pay(
        found.pk,
        acting_user(request),
        return_url=return_url(request, payment_provider_name()),
        client_ip=client_ip(request),
    )
    return Status(
        201, {"payment": payment.reference, "amount": payment.amount, "redirect_url": url}
    )


def payment_provider_name() -> str:
    provider = get_provider()
    return provider.name if provider else ""


def _found(request: HttpRequest, application_id: int) -> Application:
    from django.http import Http404

    try:
        return access.access_application(request.user, application_id)
    except Http404:
        raise NotFound("Không tìm thấy hồ sơ / application not found") from None


# --- between deployments ------------------------------------------------------------------------


class IntakeKey(HttpBearer):
    """``Authorization: Bearer <INTERCONNECTED_INTAKE_KEY>``: the gateway, which alone holds
    the key and names the calling member in ``X-Egov-Client``. Without a key, nobody."""

    def authenticate(self, request: HttpRequest, token: str) -> str | None:
        expected = settings.INTERCONNECTED_INTAKE_KEY
        if expected and hmac.compare_digest(token.encode(), expected.encode()):
            return "gateway"
        return None


class ApplicantIn(Schema):
    personal_id: str = Field(pattern=r"^\d{12}$")
    full_name: str = Field(min_length=1, max_length=150)
    birth_date: str | None = None
    phone: str = ""
    email: str = ""


class ComponentIn(Schema):
    code: str = Field(max_length=40)
    filename: str = Field(max_length=200)
    content: str = Field(description="The file, base64")


class IntakeIn(Schema):
    key: uuid.UUID = Field(description="The member's key at the portal: a retry files nothing new")
    application: str = Field(max_length=48)
    procedure: str
    agency: str
    applicant: ApplicantIn
    form: dict[str, Any]
    components: list[ComponentIn] = []


class IntakeOut(Schema):
    receipt_code: str = Field(alias="code")
    status: str
    due_at: datetime | None


@router.post(
    "/intake",
    auth=IntakeKey(),
    response={200: IntakeOut, 201: IntakeOut, **ERRORS},
    summary="Take a member's dossier handed over by another deployment (through the gateway)",
)
def intake(
    request: HttpRequest,
    payload: IntakeIn,
    client: str = Header("", alias="X-Egov-Client", max_length=100),
) -> Status:
    dossier, created = remote.take(payload.dict() | {"key": str(payload.key)}, client)
    return Status(201 if created else 200, dossier)


class IntakeWithdrawIn(Schema):
    key: uuid.UUID
    reason: str = Field("", max_length=500)


@router.post(
    "/intake/withdraw",
    auth=IntakeKey(),
    response={200: IntakeOut, **ERRORS},
    summary="Withdraw a dossier handed over by another deployment (its applicant withdrew)",
)
def intake_withdraw(request: HttpRequest, payload: IntakeWithdrawIn) -> Any:
    return remote.withdraw_intake(str(payload.key), payload.reason)


@router.post(
    "/events",
    auth=None,
    response={204: None, **ERRORS},
    summary="Webhook: an event of a member performed on another deployment",
    description="Delivered by the gateway, signed in `X-Egov-Signature` with the subscription's key.",
)
def events(
    request: HttpRequest,
    topic: str = Header(..., alias="X-Egov-Topic", max_length=200),
    event_id: str = Header(..., alias="X-Egov-Event-Id", max_length=64),
    signature: str = Header(..., alias="X-Egov-Signature", max_length=200),
) -> Status:
    remote.receive(topic, event_id, signature, request.body)
    return Status(204, None)
