"""Pages of interconnected applications: the groups offered, the one form, the application with
each agency's progress."""

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from egov.catalog import forms as application_forms
from egov.catalog.models import ProcedureGroup
from egov.core.errors import ServiceError, TooManyRequests
from egov.core.files import uploaded_files
from egov.core.models import Agency
from egov.core.selectors import subtree_ids
from egov.dossiers.services import Upload
from egov.identity.account.registry import account_profile, known_to_the_state
from egov.identity.auth import acting_user
from egov.identity.ratelimit import client_address
from egov.payments.providers import get_provider
from egov.payments.views import client_ip, return_url

from . import access, fees, receipts, selectors, services


def _group(code: str) -> ProcedureGroup:
    group = ProcedureGroup.objects.filter(code=code, is_current=True).first()
    if group is None:
        raise Http404
    return group


def groups(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "interconnected/groups.html",
        {
            "offers": selectors.offers(),
            "applications": access.applications_of(request.user).order_by("-submitted_at")[:20],
        },
    )


def _known(user: Any, group: ProcedureGroup, form: dict[str, Any]) -> tuple[dict, dict]:
    """Once-only: the registry's and the account's values of the applicant's own fields."""
    known = known_to_the_state(user, f"Điền sẵn tờ khai liên thông {group.code}")
    return (
        application_forms.prefill(form, account_profile(user) | known),
        application_forms.filled_from(form, known, "population_registry"),
    )


@login_required
def apply(request: HttpRequest, code: str) -> HttpResponse:
    """Choose where and which members (the optional ones), then fill in the one form."""
    group = _group(code)
    user = acting_user(request)
    places = services.places_for(group)
    source = request.POST if request.method == "POST" else request.GET
    place = next((p for p in places if p.code == source.get("place")), None)
    wanted = source.getlist("members")
    definition = services.definition_of(group)
    procedures = services.member_procedures(group)
    members = [
        {
            "member": m,
            "procedure": procedures[m.procedure],
            "chosen": m.required or m.procedure in wanted,
        }
        for m in definition.members
    ]
    context: dict[str, Any] = {
        "group": group,
        "places": places,
        "place": place,
        "members": members,
        "level_too_low": user.identity_level < services.identity_level(group),
        "required_level": services.identity_level(group),
    }
    if place is None:
        return render(request, "interconnected/choose.html", context)
    try:
        chosen = services.chosen_members(group, wanted)
    except ServiceError as exc:
        context["error"] = exc.message
        return render(request, "interconnected/choose.html", context, status=422)
    form = services.application_form(group, chosen)
    errors: dict[str, str] = {}
    data, sources = _known(user, group, form)
    status = 200
    if request.method == "POST":
        uploads = {
            name.removeprefix("file_"): Upload(upload.name or name, upload, upload.size)
            for name, upload in uploaded_files(request)
            if name.startswith("file_")
        }
        try:
            application = services.submit_application(
                user, group, place, chosen, request.POST, uploads
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
            errors, status = exc.errors, exc.http_status
            data = application_forms.coerce(form, request.POST)
        else:
            messages.success(
                request,
                _("Your application has been submitted. Tracking code: %(code)s")
                % {"code": application.code},
            )
            return redirect("interconnected:application", application.pk)
    context |= {
        "chosen": chosen,
        "fields": application_forms.build_fields(
            form, data, errors, get_language() or "vi", sources
        ),
        "components": [
            {"spec": spec, "error": errors.get(f"component:{spec['code']}", ""), "extras": []}
            for spec in services.upload_components(group, chosen)
        ],
        "errors": errors,
    }
    return render(request, "interconnected/apply.html", context, status=status)


@login_required
def application(request: HttpRequest, application_id: int) -> HttpResponse:
    found = access.access_application(request.user, application_id)
    return render(
        request,
        "interconnected/application.html",
        {
            "application": found,
            "parts": selectors.parts_of(found),
            "fees": fees.fees_of(found),
            "online_payment": get_provider() is not None,
        },
    )


@login_required
@require_POST
def pay(request: HttpRequest, application_id: int) -> HttpResponse:
    """Pay every member's fees at once: to the provider's payment page."""
    found = access.access_application(request.user, application_id)
    provider = get_provider()
    try:
        _payment, url = fees.pay(
            found.pk,
            acting_user(request),
            return_url=return_url(request, provider.name if provider else ""),
            client_ip=client_ip(request),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("interconnected:application", found.pk)
    return HttpResponseRedirect(url)


def track(request: HttpRequest) -> HttpResponse:
    """Tra cứu hồ sơ liên thông: anyone, by the application's code (``selectors.track``)."""
    code = request.GET.get("code", "").strip()[:48]
    check = request.GET.get("check", "").strip()[:12]
    context: dict[str, Any] = {"code": code, "check": check, "found": None}
    if code:
        try:
            found = selectors.track(client_address(request), code, check)
        except TooManyRequests as exc:
            response = render(
                request, "interconnected/track.html", context | {"refused": exc.message}, status=429
            )
            response["Retry-After"] = str(exc.retry_after)
            return response
        if found is not None:
            context |= {"found": found, "parts": selectors.parts_of(found.item)}
    return render(request, "interconnected/track.html", context)


@login_required
def receipt(request: HttpRequest, application_id: int) -> HttpResponse:
    """The application's one receipt slip (PDF)."""
    return receipts.receipt_response(access.access_application(request.user, application_id))


@login_required
@require_POST
def withdraw(request: HttpRequest, application_id: int) -> HttpResponse:
    found = access.access_application(request.user, application_id)
    try:
        services.withdraw_application(
            found.pk, acting_user(request), request.POST.get("reason", "")
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your application has been withdrawn."))
    return redirect("interconnected:application", found.pk)


def dashboard_panel(
    request: HttpRequest, agency: Agency | None, start: date, end: date
) -> list[SafeString]:
    """The indicators' pages: each group's reach and its own on-time rate (insights hook)."""
    ids = subtree_ids(agency) if agency is not None else None
    return [
        render_to_string(
            "interconnected/_dashboard_panel.html",
            {"rows": selectors.group_figures(ids, start, end)},
            request,
        )
    ]
