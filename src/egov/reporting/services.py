"""The verbs of the reporting part: define and edit regimes, open periods, save, submit and
correct reports, send reminders. Each checks permission and state through :mod:`.access`, runs in
one transaction and writes the audit log; side effects run after commit."""

import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core import audit
from egov.core.errors import InvalidInput, NotAllowed, WrongState
from egov.core.models import Agency
from egov.core.queue import task_named
from egov.core.selectors import subtree_ids
from egov.identity.models import User

from . import access, periods, prefill
from .constants import (
    Aggregate,
    DeadlineKind,
    FieldKind,
    Period,
    ReportStatus,
    Scope,
)
from .models import Regime, Reminder, Report, ReportRevision

FIELD_CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
MAX_FIELDS = 60
NUMERIC = frozenset({FieldKind.INTEGER, FieldKind.DECIMAL})


# --- regimes -------------------------------------------------------------------------------------


def default_aggregate(kind: str, prefill_key: str) -> str:
    """Sum for numbers, the average for a percentage indicator, nothing for text."""
    if kind not in NUMERIC:
        return Aggregate.NONE
    source = prefill.sources().get(prefill_key)
    return Aggregate.MEAN if source and source.is_percentage else Aggregate.SUM


def _clean_field(raw: Mapping[str, Any], where: str, errors: dict[str, str]) -> dict[str, Any]:
    code = str(raw.get("code") or "").strip()
    label = str(raw.get("label") or "").strip()
    kind = str(raw.get("kind") or FieldKind.INTEGER)
    key = str(raw.get("prefill") or "").strip()
    if not FIELD_CODE_RE.match(code):
        errors[f"{where}.code"] = _("A code is a letter then letters, digits or _ (≤ 40).")
    if not label:
        errors[f"{where}.label"] = _("This field is required.")
    if kind not in FieldKind.values:
        errors[f"{where}.kind"] = _("Choose a field type.")
    known = prefill.sources()
    if key and key not in known:
        errors[f"{where}.prefill"] = _("Unknown pre-fill source.")
    if key and kind not in NUMERIC:
        errors[f"{where}.prefill"] = _("Only number fields can be pre-filled.")
    elif key in known and known[key].is_percentage and kind != FieldKind.DECIMAL:
        errors[f"{where}.prefill"] = _("A percentage goes in a decimal field.")
    aggregate = str(raw.get("aggregate") or default_aggregate(kind, key))
    if aggregate not in Aggregate.values or (aggregate != Aggregate.NONE and kind not in NUMERIC):
        errors[f"{where}.aggregate"] = _("Text fields are not rolled up.")
    ratio_of = [str(c) for c in (raw.get("ratio_of") or []) if str(c).strip()]
    return {
        "code": code,
        "label": label[:255],
        "kind": kind,
        "required": bool(raw.get("required")),
        "prefill": key,
        "aggregate": aggregate,
        "ratio_of": ratio_of if aggregate == Aggregate.RATIO else [],
    }


def clean_fields(fields: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Check a regime's field list; errors are keyed ``fields.<n>.<attribute>``."""
    errors: dict[str, str] = {}
    cleaned = [_clean_field(raw, f"fields.{n}", errors) for n, raw in enumerate(fields)]
    if not cleaned:
        errors["fields"] = _("A report needs at least one field.")
    if len(cleaned) > MAX_FIELDS:
        errors["fields"] = _("A report has at most %(n)d fields.") % {"n": MAX_FIELDS}
    kinds = {f["code"]: f["kind"] for f in cleaned}
    seen: set[str] = set()
    for n, field in enumerate(cleaned):
        if field["code"] in seen:
            errors[f"fields.{n}.code"] = _("Each field needs its own code.")
        seen.add(field["code"])
        if field["aggregate"] == Aggregate.RATIO and (
            len(field["ratio_of"]) != 2
            or any(kinds.get(code) not in NUMERIC for code in field["ratio_of"])
        ):
            errors[f"fields.{n}.ratio_of"] = _(
                "A ratio names two number fields: the numerator and the denominator."
            )
    if errors:
        raise InvalidInput(_("Check the report's fields."), errors)
    return cleaned


def _check_settings(
    *, title: str, period: str, deadline_kind: str, deadline_value: int, scope: str, chosen: list
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("This field is required.")
    if period not in Period.values:
        errors["period"] = _("Choose a period.")
    if deadline_kind not in DeadlineKind.values:
        errors["deadline_kind"] = _("Choose how the deadline is counted.")
    elif deadline_kind == DeadlineKind.WORKING_DAYS and not 0 <= deadline_value <= 60:
        errors["deadline_value"] = _("Between 0 and 60 working days.")
    elif deadline_kind == DeadlineKind.DAY_OF_MONTH and not 1 <= deadline_value <= 31:
        errors["deadline_value"] = _("A day of the month, 1 to 31.")
    if scope not in Scope.values:
        errors["scope"] = _("Choose who submits.")
    elif scope == Scope.CHOSEN and not chosen:
        errors["chosen"] = _("Choose at least one agency.")
    return errors


def _apply(regime: Regime, values: dict[str, Any]) -> list[Agency]:
    errors = _check_settings(
        title=values["title"],
        period=values["period"],
        deadline_kind=values["deadline_kind"],
        deadline_value=values["deadline_value"],
        scope=values["scope"],
        chosen=values.get("chosen") or [],
    )
    try:
        fields = clean_fields(values["fields"])
    except InvalidInput as exc:
        errors.update(exc.errors)
    if errors:
        raise InvalidInput(_("Check the highlighted fields."), errors)
    regime.title = values["title"].strip()[:255]
    regime.description = values.get("description", "").strip()
    regime.period = values["period"]
    regime.deadline_kind = values["deadline_kind"]
    regime.deadline_value = values["deadline_value"]
    regime.scope = values["scope"]
    regime.fields = fields
    regime.first_period_start = periods.period_containing(
        values["period"], values.get("first_period_start") or timezone.localdate()
    )[0]
    regime.is_active = values.get("is_active", True)
    return list(values.get("chosen") or []) if regime.scope == Scope.CHOSEN else []


def define_regime(actor: User, agency: Agency, **values: Any) -> Regime:
    """Define a periodic report of ``agency`` (title, description, period, deadline_kind,
    deadline_value, scope, chosen agencies, fields, first_period_start). Reports of periods that
    have already ended open at once."""
    if not access.can_define(actor, agency):
        raise NotAllowed(_("Only the agency's administrators define its reports."))
    with transaction.atomic():
        regime = Regime(agency=agency, created_by=actor)
        chosen = _apply(regime, values)
        regime.save()
        regime.chosen_agencies.set(chosen)
        audit.record(
            "reporting_regime_defined",
            actor=actor,
            object_type="reporting_regime",
            object_id=regime.pk,
            data={"agency": agency.code, "period": regime.period, "fields": len(regime.fields)},
        )
        open_periods(regime_id=regime.pk)
    return regime


def update_regime(actor: User, regime_id: int, **values: Any) -> Regime:
    """Change a regime. Reports already submitted keep their values (by field code); reports
    already opened keep their due dates."""
    with transaction.atomic():
        regime = Regime.objects.select_for_update().filter(pk=regime_id).first()
        if regime is None or not access.can_manage(actor, regime):
            raise NotAllowed(_("Only the agency's administrators edit its reports."))
        chosen = _apply(regime, values)
        regime.updated_at = timezone.now()
        regime.save()
        regime.chosen_agencies.set(chosen)
        audit.record(
            "reporting_regime_updated",
            actor=actor,
            object_type="reporting_regime",
            object_id=regime.pk,
            data={"period": regime.period, "fields": len(regime.fields)},
        )
        open_periods(regime_id=regime.pk)
    return regime


def obligated_agencies(regime: Regime) -> list[Agency]:
    """Who must submit now: the active agencies below the defining one, or the chosen ones."""
    if regime.scope == Scope.CHOSEN:
        return list(regime.chosen_agencies.filter(is_active=True).order_by("code"))
    below = [pk for pk in subtree_ids(regime.agency) if pk != regime.agency_id]
    return list(Agency.objects.filter(pk__in=below, is_active=True).order_by("code"))


def open_periods(today: date | None = None, regime_id: int | None = None) -> int:
    """Create the report of every obligated agency for every ended period of every active
    regime (or of one). Idempotent: returns how many reports it created."""
    today = today or timezone.localdate()
    regimes = Regime.objects.filter(is_active=True)
    if regime_id is not None:
        regimes = regimes.filter(pk=regime_id)
    created = 0
    for regime in regimes:
        agencies = obligated_agencies(regime)
        for start, end in periods.ended_periods(regime.period, regime.first_period_start, today):
            due = periods.due_date(regime.deadline_kind, regime.deadline_value, end)
            existing = set(
                Report.objects.filter(regime=regime, period_start=start).values_list(
                    "agency_id", flat=True
                )
            )
            new = [
                Report(regime=regime, agency=a, period_start=start, period_end=end, due_date=due)
                for a in agencies
                if a.pk not in existing
            ]
            Report.objects.bulk_create(new, ignore_conflicts=True)
            if new:
                created += len(new)
                audit.record(
                    "reporting_period_opened",
                    object_type="reporting_regime",
                    object_id=regime.pk,
                    data={"period_start": start.isoformat(), "reports": len(new)},
                )
    return created


# --- reports -------------------------------------------------------------------------------------


def _parse(field: dict[str, Any], raw: Any) -> Any:
    """A submitted value as stored: int, a decimal string, text, or None when empty."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None
    if field["kind"] == FieldKind.TEXT:
        return text[:5000]
    text = text.replace(" ", "").replace("\u00a0", "")
    if field["kind"] == FieldKind.INTEGER:
        if not re.fullmatch(r"-?\d{1,15}", text):
            raise ValueError
        return int(text)
    # Vietnamese writes a decimal comma: "12,5".
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ValueError from None
    if not number.is_finite() or abs(number) >= Decimal(10) ** 15:
        raise ValueError
    return str(number)


def clean_values(
    regime: Regime, raw: Mapping[str, Any], *, complete: bool
) -> tuple[dict[str, Any], dict[str, str]]:
    """(values by field code, errors by field code); ``complete`` also asks for required ones."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in regime.fields:
        try:
            value = _parse(field, raw.get(field["code"]))
        except ValueError:
            errors[field["code"]] = (
                _("Enter a whole number.")
                if field["kind"] == FieldKind.INTEGER
                else _("Enter a number (a decimal comma is fine).")
            )
            continue
        if value is None and complete and field["required"]:
            errors[field["code"]] = _("This field is required.")
        values[field["code"]] = value
    return values, errors


def suggested_values(report: Report) -> dict[str, Any]:
    """The pre-filled value of each field with a source, as a form shows it."""
    keyed = [(f["code"], f["prefill"]) for f in report.regime.fields if f.get("prefill")]
    found = prefill.suggest(keyed, report.agency, report.period_start, report.period_end)
    kinds = {f["code"]: f["kind"] for f in report.regime.fields}
    return {
        code: (int(value) if kinds[code] == FieldKind.INTEGER else str(value))
        for code, value in found.items()
        if value is not None
    }


def initial_values(report: Report) -> dict[str, Any]:
    """What the form starts from: the saved draft or submission, else the suggestions."""
    if report.status != ReportStatus.OPEN:
        return dict(report.values)
    return suggested_values(report)


def _locked_report(report_id: int, actor: User) -> Report:
    report = (
        Report.objects.select_for_update(of=("self",))
        .select_related("regime", "agency")
        .filter(pk=report_id)
        .first()
    )
    if report is None or not access.can_fill(actor, report):
        raise NotAllowed(_("Only the reporting officials of the agency fill in its report."))
    return report


def save_draft(report_id: int, actor: User, raw: Mapping[str, Any]) -> Report:
    """Keep what has been entered so far (required fields may still be empty)."""
    with transaction.atomic():
        report = _locked_report(report_id, actor)
        if report.status == ReportStatus.SUBMITTED:
            raise WrongState(_("This report has been submitted; send a correction instead."))
        values, errors = clean_values(report.regime, raw, complete=False)
        if errors:
            raise InvalidInput(_("Check the highlighted fields."), errors)
        report.values = values
        report.status = ReportStatus.DRAFT
        report.save(update_fields=["values", "status"])
        audit.record("report_draft_saved", actor=actor, object_type="report", object_id=report.pk)
    return report


def submit(
    report_id: int, actor: User, raw: Mapping[str, Any] | None = None, reason: str = ""
) -> Report:
    """Submit the report (``raw`` values, or the saved draft). A submitted report is only
    corrected: a new revision that needs a ``reason``. Lateness is judged on the first one."""
    with transaction.atomic():
        report = _locked_report(report_id, actor)
        correcting = report.status == ReportStatus.SUBMITTED
        reason = (reason or "").strip()
        if correcting and not reason:
            raise InvalidInput(
                _("Say why the submitted report is corrected."),
                {"reason": _("This field is required.")},
            )
        values, errors = clean_values(
            report.regime, report.values if raw is None else raw, complete=True
        )
        if errors:
            raise InvalidInput(_("Check the highlighted fields."), errors)
        now = timezone.now()
        late = periods.is_late(now, report.due_date)
        report.revision += 1
        ReportRevision.objects.create(
            report=report,
            number=report.revision,
            values=values,
            prefilled=suggested_values(report),
            reason=reason,
            submitted_by=actor,
            submitted_at=now,
            is_late=late,
        )
        report.values = values
        report.status = ReportStatus.SUBMITTED
        fields = ["values", "status", "revision"]
        if not correcting:
            report.submitted_at, report.is_late = now, late
            fields += ["submitted_at", "is_late"]
        report.save(update_fields=fields)
        audit.record(
            "report_corrected" if correcting else "report_submitted",
            actor=actor,
            object_type="report",
            object_id=report.pk,
            data={"revision": report.revision, "late": late},
        )
    return report


def send_reminders(
    regime_id: int,
    actor: User,
    period_start: date,
    agency_ids: Iterable[int] | None = None,
    message: str = "",
) -> list[Reminder]:
    """Remind the agencies that have not submitted for the period (all, or those named)."""
    deliver_reminder = task_named("egov.reporting.tasks.deliver_reminder")
    with transaction.atomic():
        regime = Regime.objects.filter(pk=regime_id).first()
        if regime is None or not access.can_remind(actor, regime):
            raise NotAllowed(_("Only the leaders of the agency send reminders."))
        reports = Report.objects.filter(regime=regime, period_start=period_start).exclude(
            status=ReportStatus.SUBMITTED
        )
        if agency_ids is not None:
            reports = reports.filter(agency_id__in=list(agency_ids))
        reminders = [
            Reminder.objects.create(report=report, sent_by=actor, message=message.strip()[:2000])
            for report in reports
        ]
        audit.record(
            "report_reminders_sent",
            actor=actor,
            object_type="reporting_regime",
            object_id=regime.pk,
            data={"period_start": period_start.isoformat(), "reminders": len(reminders)},
        )
        for reminder in reminders:
            transaction.on_commit(partial(deliver_reminder.enqueue, reminder.pk))
    return reminders
