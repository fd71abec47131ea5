"""API authentication: a bearer token, or the browser session (with CSRF)."""

from typing import Any, cast

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from .models import User
from .tokens import user_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class BrowserSession(SessionAuth):
    """The session cookie, with CSRF checked only once someone is logged in: a request without
    a session is 401 (unauthenticated), not 403 (CSRF)."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)


#: Every authenticated endpoint accepts either.
api_auth = [BearerToken(), BrowserSession()]


def acting_user(request: HttpRequest) -> User:
    """The user behind an authenticated request (pages behind login_required, API behind auth)."""
    return cast(User, request.user)
