"""Pages of the reporting part: regimes, reports to fill in, who has submitted, roll-up exports,
and the leader's dashboard. Views stay thin: access through :mod:`.access`, writes through
:mod:`.services`, reads through :mod:`.selectors`."""

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from egov.core.errors import ServiceError
from egov.core.models import Agency
from egov.core.pagination import page_of
from egov.identity.auth import acting_user

from . import access, exports, prefill, selectors, services
from .constants import (
    Aggregate,
    DeadlineKind,
    FieldKind,
    Period,
    ReportStatus,
    Scope,
)
from .models import Regime, Report

EXTRA_FIELD_ROWS = 4
DUE_SOON_DAYS = 3
#: Rows of each list of the index and the dashboard, paged through ``page_of``.
PER_PAGE = 50


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Báo cáo: the reports one's agencies owe, and the regimes one follows."""
    user = acting_user(request)
    if not user.is_official:
        raise Http404
    reports = access.own_reports(user).prefetch_related("reminders")
    return render(
        request,
        "reporting/index.html",
        {
            "open_reports": page_of(
                request, reports.exclude(status=ReportStatus.SUBMITTED), PER_PAGE, "open"
            ),
            "submitted_reports": page_of(
                request, reports.filter(status=ReportStatus.SUBMITTED), PER_PAGE, "submitted"
            ),
            "regimes": access.followed_regimes(user),
            "can_define": access.definable_agencies(user).exists(),
            "dashboards": access.dashboard_agencies(user),
        },
    )


# --- regimes -------------------------------------------------------------------------------------


def _field_rows(post: Any, count: int) -> list[dict[str, Any]]:
    rows = []
    for n in range(count):
        prefix = f"field-{n}-"
        code, label = post.get(prefix + "code", "").strip(), post.get(prefix + "label", "").strip()
        if not code and not label:
            continue
        rows.append(
            {
                "code": code,
                "label": label,
                "kind": post.get(prefix + "kind", FieldKind.INTEGER),
                "required": post.get(prefix + "required") == "on",
                "prefill": post.get(prefix + "prefill", ""),
                "aggregate": post.get(prefix + "aggregate", ""),
                "ratio_of": [c.strip() for c in post.get(prefix + "ratio_of", "").split(",")],
            }
        )
    return rows


def _regime_values(post: Any) -> dict[str, Any]:
    value = post.get("deadline_value", "")
    first = post.get("first_period_start", "")
    try:
        first_day = date.fromisoformat(first) if first else None
    except ValueError:
        first_day = None
    return {
        "title": post.get("title", ""),
        "description": post.get("description", ""),
        "period": post.get("period", ""),
        "deadline_kind": post.get("deadline_kind", ""),
        "deadline_value": int(value) if value.isdigit() else -1,
        "scope": post.get("scope", ""),
        "chosen": list(Agency.objects.filter(code__in=post.getlist("chosen"), is_active=True)),
        "fields": _field_rows(post, int(post.get("field_rows", "0") or 0)),
        "first_period_start": first_day,
        "is_active": post.get("is_active", "on") == "on",
    }


def _regime_form(
    request: HttpRequest,
    *,
    regime: Regime | None,
    agencies: list[Agency],
    agency: Agency,
    values: dict[str, Any],
    errors: dict[str, str],
) -> HttpResponse:
    fields = list(values.get("fields", []))
    rows = [*fields, *({} for _ in range(EXTRA_FIELD_ROWS))]
    return render(
        request,
        "reporting/regime_form.html",
        {
            "regime": regime,
            "agencies": agencies,
            "agency": agency,
            "values": values,
            "chosen_codes": {a.code for a in values.get("chosen", [])},
            "all_agencies": Agency.objects.filter(is_active=True).exclude(pk=agency.pk),
            "rows": [
                {
                    "n": n,
                    "f": f,
                    "errors": {
                        k.split(".")[-1]: v
                        for k, v in errors.items()
                        if k.startswith(f"fields.{n}.")
                    },
                }
                for n, f in enumerate(rows)
            ],
            "field_rows": len(rows),
            "errors": errors,
            "periods": Period.choices,
            "deadline_kinds": DeadlineKind.choices,
            "scopes": Scope.choices,
            "kinds": FieldKind.choices,
            "aggregates": Aggregate.choices,
            "sources": prefill.choices(),
        },
        status=422 if errors else 200,
    )


@login_required
def define(request: HttpRequest) -> HttpResponse:
    """Define a periodic report for one of the agencies one administers."""
    user = acting_user(request)
    agencies = list(access.definable_agencies(user))
    if not agencies:
        raise Http404
    code = request.POST.get("agency", request.GET.get("agency", ""))
    agency = next((a for a in agencies if a.code == code), agencies[0])
    values: dict[str, Any] = {
        "period": Period.MONTHLY,
        "deadline_kind": DeadlineKind.WORKING_DAYS,
        "deadline_value": 5,
        "scope": Scope.SUBORDINATES,
        "first_period_start": timezone.localdate().replace(day=1),
        "fields": [],
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = _regime_values(request.POST)
        try:
            regime = services.define_regime(user, agency, **values)
        except ServiceError as exc:
            errors = exc.errors or {"__all__": exc.message}
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The report “%(title)s” is defined.") % {"title": regime})
            return redirect("reporting:regime", regime.pk)
    return _regime_form(
        request, regime=None, agencies=agencies, agency=agency, values=values, errors=errors
    )


@login_required
def edit(request: HttpRequest, regime_id: int) -> HttpResponse:
    user = acting_user(request)
    regime = access.access_regime(user, regime_id, "edit")
    if not access.can_manage(user, regime):
        raise Http404
    values: dict[str, Any] = {
        "title": regime.title,
        "description": regime.description,
        "period": regime.period,
        "deadline_kind": regime.deadline_kind,
        "deadline_value": regime.deadline_value,
        "scope": regime.scope,
        "chosen": list(regime.chosen_agencies.all()),
        "fields": regime.fields,
        "first_period_start": regime.first_period_start,
        "is_active": regime.is_active,
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = _regime_values(request.POST)
        try:
            services.update_regime(user, regime.pk, **values)
        except ServiceError as exc:
            errors = exc.errors or {"__all__": exc.message}
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("reporting:regime", regime.pk)
    return _regime_form(
        request,
        regime=regime,
        agencies=[regime.agency],
        agency=regime.agency,
        values=values,
        errors=errors,
    )


def _period(request: HttpRequest, regime: Regime) -> tuple[date | None, list[date]]:
    starts = selectors.regime_periods(regime)
    wanted = request.GET.get("period", request.POST.get("period", ""))
    chosen = next((s for s in starts if s.isoformat() == wanted), starts[0] if starts else None)
    return chosen, starts


@login_required
def regime(request: HttpRequest, regime_id: int) -> HttpResponse:
    """Who has submitted for a period (on time, late, missing), the roll-up, reminders."""
    user = acting_user(request)
    found = access.access_regime(user, regime_id)
    period_start, starts = _period(request, found)
    summary = selectors.rollup(found, period_start) if period_start else None
    return render(
        request,
        "reporting/regime.html",
        {
            "regime": found,
            "period_start": period_start,
            "starts": starts,
            "summary": summary,
            "rows": [
                {"report": r, "cells": [r.values.get(f["code"]) for f in found.fields]}
                for r in (summary.reports if summary else [])
            ],
            "totals": [summary.totals.get(f["code"]) for f in found.fields] if summary else [],
            "can_manage": access.can_manage(user, found),
            "can_remind": access.can_remind(user, found),
        },
    )


@login_required
@require_POST
def remind(request: HttpRequest, regime_id: int) -> HttpResponse:
    user = acting_user(request)
    found = access.access_regime(user, regime_id, "remind")
    period_start, _starts = _period(request, found)
    if period_start is None:
        raise Http404
    agencies = request.POST.getlist("agency")
    ids = list(Agency.objects.filter(code__in=agencies).values_list("pk", flat=True))
    try:
        sent = services.send_reminders(
            found.pk,
            user,
            period_start,
            ids if agencies else None,
            request.POST.get("message", ""),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Reminders sent: %(n)d.") % {"n": len(sent)})
    return redirect(f"{reverse('reporting:regime', args=[found.pk])}?period={period_start}")


@login_required
def export(request: HttpRequest, regime_id: int, extension: str) -> HttpResponse:
    """The period's roll-up as CSV or XLSX."""
    if extension not in ("csv", "xlsx"):
        raise Http404
    found = access.access_regime(acting_user(request), regime_id, "export")
    period_start, _starts = _period(request, found)
    if period_start is None:
        raise Http404
    summary = selectors.rollup(found, period_start)
    return exports.download(summary, extension)


# --- reports -------------------------------------------------------------------------------------


def _form_rows(report: Report, values: dict[str, Any], errors: dict[str, str]) -> list[dict]:
    suggested = services.suggested_values(report) if report.status != "submitted" else {}
    sources = prefill.sources()
    return [
        {
            "f": spec,
            "value": values.get(spec["code"]),
            "error": errors.get(spec["code"], ""),
            "suggested": suggested.get(spec["code"]),
            "source": sources[spec["prefill"]].label if spec.get("prefill") in sources else "",
        }
        for spec in report.regime.fields
    ]


@login_required
def report(request: HttpRequest, report_id: int) -> HttpResponse:
    """Fill in, save and submit a report (pre-filled values editable); or read a submitted one
    and send a correction with its reason."""
    user = acting_user(request)
    found = access.access_report(user, report_id)
    can_fill = access.can_fill(user, found)
    values, errors = services.initial_values(found), {}
    if request.method == "POST":
        if not can_fill:
            raise Http404
        action = request.POST.get("action", "save")
        try:
            if action == "save":
                services.save_draft(found.pk, user, request.POST)
                messages.success(request, _("Draft saved."))
            else:
                services.submit(found.pk, user, request.POST, request.POST.get("reason", ""))
                messages.success(request, _("The report has been submitted."))
            return redirect("reporting:report", found.pk)
        except ServiceError as exc:
            errors = exc.errors
            messages.error(request, exc.message)
            values = {k: request.POST.get(k, "") for k in (f["code"] for f in found.regime.fields)}
    return render(
        request,
        "reporting/report.html",
        {
            "report": found,
            "rows": _form_rows(found, values, errors),
            "errors": errors,
            "reason": request.POST.get("reason", ""),
            "can_fill": can_fill,
            "standing": selectors.standing(found),
            "revisions": found.revisions.select_related("submitted_by"),
            "reminders": found.reminders.all()[:10],
            "follows": access.can_follow(user, found.regime),
        },
        status=422 if errors else 200,
    )


# --- the leader's dashboard -----------------------------------------------------------------------


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Bảng điều hành of one's agency: dossiers by status, overdue and due soon, the on-time
    rate of the month, and the reports the agency still owes."""
    user = acting_user(request)
    agencies = list(access.dashboard_agencies(user))
    if not agencies:
        raise Http404
    wanted = request.GET.get("agency")
    agency = next((a for a in agencies if a.code == wanted), None if wanted else agencies[0])
    if agency is None:
        raise Http404
    days_text = request.GET.get("days", "")
    days = int(days_text) if days_text.isdigit() and 0 < int(days_text) <= 30 else DUE_SOON_DAYS
    counts = selectors.status_counts(agency)
    return render(
        request,
        "reporting/dashboard.html",
        {
            "agency": agency,
            "agencies": agencies,
            "counts": counts,
            "largest": max([n for _s, _l, n in counts] + [1]),
            "overdue": page_of(request, selectors.overdue(agency, user), PER_PAGE, "overdue"),
            "due_soon": page_of(request, selectors.due_within(agency, days), PER_PAGE, "due_soon"),
            "days": days,
            "on_time": selectors.on_time_this_month(agency),
            "month": timezone.localdate(),
            "obligations": selectors.open_obligations(agency),
        },
    )
