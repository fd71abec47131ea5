"""What django-axes shows and logs when logins are locked out (AXES_LOCKOUT_CALLABLE,
AXES_CLIENT_STR_CALLABLE)."""

import math
from typing import Any

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from egov.core.errors import TooManyRequests, error_body
from egov.identity.throttling import wait_message


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """HTTP 429 saying how long to wait, in the person's language: a page, or the API's error
    shape under /api/."""
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 0
    message = wait_message(max(60, math.ceil(seconds / 60) * 60))
    if request.path_info.startswith("/api/"):
        response: HttpResponse = JsonResponse(error_body(TooManyRequests.code, message), status=429)
    else:
        response = render(request, "identity/locked_out.html", {"message": message}, status=429)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response


def client_str(
    username: str, ip_address: str, user_agent: str, path_info: str, request: Any
) -> str:
    """How axes names a client in its log lines: by path only. Axes would otherwise log the login
    name as typed on a successful login (a personal ID number) and the address."""
    return f"path={path_info}"
