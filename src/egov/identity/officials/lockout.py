"""What django-axes shows and logs when logins are locked out (AXES_LOCKOUT_CALLABLE,
AXES_CLIENT_STR_CALLABLE)."""

import math
from typing import Any

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """HTTP 429 with a page saying how long to wait, in the person's language."""
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 0
    response = render(
        request,
        "identity/locked_out.html",
        {"minutes": max(1, math.ceil(seconds / 60))},
        status=429,
    )
    if seconds:
        response["Retry-After"] = str(seconds)
    return response


def client_str(
    username: str, ip_address: str, user_agent: str, path_info: str, request: Any
) -> str:
    """How axes names a client in its log lines: by path only. Axes would otherwise log the login
    name as typed on a successful login (a personal ID number) and the address."""
    return f"path={path_info}"
