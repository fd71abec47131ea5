"""The public address printed on results (the verification link and its QR code).

``PUBLIC_URL`` when configured; otherwise the address of the request being served when the result
is issued (the approval), so that a site served on another host or port prints its own address;
``SITE_URL`` only when no request is being served (an approval from a command). The request's
address is kept in a context variable by ``RequestAddressMiddleware``: the Host header has been
checked against ALLOWED_HOSTS by then, and the scheme honours SECURE_PROXY_SSL_HEADER."""

from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse

_served: ContextVar[str] = ContextVar("egov_served_address", default="")


def public_url() -> str:
    """The base address (no trailing slash) to print on a result issued now."""
    return str(settings.PUBLIC_URL or _served.get() or settings.SITE_URL).rstrip("/")


class RequestAddressMiddleware:
    """Remembers the address of the request being served, for ``public_url``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _served.set(f"{request.scheme}://{request.get_host()}")
        try:
            return self.get_response(request)
        finally:
            _served.reset(token)
