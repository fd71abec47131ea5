"""API tokens over HTTP: obtain one with a login (and an official's one-time code), list and
revoke one's own (docs/api.md). Errors are the API's JSON shape ``{code, message, errors}``."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from egov.core.errors import ErrorOut
from egov.core.pagination import paginated

from . import tokens
from .auth import acting_user, api_auth
from .models import ApiToken

router = Router()


class TokenRequestIn(Schema):
    username: str = Field(description="A citizen's 12-digit personal ID number, or a username")
    password: str
    code: str = Field("", description="Officials and staff: the code of their authenticator app")
    name: str = Field("", max_length=100, description="What the token is for, e.g. the app")


class TokenOut(Schema):
    id: int
    name: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None = Field(description="Recorded at most once a minute")


class NewTokenOut(TokenOut):
    token: str = Field(description="The secret, shown this once: send it as `Bearer <token>`")


def _out(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
    }


@router.post(
    "/tokens",
    response={201: NewTokenOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Obtain an API token with a login",
    description=(
        "Citizens send their personal ID number and password; officials and staff also the "
        "current code of their authenticator app (`403 otp_required` without it). A citizen's "
        "token lives `API_TOKEN_DAYS` days, an official's `API_TOKEN_OFFICIAL_HOURS` hours and "
        "stops after `OFFICIAL_IDLE_MINUTES` unused. Wrong logins are counted, slowed down and "
        "locked out exactly as at the login page (`429` with `Retry-After`)."
    ),
)
def obtain(request: HttpRequest, payload: TokenRequestIn) -> Any:
    issued = tokens.obtain_api_token(
        request, payload.username, payload.password, payload.code, payload.name
    )
    return Status(201, _out(issued.record) | {"token": issued.token})


@router.get(
    "/tokens",
    auth=api_auth,
    response={200: list[TokenOut], 401: ErrorOut},
    summary="My API tokens that still work",
)
@paginated(20)
def mine(request: HttpRequest) -> Any:
    return [_out(token) for token in tokens.tokens_of(acting_user(request))]


@router.delete(
    "/tokens/{token_id}",
    auth=api_auth,
    response={204: None, 401: ErrorOut, 404: ErrorOut},
    summary="Revoke one of my API tokens (idempotent)",
)
def revoke(request: HttpRequest, token_id: int) -> Status:
    tokens.revoke_api_token(acting_user(request), token_id)
    return Status(204, None)
