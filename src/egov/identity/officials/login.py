"""Đăng nhập: the password first; a citizen is then logged in, an official goes on to a second
step and is logged in only after a one-time code from their authenticator app (enrolling the
app at their first login).

Between the two steps the session holds who passed the password, for a few minutes, and nobody
is logged in yet. A wrong code counts as a failed login for the lockout (django-axes), like a
wrong password.
"""

import time
from typing import Any
from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY, password_validation
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from egov.core.errors import TooManyRequests
from egov.identity.forms import LoginForm, OneTimeCodeForm
from egov.identity.models import User
from egov.identity.oidc.services import login_methods

from .. import throttling, twofactor
from .. import unlock as unlock_codes
from ..access import needs_second_factor
from ..clientip import client_key
from ..landing import landing_url

#: Session key of the login waiting for its second step: {"user", "backend", "at"}.
PENDING_KEY = "egov_login_pending"
#: How long the second step may take after the password.
PENDING_SECONDS = 5 * 60


def is_verified(user: Any) -> bool:
    """True when the session's user proved the second factor (django-otp's OTPMiddleware)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def second_factor_proven(request: HttpRequest) -> bool:
    """True when this session's login included a one-time code: here (django-otp), or at the
    external identity provider it came through, whose signed ``amr`` said so (``otp``)."""
    return is_verified(request.user) or "otp" in login_methods(request)


class LoginView(auth_views.LoginView):
    """Step 1, the password (``identity:login``, the LOGIN_URL that ``next`` comes back through)."""

    template_name = "identity/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_initial(self) -> dict[str, Any]:
        # An OpenID Connect client may say who is expected (login_hint, egov.identity.oidc).
        hint = self.request.GET.get("login_hint", "")[:150]
        return {**super().get_initial(), **({"username": hint} if hint else {})}

    @method_decorator(never_cache)
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if (
            user.is_authenticated
            and needs_second_factor(user)
            and not second_factor_proven(request)
        ):
            # Logged in without the second factor (the admin site, an external provider): ask
            # for it rather than sending the official back where they were refused.
            start_second_step(request, user, request.session.get(BACKEND_SESSION_KEY, ""))
            return HttpResponseRedirect(verify_url(self.get_redirect_url()))
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if not needs_second_factor(user):
            response = super().form_valid(form)
            throttling.remember_device(self.request, response, user.get_username())
            return response
        start_second_step(self.request, user, user.backend)
        return HttpResponseRedirect(verify_url(self.get_redirect_url()))

    def form_invalid(self, form: Any) -> HttpResponse:
        waiting = throttling.refusal(self.request)
        if waiting is not None and not getattr(self.request, "axes_locked_out", False):
            return throttled_response(self.request, *waiting)
        return super().form_invalid(form)


def throttled_response(request: HttpRequest, message: str, seconds: int) -> HttpResponse:
    """HTTP 429 with a page saying how long to wait, and how the owner gets in at once."""
    response = render(request, "identity/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response


@never_cache
def admin_login(request: HttpRequest) -> HttpResponse:
    """``/admin/login/``: the admin site's own login form is replaced by this login page, which
    asks staff for the second factor too. Someone logged in who may not use the admin site is
    refused here (the login page would send them back to the admin site, round and round)."""
    if request.user.is_authenticated and not (request.user.is_active and request.user.is_staff):
        raise PermissionDenied
    query = request.META.get("QUERY_STRING", "")
    return HttpResponseRedirect(reverse("identity:login") + (f"?{query}" if query else ""))


def start_second_step(request: HttpRequest, user: User, backend: str) -> None:
    request.session[PENDING_KEY] = {"user": user.pk, "backend": backend, "at": int(time.time())}


def verify_url(next_url: str) -> str:
    url = reverse("identity:login_verify")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _login_url(next_url: str) -> str:
    url = resolve_url(settings.LOGIN_URL)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _next_url(request: HttpRequest) -> str:
    """Where to go after logging in, when it is on this site (as LoginView checks it)."""
    url = request.POST.get("next", request.GET.get("next", ""))
    safe = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if safe else ""


def _pending(request: HttpRequest) -> tuple[User | None, str]:
    """The official who passed the password step, unless that was too long ago."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None, ""
    if time.time() - pending.get("at", 0) > PENDING_SECONDS:
        del request.session[PENDING_KEY]
        return None, ""
    user = User.objects.filter(pk=int(pending.get("user") or 0), is_active=True).first()
    if user is None or not needs_second_factor(user):
        return None, ""
    return user, str(pending.get("backend") or settings.AUTHENTICATION_BACKENDS[-1])


@never_cache
@csrf_protect
def verify(request: HttpRequest) -> HttpResponse:
    """Step 2 for officials (``identity:login_verify``): the code from their authenticator, or
    first the enrolment of the app (QR code and key, confirmed by a code)."""
    next_url = _next_url(request)
    started = PENDING_KEY in request.session
    user, backend = _pending(request)
    if user is None:
        if started:
            messages.error(request, _("Your login has expired. Please log in again."))
        return HttpResponseRedirect(_login_url(next_url))
    credentials = {"username": user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        return get_lockout_response(request, None, credentials)
    seconds = throttling.wait_seconds(request, user.get_username())
    if seconds:
        return throttled_response(request, throttling.wait_message(seconds), seconds)

    device = twofactor.confirmed_device(user)
    enrolling = device is None
    if device is None:
        device = twofactor.enrolment_device(user)
    form = OneTimeCodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        if twofactor.check_code(device, form.cleaned_data["code"]):
            if enrolling:
                twofactor.confirm_enrolment(device)
            return _complete_login(request, user, backend, device, next_url)
        form.add_error("code", _("This code is not correct. Enter the code your app shows now."))
        # As a wrong password: audited, and counted by django-axes, whose middleware answers
        # with the lockout page when this was one failure too many.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    context = {"form": form, "next": next_url, "enrolling": enrolling}
    if enrolling:
        context |= {
            "qr_code": twofactor.qr_code_data_uri(device),
            "secret": twofactor.secret_text(device),
        }
    return render(request, "identity/login_verify.html", context)


def _complete_login(
    request: HttpRequest, user: User, backend: str, device: TOTPDevice, next_url: str
) -> HttpResponse:
    request.session.pop(PENDING_KEY, None)
    user.otp_device = device  # type: ignore[attr-defined]  # the login audit notes the factor
    auth_login(request, user, backend=backend)
    otp_login(request, device)
    response = HttpResponseRedirect(next_url or landing_url(user))
    throttling.remember_device(request, response, user.get_username())
    return response


class UnlockForm(forms.Form):
    username = forms.CharField(
        label=gettext_lazy("Personal ID number or username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )


class UnlockCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("6-digit code"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


#: Session key of the login an unlock code was asked for.
UNLOCK_KEY = "egov_unlock_login"


@never_cache
@csrf_protect
def unlock(request: HttpRequest) -> HttpResponse:
    """``identity:unlock``: a code to the account's verified contact makes this browser a known
    device of the account (egov.identity.throttling), which is not slowed down."""
    login = request.session.get(UNLOCK_KEY, "")
    if request.method == "POST" and "username" in request.POST:
        form: forms.Form = UnlockForm(request.POST)
        if form.is_valid():
            login = form.cleaned_data["username"].strip()
            try:
                unlock_codes.send_unlock_code(client_key(request), login)
            except TooManyRequests as exc:
                form.add_error(None, exc.message)
                return render(request, "identity/unlock.html", {"form": form}, status=429)
            request.session[UNLOCK_KEY] = login
            return HttpResponseRedirect(reverse("identity:unlock"))
        return render(request, "identity/unlock.html", {"form": form}, status=422)
    if not login or "restart" in request.GET:
        request.session.pop(UNLOCK_KEY, None)
        return render(request, "identity/unlock.html", {"form": UnlockForm()})
    code_form = UnlockCodeForm(request.POST if request.method == "POST" else None)
    if code_form.is_valid():
        if unlock_codes.check_unlock_code(
            client_key(request), login, code_form.cleaned_data["code"]
        ):
            del request.session[UNLOCK_KEY]
            messages.success(
                request, _("This browser can now log in to your account. Enter your password.")
            )
            response = HttpResponseRedirect(reverse("identity:login"))
            throttling.remember_device(request, response, login)
            return response
        code_form.add_error("code", _("The code is not right, or has expired. Ask for a new one."))
    status = 422 if code_form.errors else 200
    return render(request, "identity/unlock.html", {"code_form": code_form}, status=status)


class PasswordResetForm(forms.Form):
    code = UnlockCodeForm.base_fields["code"]
    new_password1 = forms.CharField(
        label=gettext_lazy("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=gettext_lazy("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("new_password1"), data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("The two passwords are not the same."))
        elif first:
            try:
                password_validation.validate_password(first)
            except ValidationError as exc:
                self.add_error("new_password1", exc)
        return data


#: Session key of the login a password reset code was asked for.
RESET_KEY = "egov_reset_login"


@never_cache
@csrf_protect
def forgot_password(request: HttpRequest) -> HttpResponse:
    """``identity:forgot_password``: a code to the account's verified contact, then a new
    password. The answers never tell whether a login exists or has a verified contact."""
    login = request.session.get(RESET_KEY, "")
    if request.method == "POST" and "username" in request.POST:
        form: forms.Form = UnlockForm(request.POST)
        if form.is_valid():
            login = form.cleaned_data["username"].strip()
            try:
                unlock_codes.send_code(client_key(request), login, unlock_codes.RESET)
            except TooManyRequests as exc:
                form.add_error(None, exc.message)
                return render(request, "identity/forgot_password.html", {"form": form}, status=429)
            request.session[RESET_KEY] = login
            return HttpResponseRedirect(reverse("identity:forgot_password"))
        return render(request, "identity/forgot_password.html", {"form": form}, status=422)
    if not login or "restart" in request.GET:
        request.session.pop(RESET_KEY, None)
        return render(request, "identity/forgot_password.html", {"form": UnlockForm()})
    reset_form = PasswordResetForm(request.POST if request.method == "POST" else None)
    if reset_form.is_valid():
        user = unlock_codes.reset_password(
            client_key(request),
            login,
            reset_form.cleaned_data["code"],
            reset_form.cleaned_data["new_password1"],
        )
        if user is not None:
            del request.session[RESET_KEY]
            messages.success(request, _("Your password has been changed. Log in with it."))
            return HttpResponseRedirect(reverse("identity:login"))
        reset_form.add_error("code", _("The code is not right, or has expired. Ask for a new one."))
    status = 422 if reset_form.errors else 200
    return render(
        request, "identity/forgot_password.html", {"reset_form": reset_form}, status=status
    )
