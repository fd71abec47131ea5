"""Logging in: on this deployment's own login page, or through an external OpenID Connect provider.

``start_login`` is where every "Log in" link points. With ``OIDC_ISSUER`` empty it is the built-in
login page (whose form also serves this deployment's own identity provider at ``/o/``); with it set,
the authorization code flow at that issuer: ``oidc_login`` sends the person there, ``oidc_callback``
receives them back, redeems the code, checks the ID token and logs them in to the local account
made from its claims. Whatever goes wrong ends on a page that says what to do, never on an error
500.

A deployment is never the relying party of its own provider in the same process: under ASGI the
token request would wait on the very worker thread that makes it. With ``OIDC_ISSUER`` empty the
built-in login is used directly.
"""

import logging
from typing import Any
from urllib.parse import urlencode

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from joserfc.errors import JoseError
from requests import RequestException

from ..landing import landing_url
from .client import checked_metadata, relying_party
from .provider import CLAIM_KIND
from .services import (
    SESSION_AMR,
    SESSION_ID_TOKEN,
    ProvisioningRefused,
    egov_claim,
    provision_user,
)

log = logging.getLogger("egov.identity.oidc")

#: Where the page to return to after the login waits in the session.
_SESSION_NEXT = "egov_oidc_next"

PROVIDER_DOWN = _(
    "The identity provider cannot be reached at the moment. Please try again in a few minutes."
)
DENIED = _(
    "You did not allow the portal to receive your information, so you are not logged in."
    " You can log in again whenever you wish."
)
STALE = _("This login has expired or was started in another browser window. Please log in again.")
REJECTED = _("The identity provider could not confirm who you are. Please log in again.")
NOT_CONFIGURED = _("This portal does not log in through an external identity provider.")


def _next_url(request: HttpRequest, candidate: str | None) -> str:
    """``candidate`` if it is a page of this site, else empty."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


@require_GET
def start_login(request: HttpRequest) -> HttpResponse:
    """The "Log in" link: the external provider when one is configured, else the login page."""
    target = reverse("identity:oidc_login" if settings.OIDC_ISSUER else "identity:login")
    next_url = _next_url(request, request.GET.get("next"))
    return HttpResponseRedirect(f"{target}?{urlencode({'next': next_url})}" if next_url else target)


@require_GET
@never_cache
def oidc_login(request: HttpRequest) -> HttpResponse:
    """Send the person to the provider's authorization endpoint (code flow, S256 PKCE)."""
    if not settings.OIDC_ISSUER:
        return redirect("identity:start_login")
    next_url = _next_url(request, request.GET.get("next"))
    if request.user.is_authenticated:
        return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    callback = request.build_absolute_uri(reverse("identity:oidc_callback"))
    client = relying_party()
    try:
        checked_metadata(client)
        response: HttpResponse = client.authorize_redirect(
            request, callback, ui_locales=get_language()
        )
    except (RequestException, ValueError, AuthlibBaseError, RuntimeError) as error:
        log.warning("oidc_provider_unavailable", extra={"error": type(error).__name__})
        return _failure(request, PROVIDER_DOWN, status=502)
    request.session[_SESSION_NEXT] = next_url
    return response


@require_GET
@never_cache
def oidc_callback(request: HttpRequest) -> HttpResponse:
    """The provider sends the person back here with a code (or an error)."""
    if not settings.OIDC_ISSUER:
        return _failure(request, NOT_CONFIGURED, status=404)
    error = request.GET.get("error")
    if error:
        log.info("oidc_login_not_granted", extra={"error": error[:64]})
        if error == "access_denied":
            return _failure(request, DENIED, status=200, title=_("Login cancelled"))
        return _failure(request, REJECTED, status=400)
    # RFC 9207: an answer signed by another provider is a mix-up attack.
    issuer = request.GET.get("iss")
    if issuer is not None and issuer.rstrip("/") != settings.OIDC_ISSUER:
        log.warning("oidc_issuer_mismatch")
        return _failure(request, REJECTED, status=400)
    claims, id_token, failure = _redeem(request)
    if failure is not None:
        return failure
    try:
        user = provision_user(claims)
    except ProvisioningRefused as refusal:
        log.info(
            "oidc_login_refused", extra={"kind": str(egov_claim(claims, CLAIM_KIND) or "")[:16]}
        )
        return _failure(request, refusal.message, status=403)
    next_url = request.session.pop(_SESSION_NEXT, "")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_AMR] = [str(method) for method in claims.get("amr") or []]
    request.session[SESSION_ID_TOKEN] = id_token
    log.info("oidc_login", extra={"user": user.pk})
    return redirect(_next_url(request, next_url) or landing_url(user))


def _redeem(request: HttpRequest) -> tuple[dict[str, Any], str, HttpResponse | None]:
    """The verified ID token's claims and the token itself, or the page explaining why there
    are none."""
    client = relying_party()
    try:
        checked_metadata(client)
        token = client.authorize_access_token(request)
    except MismatchingStateError:
        log.info("oidc_state_mismatch")
        return {}, "", _failure(request, STALE, status=400)
    except RequestException as error:
        log.warning("oidc_provider_unavailable", extra={"error": type(error).__name__})
        return {}, "", _failure(request, PROVIDER_DOWN, status=502)
    except (OAuthError, AuthlibBaseError, JoseError, ValueError, KeyError) as error:
        # A refused code (invalid_grant), a bad signature, a wrong audience, nonce or issuer.
        log.warning("oidc_token_rejected", extra={"error": type(error).__name__})
        return {}, "", _failure(request, REJECTED, status=400)
    claims = token.get("userinfo")
    if not claims:
        log.warning("oidc_token_rejected", extra={"error": "no_id_token"})
        return {}, "", _failure(request, REJECTED, status=400)
    return dict(claims), str(token.get("id_token") or ""), None


class LogoutView(auth_views.LogoutView):
    """Đăng xuất (``identity:logout``). After a login through the provider, the person is then
    sent to its end-session endpoint (OpenID Connect RP-Initiated Logout), with the login's ID
    token as ``id_token_hint``: the provider ends its own session too and sends them back to
    this portal's home page. When the provider cannot be reached, the local logout stands."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        id_token = str(request.session.get(SESSION_ID_TOKEN) or "")
        response: HttpResponse = super().post(request, *args, **kwargs)
        if settings.OIDC_ISSUER and id_token:
            end_session = _end_session_url(request, id_token)
            if end_session:
                return HttpResponseRedirect(end_session)
        return response


def _end_session_url(request: HttpRequest, id_token: str) -> str:
    try:
        endpoint = str(checked_metadata(relying_party()).get("end_session_endpoint") or "")
    except (RequestException, ValueError, AuthlibBaseError, RuntimeError) as error:
        log.warning("oidc_provider_unavailable", extra={"error": type(error).__name__})
        return ""
    if not endpoint:
        return ""
    home = request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL))
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": home,
            "client_id": settings.OIDC_CLIENT_ID,
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


def _failure(request: HttpRequest, message: Any, *, status: int, title: Any = None) -> HttpResponse:
    return render(
        request,
        "identity/oidc/error.html",
        {"title": title or _("You are not logged in"), "message": message},
        status=status,
    )
