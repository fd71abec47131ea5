"""The consent page may send its form on to the client that asked.

The consent form posts to the provider's own authorization endpoint, which answers with a redirect
to the client's redirect URI, on another site. Browsers hold that redirect to the page's
Content-Security-Policy ``form-action`` (Chromium does), which is ``'self'`` everywhere: the person
would click "Allow" and stay put. So the consent page, and only it, also allows the origin of the
redirect URI that django-oauth-toolkit has just checked against the client's registration.
"""

from collections.abc import Callable
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.urls import reverse


class ConsentFormActionMiddleware:
    """Listed after django-csp's middleware, so it marks the response before the policy is built."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path_info == reverse("oauth2_provider:authorize"):
            origin = _checked_redirect_origin(response)
            if origin:
                response._csp_update = {"form-action": [origin]}  # type: ignore[attr-defined]
        return response


def _checked_redirect_origin(response: HttpResponse) -> str:
    """The origin of the redirect URI of a consent page, when it is registered for its client."""
    context = getattr(response, "context_data", None) or {}
    application = context.get("application")
    redirect_uri = context.get("redirect_uri")
    if response.status_code != 200 or not application or not isinstance(redirect_uri, str):
        return ""
    if not application.redirect_uri_allowed(redirect_uri):
        return ""
    parts = urlsplit(redirect_uri)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
