"""The platform's API: the token endpoint of the client-credentials grant (for member systems),
and the management of members, services and grants (for the platform operator and agency
administrators, each seeing only what they manage)."""

import uuid
from datetime import datetime
from typing import Any, cast

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Form, Router, Schema, Status
from ninja.security import HttpBearer

from egov.core.errors import ERRORS, NotFound
from egov.core.models import Agency
from egov.core.pagination import paginated
from egov.identity.auth import acting_user, api_auth

from . import access, events, services, tokens
from .models import Delivery, Grant, Member, Service

token_router = Router(auth=None)
router = Router(auth=api_auth)


class AccessTokenOut(Schema):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 (the RFC 6750 token type, not a secret)
    expires_in: int


class OAuthErrorOut(Schema):
    """RFC 6749 §5.2."""

    error: str
    error_description: str


@token_router.post(
    "/token",
    response={200: AccessTokenOut, 400: OAuthErrorOut, 401: OAuthErrorOut},
    summary="Client-credentials grant: an access token for a member system (RFC 6749 §4.4)",
)
def token(
    request: HttpRequest,
    grant_type: Form[str],
    client_id: Form[str] = "",
    client_secret: Form[str] = "",
) -> Any:
    if grant_type != "client_credentials":
        return Status(
            400,
            {
                "error": "unsupported_grant_type",
                "error_description": "Chỉ hỗ trợ grant_type=client_credentials.",
            },
        )
    member = services.authenticate_client(client_id, client_secret)
    if member is None:
        return Status(
            401,
            {
                "error": "invalid_client",
                "error_description": "Sai mã hệ thống thành viên hoặc khóa bí mật.",
            },
        )
    issued, lifetime = tokens.issue(member.code)
    return {"access_token": issued, "expires_in": lifetime}


class MemberOut(Schema):
    code: str
    agency: str
    name: str
    is_active: bool

    @staticmethod
    def resolve_agency(member: Member) -> str:
        return member.agency.code


class MemberIn(Schema):
    agency: str
    system_code: str = Field(pattern=r"^[A-Za-z0-9_-]{2,30}$")
    name: str = Field(min_length=1, max_length=255)


class MemberWithSecretOut(MemberOut):
    client_secret: str = Field(description="Shown once; store it in the member system's secrets")


class ServiceOut(Schema):
    owner: str
    code: str
    version: str
    kind: str
    title: str
    description: str
    upstream_url: str
    quota_per_minute: int
    timeout_seconds: float
    is_public: bool
    is_active: bool

    @staticmethod
    def resolve_owner(service: Service) -> str:
        return service.owner.code


class ServiceIn(Schema):
    owner: str
    code: str
    version: str = "v1"
    kind: str = "rest"
    title: str = Field(min_length=1, max_length=255)
    description: str = ""
    upstream_url: str = ""
    upstream_auth: str = "none"
    upstream_secret_env: str = ""
    upstream_client_id: str = ""
    upstream_token_url: str = ""
    openapi: dict[str, Any] = {}
    quota_per_minute: int = Field(600, ge=0)
    timeout_seconds: float = Field(30, gt=0, le=600)
    is_public: bool = True


class ServiceGrantIn(Schema):
    client: str
    expires_at: datetime | None = None


class ServiceGrantOut(Schema):
    client: str
    service: str
    expires_at: datetime | None

    @staticmethod
    def resolve_client(grant: Grant) -> str:
        return grant.client.code

    @staticmethod
    def resolve_service(grant: Grant) -> str:
        return str(grant.service)


def _member(request: HttpRequest, code: str) -> Member:
    member = access.members_for(acting_user(request)).filter(code=code).first()
    if member is None:
        raise NotFound(_("No such member system among those you manage."))
    return member


def _service(request: HttpRequest, owner: str, code: str) -> Service:
    service = access.services_for(acting_user(request)).filter(owner__code=owner, code=code).first()
    if service is None:
        raise NotFound(_("No such service among those you manage."))
    return service


@router.get("/members", response={200: list[MemberOut], **ERRORS})
@paginated()
def list_members(request: HttpRequest) -> Any:
    return access.members_for(acting_user(request))


@router.post("/members", response={201: MemberWithSecretOut, **ERRORS})
def register_member(request: HttpRequest, payload: MemberIn) -> Any:
    agency = get_object_or_404(Agency, code=payload.agency)
    member, secret = services.register_member(
        acting_user(request), agency, payload.system_code, payload.name
    )
    member.client_secret = secret  # type: ignore[attr-defined]
    return Status(201, member)


@router.post("/members/{agency}/{system}/secret", response={200: MemberWithSecretOut, **ERRORS})
def rotate_secret(request: HttpRequest, agency: str, system: str) -> Any:
    member = _member(request, f"{agency}/{system}")
    member.client_secret = services.rotate_secret(acting_user(request), member)  # type: ignore[attr-defined]
    return member


@router.get("/services", response={200: list[ServiceOut], **ERRORS})
@paginated()
def list_services(request: HttpRequest) -> Any:
    return access.services_for(acting_user(request))


@router.post("/services", response={201: ServiceOut, **ERRORS})
def publish_service(request: HttpRequest, payload: ServiceIn) -> Any:
    fields = payload.dict()
    owner = _member(request, fields.pop("owner"))
    return Status(201, services.publish_service(acting_user(request), owner, **fields))


@router.get("/grants", response={200: list[ServiceGrantOut], **ERRORS})
@paginated()
def list_grants(request: HttpRequest) -> Any:
    return access.grants_for(acting_user(request))


@router.put("/services/{agency}/{system}/{code}/grants", response={200: ServiceGrantOut, **ERRORS})
def grant(
    request: HttpRequest, agency: str, system: str, code: str, payload: ServiceGrantIn
) -> Any:
    service = _service(request, f"{agency}/{system}", code)
    client = Member.objects.filter(code=payload.client).first()
    if client is None:
        raise NotFound(_("No such member system."))
    return services.grant(acting_user(request), service, client, payload.expires_at)


@router.delete(
    "/services/{agency}/{system}/{code}/grants/{client_agency}/{client_system}",
    response={204: None, **ERRORS},
)
def revoke(
    request: HttpRequest,
    agency: str,
    system: str,
    code: str,
    client_agency: str,
    client_system: str,
) -> Any:
    service = _service(request, f"{agency}/{system}", code)
    member = Member.objects.filter(code=f"{client_agency}/{client_system}").first()
    if member is None:
        raise NotFound(_("No such member system."))
    services.revoke(acting_user(request), service, member)
    return Status(204, None)


# --- publish/subscribe, for member systems with a gateway access token ---------------------------


class MemberToken(HttpBearer):
    """``Authorization: Bearer <access token>`` of the client-credentials grant: the member."""

    def authenticate(self, request: HttpRequest, token: str) -> Member | None:
        try:
            code = tokens.member_of(token)
        except tokens.InvalidToken:
            return None
        return Member.objects.filter(code=code, is_active=True).first()


member_router = Router(auth=MemberToken())


def _caller(request: HttpRequest) -> Member:
    return cast(Member, request.auth)  # type: ignore[attr-defined]


class EventIn(Schema):
    id: uuid.UUID | None = Field(None, description="Your id for the event: a retry reuses it")
    data: dict[str, Any]


class EventOut(Schema):
    id: uuid.UUID
    topic: str
    published_at: datetime
    deliveries: int
    created: bool


class SubscriptionIn(Schema):
    webhook_url: str = Field(pattern=r"^https?://", max_length=500)


class SubscriptionOut(Schema):
    topic: str
    webhook_url: str
    signing_secret: str = Field(description="HMAC-SHA256 key of X-Egov-Signature")


class DeliveryOut(Schema):
    id: int
    event_id: uuid.UUID
    subscriber: str
    status: str
    attempts: int
    last_error: str

    @staticmethod
    def resolve_subscriber(delivery: Delivery) -> str:
        return delivery.subscription.subscriber.code


TOPIC = "/topics/{agency}/{system}/{code}"


@member_router.post(f"{TOPIC}/events", response={202: EventOut, **ERRORS})
def publish_event(
    request: HttpRequest, agency: str, system: str, code: str, payload: EventIn
) -> Any:
    topic = events.topic_of(f"{agency}/{system}", code)
    correlation = request.headers.get("X-Correlation-ID", "")[:100]
    event, created = events.publish(_caller(request), topic, payload.data, payload.id, correlation)
    return Status(
        202,
        {
            "id": event.id,
            "topic": str(topic),
            "published_at": event.published_at,
            "deliveries": event.deliveries.count(),
            "created": created,
        },
    )


@member_router.put(f"{TOPIC}/subscription", response={200: SubscriptionOut, **ERRORS})
def subscribe(
    request: HttpRequest, agency: str, system: str, code: str, payload: SubscriptionIn
) -> Any:
    topic = events.topic_of(f"{agency}/{system}", code)
    subscription = events.subscribe(_caller(request), topic, payload.webhook_url)
    return {
        "topic": str(topic),
        "webhook_url": subscription.webhook_url,
        "signing_secret": events.signing_secret(subscription),
    }


@member_router.delete(f"{TOPIC}/subscription", response={204: None, **ERRORS})
def unsubscribe(request: HttpRequest, agency: str, system: str, code: str) -> Any:
    events.unsubscribe(_caller(request), events.topic_of(f"{agency}/{system}", code))
    return Status(204, None)


@member_router.get(f"{TOPIC}/dead-letters", response={200: list[DeliveryOut], **ERRORS})
@paginated()
def dead_letters(request: HttpRequest, agency: str, system: str, code: str) -> Any:
    return events.dead_letters(_caller(request), events.topic_of(f"{agency}/{system}", code))


@member_router.post("/deliveries/{delivery_id}/retry", response={200: DeliveryOut, **ERRORS})
def retry_delivery(request: HttpRequest, delivery_id: int) -> Any:
    delivery = (
        Delivery.objects.select_related("subscription__subscriber", "event__topic")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        raise NotFound(_("No such delivery."))
    return events.retry(_caller(request), delivery)
