"""The consent page may send its form on to the client that asked.

The consent form posts to the provider's own authorization endpoint, which answers with a redirect
to the client's redirect URI, on another site. Browsers hold that redirect to the page's
Content-Security-Policy ``form-action`` (Chromium does), which is ``'self'`` everywhere: the person
would click "Allow" and stay put. So the consent page, and only it, also allows the origin of the
redirect URI that django-oauth-toolkit has just checked against the client's registration.

Once a person's consent is remembered (egov.identity.oidc.consent), the login form itself leads
there: the password (or an official's code) is posted, the login redirects to the authorization
endpoint, which redirects straight to the client. The login pages whose ``next`` is such an
authorization request allow that client's checked redirect origin too.

The same holds for the logout form in the header of a portal whose people log in through an
external provider: the logout goes on to the provider's end-session endpoint. The pages of a
person logged in that way also allow the configured issuer's origin.
"""

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from oauth2_provider.models import get_application_model

from .services import SESSION_ID_TOKEN


class ConsentFormActionMiddleware:
    """Listed after django-csp's middleware, so it marks the response before the policy is built."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        origins = []
        if request.path_info == reverse("oauth2_provider:authorize"):
            origins.append(_checked_redirect_origin(response))
        elif request.path_info in (reverse("identity:login"), reverse("identity:login_verify")):
            origins.append(_authorization_request_origin(request.GET.get("next", "")))
        if settings.OIDC_ISSUER and request.session.get(SESSION_ID_TOKEN):
            origins.append(_origin(settings.OIDC_ISSUER))
        origins = [origin for origin in origins if origin]
        if origins:
            response._csp_update = {"form-action": origins}  # type: ignore[attr-defined]
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
    return _origin(redirect_uri)


def _authorization_request_origin(next_url: str) -> str:
    """The redirect URI's origin of the authorization request a login goes on to, when it is
    registered for its client."""
    parts = urlsplit(next_url)
    if parts.netloc or parts.path != reverse("oauth2_provider:authorize"):
        return ""
    params = parse_qs(parts.query)
    client_id = (params.get("client_id") or [""])[0]
    redirect_uri = (params.get("redirect_uri") or [""])[0]
    if not (client_id and redirect_uri):
        return ""
    application = get_application_model().objects.filter(client_id=client_id).first()
    if application is None or not application.redirect_uri_allowed(redirect_uri):
        return ""
    return _origin(redirect_uri)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
