"""Pages of a person's account: registration, verification (levels 1 and 2), the personal-data
download and API tokens. Views stay thin: services decide."""

import time
from types import SimpleNamespace
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from egov.core import notify
from egov.core.errors import InvalidInput, ServiceError, TooManyRequests
from egov.core.pagination import page_of

from .. import tokens
from ..auth import acting_user
from ..forms import apply_errors
from ..models import IdentityLevel, RegistryVerificationStatus, User
from ..organisations.selectors import organisations_of
from ..ratelimit import client_address
from . import personal_data, services
from .access import can_verify_with_registry
from .forms import ApiTokenForm, CodeForm, NotificationChoiceForm, RegistrationForm

#: How the fields the population registry disagrees with are named to the person.
DIFFERENCE_LABELS = {
    "personal_id": gettext_lazy("personal ID number (no record found)"),
    "full_name": gettext_lazy("full name"),
    "birth_date": gettext_lazy("date of birth"),
}

#: Django's own backend: a person who just registered is logged in with the password they chose.
PASSWORD_BACKEND = "django.contrib.auth.backends.ModelBackend"  # noqa: S105 - not a secret


# --- the account page ----------------------------------------------------------------------------


@login_required
@never_cache
def account(request: HttpRequest) -> HttpResponse:
    """Tài khoản: who the platform thinks you are, and how sure it is."""
    user = acting_user(request)
    latest = services.latest_registry_verification(user)
    return render(
        request,
        "identity/account/account.html",
        {
            "account": user,
            "level_label": IdentityLevel(user.identity_level).label,
            "pending_channels": services.pending_channels(user),
            "latest": latest,
            "pending": latest is not None and latest.status == RegistryVerificationStatus.PENDING,
            "can_verify_registry": can_verify_with_registry(user),
            "organisations": list(organisations_of(user)),
            "differences": [
                str(DIFFERENCE_LABELS.get(name, name))
                for name in (latest.differences if latest else [])
            ],
        },
    )


@require_POST
@login_required
def registry_check(request: HttpRequest) -> HttpResponse:
    """Xác thực với CSDL quốc gia về dân cư: start the check; the page shows its answer."""
    try:
        services.request_registry_verification(acting_user(request))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "Your identity is being checked against the population registry. Reload this "
                "page in a moment to see the answer."
            ),
        )
    return redirect("identity:account")


@require_POST
@login_required
def download(request: HttpRequest) -> HttpResponse:
    """Everything the platform holds on you, as a JSON file."""
    user = acting_user(request)
    response = HttpResponse(
        personal_data.export_json(user), content_type="application/json; charset=utf-8"
    )
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="du-lieu-ca-nhan-{day}.json"'
    response["Cache-Control"] = "no-store"
    return response


# --- registration and contact verification -------------------------------------------------------


#: The registration this browser made, until its contact is proven: {"user" (None when the
#: number had an account already), "personal_id", "email", "phone", "sent_at", "wrong"}. It lives
#: in the server-side session, never in what the browser is sent.
REGISTRATION_KEY = "egov_registration"


@never_cache
def register(request: HttpRequest) -> HttpResponse:
    """Đăng ký tài khoản (level 0), then a code to prove the email address or phone number.

    A personal ID number that has an account already gets the very same answer (its owner is
    told by their verified contacts): the page does not say who has an account."""
    if request.user.is_authenticated:
        return redirect("identity:account")
    form = RegistrationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        try:
            services.throttle_registration(
                client_address(request), request.POST.get("personal_id", "")
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
            return render(
                request, "identity/account/register.html", {"form": form}, status=exc.http_status
            )
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.register_citizen(
                    personal_id=data["personal_id"],
                    full_name=data["full_name"],
                    birth_date=data["birth_date"],
                    password=data["password"],
                    email=data["email"],
                    phone=data["phone"],
                )
            except ServiceError as exc:
                apply_errors(form, exc.errors)
            else:
                request.session[REGISTRATION_KEY] = {
                    "user": user.pk if user else None,
                    "personal_id": data["personal_id"].strip(),
                    "email": data["email"].strip().lower(),
                    "phone": "".join(data["phone"].split()),
                    "sent_at": int(time.time()),
                    "wrong": 0,
                }
                messages.success(
                    request, _("We have sent you a code. Enter it to finish creating your account.")
                )
                return redirect("identity:register_confirm")
        status = 422
    return render(request, "identity/account/register.html", {"form": form}, status=status)


@never_cache
def register_confirm(request: HttpRequest) -> HttpResponse:
    """The code sent at registration, entered before logging in: the proven contact raises the
    account to level 1 and logs its new owner in."""
    pending = request.session.get(REGISTRATION_KEY)
    if not isinstance(pending, dict):
        return redirect("identity:register")
    channels = [channel for channel in ("email", "phone") if pending.get(channel)]
    status, errors = 200, {}
    if request.method == "POST":
        channel = request.POST.get("channel", "")
        try:
            if channel not in channels:
                raise InvalidInput(_("This contact is already verified or unknown."))
            if "resend" in request.POST:
                services.throttle_codes(client_address(request), pending["personal_id"])
                _resend_at_registration(request, pending, channel)
                messages.success(request, _("A new code has been sent."))
                return redirect("identity:register_confirm")
            form = CodeForm(request.POST)
            if not form.is_valid():
                raise InvalidInput(_("Enter the code you received."), {"code": _("Required.")})
            user = _check_registration_code(request, pending, channel, form.cleaned_data["code"])
        except ServiceError as exc:
            messages.error(request, exc.message)
            status, errors = exc.http_status, {channel: exc.errors.get("code", exc.message)}
        else:
            del request.session[REGISTRATION_KEY]
            login(request, user, backend=PASSWORD_BACKEND)
            messages.success(request, _("Verified. Your account is now at level 1."))
            return redirect("identity:account")
    forms = [
        (channel, CodeForm(initial={"channel": channel}, prefix=channel), errors.get(channel, ""))
        for channel in channels
    ]
    contacts = SimpleNamespace(email=pending.get("email"), phone=pending.get("phone"))
    return render(
        request,
        "identity/account/verify.html",
        {"forms": forms, "account": contacts, "registering": True},
        status=status,
    )


def _resend_at_registration(request: HttpRequest, pending: dict[str, Any], channel: str) -> None:
    """A new code, with the same wait whether or not the number had an account already."""
    if time.time() - pending.get("sent_at", 0) < services.CODE_RESEND_INTERVAL.total_seconds():
        raise TooManyRequests(_("A code was sent less than a minute ago. Please wait a moment."))
    user = User.objects.filter(pk=pending["user"]).first() if pending.get("user") else None
    if user is not None:
        services.send_verification_code(user, channel)
    pending.update(sent_at=int(time.time()), wrong=0)
    request.session.modified = True


def _check_registration_code(
    request: HttpRequest, pending: dict[str, Any], channel: str, code: str
) -> User:
    user = User.objects.filter(pk=pending["user"]).first() if pending.get("user") else None
    if user is not None:
        return services.verify_contact(user, channel, code)
    # No account was made: every code is wrong, answered as verify_contact answers.
    if time.time() - pending.get("sent_at", 0) > services.CODE_VALIDITY.total_seconds():
        raise InvalidInput(
            _("This code has expired or is no longer valid. Ask for a new one."),
            {"code": _("Ask for a new code.")},
        )
    wrong = int(pending.get("wrong", 0))
    if wrong >= services.CODE_MAX_ATTEMPTS:
        raise InvalidInput(
            _("Too many wrong codes. Ask for a new one."), {"code": _("Ask for a new code.")}
        )
    pending["wrong"] = wrong + 1
    request.session.modified = True
    raise InvalidInput(
        _("The code is not right. Tries left: %(left)s.")
        % {"left": services.CODE_MAX_ATTEMPTS - pending["wrong"]},
        {"code": _("The code is not right.")},
    )


@login_required
@never_cache
def verify(request: HttpRequest) -> HttpResponse:
    """Enter the code received by email or SMS (or ask for a new one)."""
    user = acting_user(request)
    channels = services.pending_channels(user)
    status, errors = 200, {}
    if request.method == "POST":
        channel = request.POST.get("channel", "")
        try:
            if channel not in channels:
                raise InvalidInput(_("This contact is already verified or unknown."))
            if "resend" in request.POST:
                services.throttle_codes(client_address(request), str(user.pk))
                services.send_verification_code(user, channel)
                messages.success(request, _("A new code has been sent."))
                return redirect("identity:account_verify")
            form = CodeForm(request.POST)
            if not form.is_valid():
                raise InvalidInput(_("Enter the code you received."), {"code": _("Required.")})
            services.verify_contact(user, channel, form.cleaned_data["code"])
        except ServiceError as exc:
            messages.error(request, exc.message)
            status, errors = exc.http_status, {channel: exc.errors.get("code", exc.message)}
        else:
            messages.success(request, _("Verified. Your account is now at level 1."))
            return redirect("identity:account")
    forms = [
        (channel, CodeForm(initial={"channel": channel}, prefix=channel), errors.get(channel, ""))
        for channel in channels
    ]
    return render(
        request,
        "identity/account/verify.html",
        {"forms": forms, "account": user},
        status=status,
    )


# --- API tokens ----------------------------------------------------------------------------------


@login_required
@never_cache
def api_tokens(request: HttpRequest) -> HttpResponse:
    """Mã truy cập API: the person's tokens that still work (name, created, expires, last used),
    a new one (its secret shown this once), and revocation. An official's session here has
    proven the one-time code already (OfficialSessionMiddleware)."""
    user = acting_user(request)
    secret = ""
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        secret = tokens.issue_api_token(user, form.cleaned_data["name"])
        form = ApiTokenForm()
    context = {
        "form": form,
        "secret": secret,
        "tokens": tokens.tokens_of(user),
        "works_until": timezone.now() + tokens.lifetime_for(user),
    }
    return render(request, "identity/account/tokens.html", context)


@require_POST
@login_required
def revoke_api_token(request: HttpRequest, token_id: int) -> HttpResponse:
    token = tokens.revoke_api_token(acting_user(request), token_id)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("identity:api_tokens")


#: Where a notification about an object leads (the URL name of its page).
OBJECT_PAGES = {"dossier": "dossiers:detail"}


@login_required
@never_cache
def notifications(request: HttpRequest) -> HttpResponse:
    """Thông báo: everything the portal told the person, newest first, what they have not read
    marked; reading the page marks it read. Below, whether they are also told by email and SMS."""
    user = acting_user(request)
    choice = NotificationChoiceForm(request.POST or None, instance=user)
    if request.method == "POST" and choice.is_valid():
        choice.save()
        messages.success(request, _("Your choice has been saved."))
        return redirect("identity:notifications")
    page = page_of(request, notify.in_portal(user), 20)
    rows = [
        {
            "notification": item,
            "unread": item.read_at is None,
            "link": reverse(OBJECT_PAGES[item.object_type], args=[item.object_id])
            if item.object_type in OBJECT_PAGES and item.object_id.isdigit()
            else "",
        }
        for item in page
    ]
    notify.mark_read(user, [item.pk for item in page])
    return render(
        request,
        "identity/account/notifications.html",
        {"page": page, "rows": rows, "choice": choice},
        status=422 if choice.errors else 200,
    )
