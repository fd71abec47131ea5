"""Pages of the dossiers part: the citizen's side, the back office, and public tracking.

Views stay thin: they read with selectors, write with services, and show refusals as messages.
"""

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from egov.catalog import forms as application_forms
from egov.catalog.selectors import current_procedures, get_procedure, performing_agencies
from egov.core.errors import InvalidInput, ServiceError, TooManyRequests
from egov.core.files import uploaded_files as _files
from egov.core.models import Agency
from egov.core.pagination import page_of
from egov.identity.account.registry import account_profile, known_to_the_state
from egov.identity.auth import acting_user
from egov.identity.models import User
from egov.identity.organisations.selectors import organisations_of
from egov.identity.ratelimit import client_address

from . import access, delivery_views, hooks, receipts, selectors, services, tracking
from .constants import TRANSITIONS, VERIFICATION_REASON_MAX_LENGTH, Satisfaction, Status
from .services import Upload


def _uploads(request: HttpRequest, prefix: str = "file_") -> dict[str, Upload]:
    return {
        name.removeprefix(prefix): Upload(name=upload.name or name, stream=upload, size=upload.size)
        for name, upload in _files(request)
        if name.startswith(prefix)
    }


def _version(request: HttpRequest) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


# --- citizen --------------------------------------------------------------------------------------


@login_required
def start(request: HttpRequest, code: str) -> HttpResponse:
    """Choose the receiving agency, and whom the dossier is for (the applicant themselves or an
    organisation they represent), and open a draft prefilled from the applicant's record."""
    procedure = get_procedure(code)
    if procedure is None:
        raise Http404
    user = acting_user(request)
    agencies = performing_agencies(procedure)
    types = procedure.definition.get("applicant_types", ["citizen"])
    organisations = list(organisations_of(user)) if "organisation" in types else []
    required_level = access.required_identity_level(procedure)
    error, status = "", 200
    if request.method == "POST":
        agency = next((a for a in agencies if a.code == request.POST.get("agency")), None)
        chosen = request.POST.get("applicant", "self")
        organisation = next((o for o in organisations if str(o.pk) == chosen), None)
        if agency is None:
            error = _("Choose an agency that performs this procedure.")
        elif chosen != "self" and organisation is None:
            error, status = _("Choose yourself or an organisation you represent."), 422
        else:
            try:
                dossier = services.start_draft(user, procedure, agency, organisation)
            except ServiceError as exc:
                error, status = exc.message, exc.http_status
            else:
                form = procedure.definition["form"]
                # Once-only: what the population registry knows of a level-2 citizen fills the
                # form (through the gateway), the account the rest.
                known = known_to_the_state(user, f"Điền sẵn tờ khai thủ tục {procedure.code}")
                services.save_draft(
                    dossier.pk,
                    user,
                    application_forms.prefill(form, account_profile(user) | known),
                    {},
                    prefill_sources=application_forms.filled_from(
                        form, known, "population_registry"
                    ),
                )
                return redirect("dossiers:edit", dossier.pk)
    return render(
        request,
        "dossiers/start.html",
        {
            "procedure": procedure,
            "agencies": agencies,
            "error": error,
            "for_citizens": "citizen" in types,
            "organisations": organisations,
            "chosen": request.POST.get("applicant", "self" if "citizen" in types else ""),
            "required_level": required_level,
            "level_too_low": user.identity_level < required_level,
        },
        status=status,
    )


@login_required
def edit(request: HttpRequest, dossier_id: int) -> HttpResponse:
    """Fill in the form and attach the documents; save the draft or submit."""
    dossier = access.access_dossier(request.user, dossier_id)
    if dossier.status != Status.DRAFT or not access.can(request.user, "submit", dossier):
        return redirect("dossiers:detail", dossier.pk)
    form_spec = dossier.procedure.definition["form"]
    data, errors = dossier.form_data, {}
    delivery_errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            refused = delivery_views.save_choice(request, dossier)
            dossier = services.save_draft(
                dossier.pk, acting_user(request), request.POST, _uploads(request)
            )
            if refused is not None:
                delivery_errors = refused.errors
                raise refused
            if request.POST.get("action") == "submit":
                dossier = services.submit(dossier.pk, acting_user(request))
                messages.success(
                    request,
                    _("Your dossier has been submitted. Receipt code: %(code)s")
                    % {"code": dossier.code},
                )
                return redirect("dossiers:detail", dossier.pk)
            messages.success(request, _("Draft saved. You can come back and finish it later."))
            return redirect("dossiers:edit", dossier.pk)
        except ServiceError as exc:
            errors = exc.errors
            if request.POST.get("action") == "submit" and isinstance(exc, InvalidInput):
                # Everything that keeps it from being submitted, at once: a refused file says
                # why (not merely that the document is required), beside the other gaps.
                dossier.refresh_from_db()
                errors = services.completeness_errors(dossier) | errors
            messages.error(request, exc.message)
            data = application_forms.coerce(form_spec, request.POST)
    dossier.refresh_from_db()
    return render(
        request,
        "dossiers/edit.html",
        {
            "dossier": dossier,
            "fields": application_forms.build_fields(
                form_spec, data, errors, get_language() or "vi", dossier.prefill_sources
            ),
            "components": _component_rows(dossier, errors, request, editing=True),
            "errors": errors,
            **delivery_views.form_context(
                services.delivery_of(dossier),
                delivery_errors,
                delivery_views.choice_from(request) if request.method == "POST" else None,
            ),
        },
        status=422 if errors else 200,
    )


def _component_rows(
    dossier: Any, errors: dict[str, str], request: HttpRequest | None = None, editing: bool = False
) -> list[dict[str, Any]]:
    present = {c.code: c for c in dossier.components.all()}
    extras: dict[str, list[SafeString]] = {}
    if request is not None:
        for hook in hooks.component_extras:
            for code, html in hook(request, dossier, editing).items():
                extras.setdefault(code, []).append(html)
    return [
        {
            "spec": spec,
            "file": present.get(spec["code"]),
            "error": errors.get(f"component:{spec['code']}", ""),
            "extras": extras.get(spec["code"], []),
            "from_form": services.from_online_form(dossier, spec),
        }
        for spec in dossier.procedure.components
    ]


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    page = page_of(request, access.dossiers_as_applicant(acting_user(request)), 20)
    return render(request, "dossiers/mine.html", {"page": page})


@login_required
def detail(request: HttpRequest, dossier_id: int) -> HttpResponse:
    dossier = access.access_dossier(request.user, dossier_id)
    if dossier.status == Status.DRAFT:
        return redirect("dossiers:edit", dossier.pk)
    return _render_detail(request, dossier)


def _render_detail(
    request: HttpRequest, dossier: Any, errors: dict[str, str] | None = None, status: int = 200
) -> HttpResponse:
    actions = access.allowed_actions(request.user, dossier)
    staff_view = access.is_official_of(request.user, dossier.agency_id)
    return render(
        request,
        "dossiers/detail.html",
        {
            "dossier": dossier,
            "events": selectors.timeline(dossier, internal=staff_view),
            "components": _component_rows(dossier, errors or {}, request),
            # Withdrawing is offered apart, as a secondary action, never as the main box.
            "main_actions": [action for action in actions if action != "withdraw"],
            "may_withdraw": "withdraw" in actions,
            "next_steps": selectors.next_steps(dossier) if not staff_view else None,
            "draft": dossier.result_draft if access.may_see_draft(request.user, dossier) else None,
            "panels": [html for hook in hooks.dossier_panels for html in hook(request, dossier)],
            "form_fields": application_forms.build_fields(
                dossier.procedure.definition["form"], dossier.form_data, {}, get_language() or "vi"
            ),
            "actions": actions,
            "labels": {name: TRANSITIONS[name].label for name in actions},
            "held_steps": [
                (TRANSITIONS[name].label, reason)
                for name, reason in access.held_actions(request.user, dossier).items()
            ],
            "processors": selectors.processors_of(dossier.agency_id) if "assign" in actions else [],
            "satisfaction": Satisfaction.choices,
            "verification_reason_max": VERIFICATION_REASON_MAX_LENGTH,
            "errors": errors or {},
            "is_staff_view": staff_view,
        },
        status=status,
    )


@login_required
@require_POST
def act(request: HttpRequest, dossier_id: int, action: str) -> HttpResponse:
    """Perform one lifecycle action posted from the dossier page (a draft is usually submitted
    from its edit page; posting ``submit`` here submits it as it was saved)."""
    if action not in TRANSITIONS:
        raise Http404
    dossier = access.access_dossier(request.user, dossier_id, action)
    user = acting_user(request)
    post, version = request.POST, _version(request)
    try:
        services.check_action(user, action, dossier)  # who may act comes before what they sent
        if action == "submit":
            services.submit(dossier.pk, user, version)
        elif action == "receive":
            marks = {"valid": True, "invalid": False}
            checklist = {
                c["code"]: (
                    marks.get(post.get(f"check_{c['code']}", "")),
                    post.get(f"note_{c['code']}", ""),
                )
                for c in dossier.procedure.components
            }
            services.receive(dossier.pk, user, checklist, version)
        elif action == "refuse_intake":
            services.refuse_intake(dossier.pk, user, post.get("reason", ""), version)
        elif action == "request_supplement":
            services.request_supplement(
                dossier.pk, user, post.get("reason", ""), post.getlist("components"), version
            )
        elif action == "supplement":
            services.provide_supplement(dossier.pk, user, None, _uploads(request), version)
        elif action == "assign":
            assignee = User.objects.filter(pk=post.get("assignee") or 0).first()
            if assignee is None:
                raise InvalidInput(
                    _("Choose a processing official of this agency."),
                    {"assignee": _("This field is required.")},
                )
            services.assign(dossier.pk, user, assignee, version)
        elif action == "extend_for_verification":
            services.extend_for_verification(dossier.pk, user, post.get("reason", ""), version)
        elif action == "propose":
            services.propose(dossier.pk, user, post.get("note", ""), version)
        elif action == "approve":
            services.approve(
                dossier.pk, user, post.get("note", ""), version, post.get("draft_sha256", "")
            )
        elif action == "send_back":
            services.send_back(dossier.pk, user, post.get("reason", ""), version)
        elif action == "reject":
            services.reject(dossier.pk, user, post.get("reason", ""), version)
        elif action == "return_result":
            services.return_result(dossier.pk, user, version)
        elif action == "withdraw":
            services.withdraw(dossier.pk, user, post.get("reason", ""), version)
        elif action == "apologise":
            try:
                new_date = date.fromisoformat(post.get("new_date", ""))
            except ValueError:
                raise InvalidInput(
                    _("Enter a valid date (dd/mm/yyyy)."),
                    {"new_date": _("Enter a valid date (dd/mm/yyyy).")},
                ) from None
            services.apologise(dossier.pk, user, post.get("reason", ""), new_date, version)
        elif action == "rate":
            score = post.get("score", "")
            services.rate(
                dossier.pk, user, int(score) if score.isdigit() else 0, post.get("comment", "")
            )
    except ServiceError as exc:
        messages.error(request, exc.message)
        dossier = access.access_dossier(request.user, dossier_id, action)
        return _render_detail(request, dossier, exc.errors, status=exc.http_status)
    messages.success(request, _("Done: %(action)s.") % {"action": TRANSITIONS[action].label})
    return redirect("dossiers:detail", dossier.pk)


@login_required
def receipt(request: HttpRequest, dossier_id: int) -> HttpResponse:
    dossier = access.access_dossier(request.user, dossier_id, access.DOWNLOAD)
    try:
        return receipts.receipt_response(dossier)
    except ServiceError:
        raise Http404 from None


@login_required
def result(request: HttpRequest, dossier_id: int) -> HttpResponse:
    dossier = access.access_dossier(request.user, dossier_id, access.DOWNLOAD)
    try:
        return receipts.result_response(dossier)
    except ServiceError:
        raise Http404 from None


@login_required
def component_file(
    request: HttpRequest, dossier_id: int, code: str, inline: bool = False
) -> HttpResponse:
    """A component's file: downloaded, or (``inline``) shown in the browser for a preview."""
    dossier = access.access_dossier(request.user, dossier_id, access.DOWNLOAD)
    component = get_object_or_404(dossier.components.select_related("file"), code=code)
    return receipts.file_response(component.file, component.filename, inline)


@login_required
def draft_result(request: HttpRequest, dossier_id: int, inline: bool = False) -> HttpResponse:
    """The draft result of a proposal (agency officials): shown inline on the dossier page
    before approval, or downloaded."""
    dossier = access.access_dossier(request.user, dossier_id, access.DOWNLOAD)
    try:
        return receipts.draft_response(dossier, request.user, inline)
    except ServiceError:
        raise Http404 from None


def track(request: HttpRequest) -> HttpResponse:
    """Tra cứu hồ sơ: the status by receipt code; the procedure, agency and dates with the last
    4 digits of the applicant's number too; never personal data (``dossiers.tracking``)."""
    code = request.GET.get("code", "").strip()[:48]
    check = request.GET.get("check", "").strip()[:12]
    context: dict[str, Any] = {"code": code, "check": check, "dossier": None, "found": None}
    if not code:
        return render(request, "dossiers/track.html", context)
    for elsewhere in hooks.tracked_elsewhere:
        if address := elsewhere(code):
            return redirect(f"{address}?{urlencode({'code': code, 'check': check})}")
    try:
        found = tracking.track(client_address(request), code, check)
    except TooManyRequests as exc:
        response = render(
            request, "dossiers/track.html", context | {"refused": exc.message}, status=429
        )
        response["Retry-After"] = str(exc.retry_after)
        return response
    context |= {"found": found, "dossier": found.item if found else None}
    return render(request, "dossiers/track.html", context)


# --- back office --------------------------------------------------------------------------------


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Hàng đợi một cửa of one of the official's agencies."""
    user = acting_user(request)
    agency_ids = access.queue_agencies(user)
    if not agency_ids:
        raise Http404
    agencies = list(Agency.objects.filter(pk__in=agency_ids))
    agency = next((a for a in agencies if a.code == request.GET.get("agency")), agencies[0])
    which = request.GET.get("filter", "all")
    if which not in selectors.QUEUE_FILTERS:
        which = "all"
    dossiers = selectors.search_queue(
        selectors.agency_queue(agency.pk, user, which), request.GET.get("q", "")
    )
    page = page_of(request, dossiers, 50)
    return render(
        request,
        "dossiers/queue.html",
        {
            "agency": agency,
            "agencies": agencies,
            "which": which,
            "filters": [
                ("all", _("All")),
                ("new", _("New")),
                ("mine", _("Assigned to me")),
                ("due_soon", _("Due within 2 working days")),
                ("overdue", _("Overdue")),
            ],
            "page": page,
            "q": request.GET.get("q", ""),
            "can_file": access.may_file_at_counter(user, agency.pk),
            "sandbox_post": settings.POSTAL_PROVIDER == "sandbox",
        },
    )


@login_required
def counter(request: HttpRequest) -> HttpResponse:
    """Nộp hồ sơ tại quầy: a receiver files a dossier for a citizen standing at the counter."""
    user = acting_user(request)
    agencies = [
        a
        for a in Agency.objects.filter(pk__in=access.queue_agencies(user))
        if access.may_file_at_counter(user, a.pk)
    ]
    if not agencies:
        raise Http404
    agency = next(
        (a for a in agencies if a.code == request.GET.get("agency", request.POST.get("agency"))),
        agencies[0],
    )
    procedures = [p for p in current_procedures() if agency in performing_agencies(p)]
    procedure = next(
        (
            p
            for p in procedures
            if p.code == request.GET.get("procedure", request.POST.get("procedure"))
        ),
        None,
    )
    errors: dict[str, str] = {}
    data: dict[str, Any] = {}
    if request.method == "POST" and procedure is not None:
        post = request.POST
        try:
            birth = post.get("birth_date", "")
            applicant = services.find_or_create_citizen(
                personal_id=post.get("personal_id", "").strip(),
                full_name=post.get("full_name", "").strip(),
                birth_date=date.fromisoformat(birth) if birth else None,
                phone=post.get("phone", "").strip(),
                email=post.get("email", "").strip(),
                official=user,
            )
            dossier = services.submit_at_counter(
                user, applicant, procedure, agency, post, _uploads(request)
            )
        except ValueError:
            errors = {"birth_date": _("Enter a valid date (dd/mm/yyyy).")}
            messages.error(request, errors["birth_date"])
        except ServiceError as exc:
            errors = exc.errors
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Dossier %(code)s received at the counter.") % {"code": dossier.code}
            )
            return redirect("dossiers:detail", dossier.pk)
        data = application_forms.coerce(procedure.definition["form"], request.POST)
    context: dict[str, Any] = {
        "agency": agency,
        "agencies": agencies,
        "procedures": procedures,
        "procedure": procedure,
        "errors": errors,
        "post": request.POST,
    }
    if procedure is not None:
        context["fields"] = application_forms.build_fields(
            procedure.definition["form"], data, errors, get_language() or "vi"
        )
        context["components"] = [
            {"spec": spec, "error": errors.get(f"component:{spec['code']}", "")}
            for spec in procedure.components
        ]
    return render(request, "dossiers/counter.html", context, status=422 if errors else 200)
