"""The provider's consent page, asked once per relying party: django-oauth-toolkit's
authorization endpoint, remembering what each person allowed each client.

The page appears at a person's first login to a client, again when the client asks for a scope
not allowed before (the new list is shown in full), and whenever the client sends
``prompt=consent``. Otherwise the code is issued at once. The toolkit's own "auto" mode would
remember a consent only while an access token is unexpired (an hour), and forget it at logout.
"""

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy
from django.utils import timezone
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.views import AuthorizationView

from egov.core import audit
from egov.identity.models import OidcConsent, User


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


class RememberingAuthorizationView(AuthorizationView):
    """``/o/authorize/``, mounted ahead of the toolkit's own.

    The provider vouches for logins made here (its ``amr`` claims come from this deployment's
    own password and one-time code checks), so it sends people to the built-in login page even
    when this deployment itself logs people in through an external provider."""

    login_url = reverse_lazy("identity:login")

    _validated: tuple[list[str], dict[str, Any]] | None = None

    def validate_authorization_request(self, request: Any) -> tuple[list[str], dict[str, Any]]:
        scopes, credentials = super().validate_authorization_request(request)
        self._validated = (scopes, credentials)
        return scopes, credentials

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
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
