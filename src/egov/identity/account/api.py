"""Account API (registration, contact and registry verification, personal data). Errors are the
API's JSON shape ``{code, message, errors}``; the rules are the services'."""

from datetime import date, datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from egov.core import notify
from egov.core.errors import ErrorOut
from egov.core.pagination import paginated

from ..auth import acting_user, api_auth
from ..models import RegistryVerification, User
from ..ratelimit import client_address
from . import personal_data, services

account_router = Router()


ERRORS: dict[int, Any] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


# --- schemas -------------------------------------------------------------------------------------


class RegistryVerificationOut(Schema):
    status: str = Field(description="pending, matched, mismatch or failed")
    differences: list[str] = Field(description="Declared fields the registry disagrees with")
    requested_at: datetime
    completed_at: datetime | None


class AccountOut(Schema):
    id: int
    kind: str
    full_name: str
    identity_level: int = Field(description="0 not verified, 1 contact verified, 2 registry")
    email_verified_at: datetime | None
    phone_verified_at: datetime | None
    registry_verified_at: datetime | None
    unverified_contacts: list[str] = Field(description="Channels a code can be sent to")
    registry_verification: RegistryVerificationOut | None

    @staticmethod
    def resolve_unverified_contacts(user: User) -> list[str]:
        return services.pending_channels(user)

    @staticmethod
    def resolve_registry_verification(user: User) -> RegistryVerification | None:
        return services.latest_registry_verification(user)


class RegistrationIn(Schema):
    personal_id: str = Field(description="Số định danh cá nhân, 12 digits")
    full_name: str
    birth_date: date
    email: str = ""
    phone: str = ""
    password: str


class CodeIn(Schema):
    channel: str = Field(pattern="^(email|phone)$")
    code: str


class CodeForPersonIn(CodeIn):
    personal_id: str


class ChannelIn(Schema):
    channel: str = Field(pattern="^(email|phone)$")


class ChannelOut(Schema):
    sent: str


class RegistrationOut(Schema):
    contacts: list[str] = Field(
        description="The contacts a code was sent to (email, phone); prove one with POST "
        "/account/verification"
    )


# --- account -------------------------------------------------------------------------------------


@account_router.post(
    "/registrations",
    response={202: RegistrationOut, **ERRORS},
    summary="Register a citizen account (identity level 0); a code goes to each contact",
    description="The answer is the same whether or not the personal ID number has an account "
    "already (its owner is then told by their verified contacts, and no code is sent). At most "
    f"{services.REGISTRATIONS_PER_ADDRESS} attempts an hour per client address and "
    f"{services.REGISTRATIONS_PER_PERSON} per personal ID number (429).",
)
def register(request: HttpRequest, payload: RegistrationIn) -> Status:
    services.throttle_registration(client_address(request), payload.personal_id)
    services.register_citizen(**payload.dict())
    contacts = [name for name in ("email", "phone") if getattr(payload, name).strip()]
    return Status(202, {"contacts": contacts})


@account_router.post(
    "/verification",
    response={200: AccountOut, **ERRORS},
    summary="Prove an email address or phone number with its code (identity level 1)",
    description="No login needed: the code is the proof. A code works once, for 15 minutes "
    "and 5 tries; an unknown personal ID number fails like a wrong code.",
)
def verify_contact(request: HttpRequest, payload: CodeForPersonIn) -> User:
    services.throttle_codes(client_address(request), payload.personal_id)
    return services.verify_contact_of(payload.personal_id, payload.channel, payload.code)


@account_router.get("", auth=api_auth, response={200: AccountOut, **ERRORS}, summary="My account")
def my_account(request: HttpRequest) -> User:
    return acting_user(request)


@account_router.post(
    "/verification-codes",
    auth=api_auth,
    response={202: ChannelOut, **ERRORS},
    summary="Send a new code to one of my contacts",
)
def send_code(request: HttpRequest, payload: ChannelIn) -> Status:
    services.throttle_codes(client_address(request), str(acting_user(request).pk))
    services.send_verification_code(acting_user(request), payload.channel)
    return Status(202, {"sent": payload.channel})


@account_router.post(
    "/verification/me",
    auth=api_auth,
    response={200: AccountOut, **ERRORS},
    summary="Prove one of my contacts with its code (logged in)",
)
def verify_my_contact(request: HttpRequest, payload: CodeIn) -> User:
    return services.verify_contact(acting_user(request), payload.channel, payload.code)


@account_router.post(
    "/registry-verification",
    auth=api_auth,
    response={202: RegistryVerificationOut, **ERRORS},
    summary="Verify my identity against the population registry (identity level 2)",
    description="The check runs in the background; poll GET to see its answer.",
)
def request_registry_check(request: HttpRequest) -> Status:
    return Status(202, services.request_registry_verification(acting_user(request)))


@account_router.get(
    "/registry-verification",
    auth=api_auth,
    response={200: RegistryVerificationOut, **ERRORS},
    summary="The latest check against the population registry",
)
def registry_check(request: HttpRequest) -> RegistryVerification:
    latest = services.latest_registry_verification(acting_user(request))
    if latest is None:
        raise Http404
    return latest


@account_router.get(
    "/personal-data",
    auth=api_auth,
    summary="Everything the platform holds on me (JSON)",
    description="Profile, identity level and verification times, representations, dossiers "
    "with form data, components' metadata and events, notifications, API tokens' names and "
    "dates. Never a password, token or code hash.",
)
def my_personal_data(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        personal_data.export_json(acting_user(request)),
        content_type="application/json; charset=utf-8",
    )
    response["Cache-Control"] = "no-store"
    return response


# --- notification centre -----------------------------------------------------------------------


class NotificationOut(Schema):
    id: int
    topic: str = Field(description="What it is about: a dossier event's kind, …")
    object_type: str = Field(description="The kind of object it concerns (dossier), or empty")
    object_id: str
    subject: str
    text: str
    created_at: datetime
    read_at: datetime | None


class ReadIn(Schema):
    ids: list[int] | None = Field(None, description="Those to mark read; all when omitted")


class ReadOut(Schema):
    marked: int
    unread: int


@account_router.get(
    "/notifications",
    auth=api_auth,
    response={200: list[NotificationOut], **ERRORS},
    summary="My notifications in the portal, newest first",
)
@paginated(20)
def my_notifications(request: HttpRequest) -> Any:
    return notify.in_portal(acting_user(request))


@account_router.post(
    "/notifications/read",
    auth=api_auth,
    response={200: ReadOut, **ERRORS},
    summary="Mark my notifications read (those listed, or all)",
)
def read_notifications(request: HttpRequest, payload: ReadIn) -> dict[str, int]:
    user = acting_user(request)
    marked = notify.mark_read(user, payload.ids)
    return {"marked": marked, "unread": notify.unread(user)}
