"""The provider's authorization endpoint: django-oauth-toolkit's, with the consent asked once per
relying party, and the login asked again when the request says so.

The consent page appears at a person's first login to a client, again when the client asks for a
scope not allowed before (the new list is shown in full), and whenever the client sends
``prompt=consent``. Otherwise the code is issued at once. The toolkit's own "auto" mode would
remember a consent only while an access token is unexpired (an hour), and forget it at logout.

The person logs in again (logged out first, as the login page sends anyone logged in straight
on) when the client sends ``prompt=login``, or a ``max_age`` the session's login exceeds. A client
that asks for a higher identity level (``acr_values=urn:egov:loa:2``) than the person has gets no
code: the person is told how to raise it, and may go back to the client, which receives
``unmet_authentication_requirements``. With ``prompt=none`` nothing is shown: the validator
(egov.identity.oidc.provider) answers with ``login_required``, ``consent_required`` or
``interaction_required`` instead.

An authorization request may also come by POST (OpenID Connect Core §3.1.2.1): a POST that is not
the consent form (marked by a hidden field) is sent on as the same request by GET (303). The view
is exempt from Django's CSRF check for that; the consent form is checked in ``post``.
"""

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from django import forms
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.forms import AllowForm
from oauth2_provider.models import get_application_model
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views import AuthorizationView

from egov.core import audit
from egov.identity.models import OidcConsent, User

from . import authentication

CONSENT_MARK = "consent_form"
LEVEL_UNMET = _(
    "%(client)s needs identity level %(needed)d, and your account has level %(level)d. Raise it"
    " on your account page (verification against the national population database gives level"
    " 2), then log in to %(client)s again."
)


def consented(user: User, client_id: str, scopes: list[str]) -> bool:
    """True when ``user`` has allowed ``client_id`` every scope in ``scopes``."""
    allowed = OidcConsent.objects.filter(user=user, client_id=client_id).first()
    return allowed is not None and set(scopes) <= set(allowed.scopes.split())


def remember_consent(user: User, client_id: str, scopes: list[str]) -> None:
    """Record that ``user`` allowed ``client_id`` these scopes (added to those allowed before)."""
    with transaction.atomic():
        consent, _ = OidcConsent.objects.select_for_update().get_or_create(
            user=user, client_id=client_id, defaults={"granted_at": timezone.now()}
        )
        consent.scopes = " ".join(sorted(set(consent.scopes.split()) | set(scopes)))
        consent.granted_at = timezone.now()
        consent.save(update_fields=["scopes", "granted_at"])
        audit.record(
            "oidc_consent_given",
            actor=user,
            object_type="user",
            object_id=user.pk,
            data={"client_id": client_id, "scopes": sorted(scopes)},
        )


class ConsentForm(AllowForm):
    """The consent page's form, marked as such: a POST without the mark is an authorization
    request sent by POST."""

    consent_form = forms.CharField(widget=forms.HiddenInput, initial="1")


class _SeeOther(HttpResponseRedirect):
    status_code = 303


@method_decorator(csrf_exempt, name="dispatch")  # the consent form is checked in ``post``
class RememberingAuthorizationView(AuthorizationView):
    """``/o/authorize/``, mounted ahead of the toolkit's own.

    The provider vouches for logins made here (its ``amr`` claims come from this deployment's
    own password and one-time code checks), so it sends people to the built-in login page even
    when this deployment itself logs people in through an external provider."""

    login_url = reverse_lazy("identity:login")
    form_class = ConsentForm

    _validated: tuple[list[str], dict[str, Any]] | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST" and CONSENT_MARK not in request.POST:
            # An authorization request sent by POST (OpenID Connect Core §3.1.2.1), not the
            # consent form: answered as the same request by GET. Anyone may link to that anyway.
            return _SeeOther(f"{request.path}?{request.POST.urlencode()}")
        with authentication.at_browser(request):
            response: HttpResponseBase = super().dispatch(request, *args, **kwargs)
        return response

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """The consent form, with the CSRF check the view is exempt from for the above."""
        response: HttpResponse = csrf_protect(super().post)(request, *args, **kwargs)
        return response

    def get_initial(self) -> dict[str, Any]:
        return {**super().get_initial(), CONSENT_MARK: "1"}

    def validate_authorization_request(self, request: Any) -> tuple[list[str], dict[str, Any]]:
        scopes, credentials = super().validate_authorization_request(request)
        self._validated = (scopes, credentials)
        return scopes, credentials

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        early = self._login_requirements(request)
        if early is not None:
            return early
        response: HttpResponse = super().get(request, *args, **kwargs)
        context = getattr(response, "context_data", None) or {}
        application = context.get("application")
        if (
            response.status_code != 200
            or context.get("error")
            or application is None
            or self._validated is None
            or "consent" in request.GET.get("prompt", "").split()
        ):
            return response
        scopes, credentials = self._validated
        if not consented(request.user, application.client_id, scopes):  # type: ignore[arg-type]
            return response
        try:
            uri, _headers, _body, _status = self.create_authorization_response(
                request=request, scopes=" ".join(scopes), credentials=credentials, allow=True
            )
        except OAuthToolkitError as error:
            return self.error_response(error, application)
        return self.redirect(uri, application)

    def _login_requirements(self, request: HttpRequest) -> HttpResponse | None:
        """A login too old for ``max_age``, or an identity level below the one asked for, when
        the person may be asked (with ``prompt=none`` the validator refuses instead)."""
        prompt = set(request.GET.get("prompt", "").split())
        if "none" in prompt or "login" in prompt:
            return None
        too_old = authentication.login_too_old(request, request.GET.get("max_age"))
        unmet = authentication.level_unmet(
            request.user, request.GET.get("acr_values"), request.GET.get("claims")
        )
        if not (too_old or unmet):
            return None
        try:
            _scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)
        if too_old:
            return self.handle_prompt_login()
        return self._level_unmet(request, credentials)

    def handle_no_permission(self) -> HttpResponse:
        """Nobody logged in: to the login page (DOT answers ``prompt=none`` with
        ``login_required`` instead), whose form a ``login_hint`` fills in."""
        response: HttpResponse = super().handle_no_permission()
        hint = self.request.GET.get("login_hint", "").strip()
        login_url = resolve_url(self.get_login_url())
        location = response.get("Location", "")
        if hint and response.status_code == 302 and location.startswith(login_url):
            response["Location"] = f"{location}&{urlencode({'login_hint': hint[:150]})}"
        return response

    def handle_prompt_login(self) -> HttpResponse:
        """Log the person in again: logged out first, then to the login page, which comes back
        here without ``prompt=login`` or ``max_age`` (the login just made satisfies both)."""
        request = self.request
        if request.user.is_authenticated:
            logout(request)
        parts = urlsplit(request.get_full_path())
        params = []
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if key == "prompt":
                value = " ".join(asked for asked in value.split() if asked != "login")
            if key != "max_age" and (value or key != "prompt"):
                params.append((key, value))
        next_url = parts._replace(query=urlencode(params))
        return redirect_to_login(
            next_url.geturl(), resolve_url(self.get_login_url()), self.get_redirect_field_name()
        )

    def _level_unmet(self, request: HttpRequest, credentials: dict[str, Any]) -> HttpResponse:
        application = get_application_model().objects.get(client_id=credentials["client_id"])
        needed = authentication.required_level(
            request.GET.get("acr_values"), request.GET.get("claims")
        )
        back = {
            "error": "unmet_authentication_requirements",
            "error_description": "The identity level asked for is not met.",
        }
        if credentials.get("state"):
            back["state"] = credentials["state"]
        if oauth2_settings.COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS:
            back["iss"] = oauth2_settings.oidc_issuer(request)
        redirect_uri = credentials["redirect_uri"]
        separator = "&" if "?" in redirect_uri else "?"
        message = LEVEL_UNMET % {
            "client": application.name,
            "needed": needed or 0,
            "level": int(request.user.identity_level),  # type: ignore[union-attr]
        }
        return render(
            request,
            "identity/oidc/level_unmet.html",
            {
                "title": _("A higher identity level is needed"),
                "message": message,
                "client_name": application.name,
                "back_url": f"{redirect_uri}{separator}{urlencode(back)}",
            },
            status=403,
        )

    def form_valid(self, form: Any) -> HttpResponse:
        response: HttpResponse = super().form_valid(form)
        location = response.get("Location", "")
        if form.cleaned_data.get("allow") and response.status_code == 302 and "code=" in location:
            remember_consent(
                self.request.user,
                form.cleaned_data["client_id"],
                str(form.cleaned_data.get("scope") or "").split(),
            )
        return response
