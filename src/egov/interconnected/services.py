"""Interconnected applications: one submission, a dossier at each member's agency, started when
the results it needs exist, and the application kept in step with them.

- ``submit_application``: the one form and set of components checked, the application and its
  parts stored, the parts that wait for nothing filed at once;
- ``follow_dossier`` (the ``dossiers.event_recorded`` hook): a part follows its dossier's events;
  a result or a stop queues ``advance``;
- ``advance`` (a task, and idempotent): the parts whose results are there are filed, with the
  earlier results reused and the numbers the registry issues, and those that can no longer start
  are cancelled; the application's own status follows.

The rules (``docs/interconnected.md``) are the part of this module a reader needs: a member
waits for the results it needs; a member refused, rejected or withdrawn stops only itself and the
members that need its result; a supplement stops only its member's clock.
"""

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.catalog import forms as application_forms
from egov.catalog import groups as catalog_groups
from egov.catalog.models import Procedure, ProcedureGroup
from egov.core.errors import InvalidInput, NotAllowed, NotFound, ServiceError, WrongState
from egov.core.files import open_stored
from egov.core.models import Agency
from egov.core.queue import enqueue_with_commit, task_named
from egov.dossiers import access as dossier_access
from egov.dossiers import services as dossier_services
from egov.dossiers.constants import OPEN_STATUSES
from egov.dossiers.models import Dossier, DossierEvent
from egov.identity.account.registry import RegistryRefused, RegistryUnavailable, get_registry
from egov.identity.models import User, UserKind
from egov.payments import services as payments_services
from egov.repository import selectors as repository_selectors
from egov.repository import services as repository_services

from .constants import ENDED, TRACKING_CODE_FORMAT, ApplicationStatus, PartState
from .models import Activation, Application, ApplicationEvent, ApplicationFile, Part, Sequence

log = logging.getLogger(__name__)

ADVANCE = "egov.interconnected.tasks.advance"
SEND = "egov.interconnected.tasks.send_part"
WITHDRAW = "egov.interconnected.tasks.withdraw_part"


# --- the group as the applicant sees it ---------------------------------------------------------


def definition_of(group: ProcedureGroup) -> catalog_groups.GroupDefinition:
    """The group's definition, parsed once per group object (one request or task)."""
    parsed = group.__dict__.get("_parsed_definition")
    if parsed is None:
        parsed = catalog_groups.GroupDefinition.model_validate(group.definition)
        group.__dict__["_parsed_definition"] = parsed
    return parsed


def member_procedures(group: ProcedureGroup) -> dict[str, Procedure]:
    """The current version of each member procedure, by code; read once per group object."""
    found = group.__dict__.get("_member_procedures")
    if found is None:
        rows = Procedure.objects.filter(is_current=True, code__in=group.members)
        found = group.__dict__["_member_procedures"] = {p.code: p for p in rows}
    return found


def _definitions(group: ProcedureGroup) -> dict[str, dict[str, Any]]:
    return {code: p.definition for code, p in member_procedures(group).items()}


def chosen_members(group: ProcedureGroup, wanted: list[str]) -> list[str]:
    """The members an application holds: the required ones and the optional ones wanted,
    within the group's bounds."""
    definition = definition_of(group)
    unknown = set(wanted) - set(group.members)
    if unknown:
        raise InvalidInput(
            _("These procedures are not part of this group."), {"members": ", ".join(unknown)}
        )
    chosen = [member.procedure for member in definition.chosen(wanted)]
    if not definition.choose.min <= len(chosen) <= definition.choose.max:
        raise InvalidInput(
            _("Choose between %(min)s and %(max)s procedures of this group.")
            % {"min": definition.choose.min, "max": definition.choose.max},
            {"members": _("Choose the procedures you need.")},
        )
    return chosen


def application_form(group: ProcedureGroup, chosen: list[str]) -> dict[str, Any]:
    """The one form of the chosen members (``catalog.groups.union_form``)."""
    return catalog_groups.union_form(definition_of(group), _definitions(group), chosen)


def upload_components(group: ProcedureGroup, chosen: list[str]) -> list[dict[str, Any]]:
    return catalog_groups.upload_components(definition_of(group), _definitions(group), chosen)


def processing_days(group: ProcedureGroup, chosen: list[str], verified: Iterable[str] = ()) -> int:
    """The group's deadline in working days; ``verified``: the members whose dossiers need
    verification (``catalog.groups.processing_days``)."""
    return catalog_groups.processing_days(
        definition_of(group), _definitions(group), chosen, verified
    )


def identity_level(group: ProcedureGroup) -> int:
    """The strongest identity any member asks: the application files them all."""
    return max(
        (dossier_access.required_identity_level(p) for p in member_procedures(group).values()),
        default=1,
    )


# --- where each member is performed ------------------------------------------------------------


def activation_for(group: ProcedureGroup, place: Agency) -> Activation | None:
    """The activation under which ``place`` files ``group`` (the place is inside its province)."""
    for activation in Activation.objects.filter(group_code=group.code).select_related("province"):
        if place.code in activation.routes and activation.since <= timezone.localdate():
            return activation
    return None


def places_for(group: ProcedureGroup) -> list[Agency]:
    """The agencies where the group can be filed now (the first member's agency)."""
    codes = {
        code
        for activation in Activation.objects.filter(group_code=group.code)
        if activation.since <= timezone.localdate()
        for code in activation.routes
    }
    return list(Agency.objects.filter(code__in=codes, is_active=True).order_by("code"))


class _DatesAsText(yaml.SafeLoader):
    """YAML with dates left as text: a wrong date is then refused naming its entry, instead of
    failing the whole read ("month must be in 1..12")."""


_DatesAsText.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_activations(path: Path) -> list[dict[str, Any]]:
    """The entries of an activations file (``data/interconnected.yaml``), for
    :func:`load_activations`; a file that cannot be read is refused saying why."""
    try:
        entries = yaml.load(path.read_text("utf-8"), Loader=_DatesAsText)  # noqa: S506
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidInput(f"{path}: cannot be read: {exc}") from exc
    if not isinstance(entries, list):
        raise InvalidInput(f"{path}: must hold a list of activations")
    return entries


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def load_activations(entries: list[dict[str, Any]]) -> int:
    """Store the provinces' activations (``data/interconnected.yaml``), all or nothing. Refused,
    naming each entry and what is wrong with it: an unknown group, province or agency, a place
    outside the province, a ``since`` that is not a date, a route naming a procedure that is not
    a later member, or an agency that does not perform the member it is routed."""
    from egov.catalog.selectors import performing_agencies
    from egov.core.selectors import subtree_ids

    problems: list[str] = []
    rows: list[tuple[str, Agency, date, dict[str, Any]]] = []
    seen: set[tuple[str, str]] = set()
    for n, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problems.append(f"entry {n}: must be a mapping (group, province, since, routes)")
            continue
        where = f"entry {n} ({entry.get('group')} in {entry.get('province')})"
        group = ProcedureGroup.objects.filter(code=entry.get("group"), is_current=True).first()
        province = Agency.objects.filter(code=entry.get("province")).first()
        since = _day(entry.get("since"))
        if group is None:
            problems.append(f"{where}: unknown group {entry.get('group')!r}")
        if province is None:
            problems.append(f"{where}: unknown province {entry.get('province')!r}")
        if since is None:
            problems.append(f"{where}: since {entry.get('since')!r} is not a date (YYYY-MM-DD)")
        routes = entry.get("routes") or {}
        if not isinstance(routes, dict) or not all(isinstance(r, dict) for r in routes.values()):
            problems.append(f"{where}: routes must map each place to {{procedure: agency}}")
            continue
        if group is None or province is None:
            continue
        if (group.code, province.code) in seen:
            problems.append(f"{where}: listed twice")
        seen.add((group.code, province.code))
        procedures = member_procedures(group)
        first, *others = group.members
        inside = set(subtree_ids(province))
        for place, route in routes.items():
            at = f"{where}: routes.{place}"
            strangers = sorted(set(route) - set(others))
            if strangers:
                problems.append(f"{at}: not later members of {group.code} {strangers}")
            targets = {first: place, **route}
            for code in group.members:
                target = targets.get(code)
                agency = Agency.objects.filter(code=target).first()
                if target is None:
                    problems.append(f"{at}: no agency for {code}")
                elif agency is None:
                    problems.append(f"{at}: unknown agency {target!r} for {code}")
                elif agency.pk not in inside:
                    problems.append(f"{at}: {target} is not in the province {province.code}")
                elif agency not in performing_agencies(procedures[code]):
                    problems.append(f"{at}: {target} does not perform {code}")
        unknown = set(entry.get("remote") or {}) - set(others)
        if unknown:
            problems.append(f"{where}: remote: not later members {sorted(unknown)}")
        if since is not None:
            rows.append((group.code, province, since, entry))
    if problems:
        raise InvalidInput("; ".join(problems))
    with transaction.atomic():
        for code, province, since, entry in rows:
            Activation.objects.update_or_create(
                group_code=code,
                province=province,
                defaults={
                    "since": since,
                    "routes": entry.get("routes") or {},
                    "remote": entry.get("remote") or {},
                    "id_province": str(entry.get("id_province", "")),
                },
            )
    return len(rows)


# --- submission --------------------------------------------------------------------------------


def _record(
    application: Application, kind: str, actor: User | None, part: str = "", **data: Any
) -> None:
    ApplicationEvent.objects.create(
        application=application, kind=kind, actor=actor, part=part, data=data
    )


def _tracking_code(place: Agency, now: Any) -> str:
    sequence = Sequence.objects.filter(place=place)
    if not sequence.update(last=F("last") + 1):
        try:
            with transaction.atomic():
                Sequence.objects.create(place=place, last=1)
        except IntegrityError:
            sequence.update(last=F("last") + 1)
    number = sequence.values_list("last", flat=True).get()
    return TRACKING_CODE_FORMAT.format(
        unit=place.unit_code, day=timezone.localtime(now), number=number
    )


def submit_application(
    applicant: User,
    group: ProcedureGroup,
    place: Agency,
    wanted: list[str],
    raw_form: Mapping[str, Any],
    uploads: Mapping[str, dossier_services.Upload],
) -> Application:
    """File ``group`` at ``place`` once: the form and components checked as one, the application
    and a part per chosen member stored, and the parts that wait for nothing filed at once (the
    others follow their results). Refusals name each field and component at fault."""
    if applicant.kind != UserKind.CITIZEN:
        raise NotAllowed(_("Only citizens submit dossiers online."))
    if applicant.identity_level < identity_level(group):
        raise dossier_services.IdentityLevelRequired(
            _(
                "This procedure can only be filed online with an account verified at level"
                " %(required)s; yours is at level %(current)s. Verify your identity on your"
                " account page, then try again."
            )
            % {"required": identity_level(group), "current": applicant.identity_level}
        )
    activation = activation_for(group, place)
    if activation is None:
        raise InvalidInput(
            _("This group of procedures is not offered at this agency."),
            {"place": _("Choose an agency where it is offered.")},
        )
    chosen = chosen_members(group, wanted)
    form = application_form(group, chosen)
    form_data = application_forms.coerce(form, raw_form)
    errors = application_forms.validate(form, form_data)
    components = upload_components(group, chosen)
    known = {component["code"] for component in components}
    for code in uploads:
        if code not in known:
            errors[f"component:{code}"] = _("This application has no such component.")
    for component in components:
        if component["required"] and component["code"] not in uploads:
            errors[f"component:{component['code']}"] = _("This document is required.")
    if errors:
        raise InvalidInput(_("The application is not complete yet."), errors)
    stored = {code: dossier_services.store_upload(upload) for code, upload in uploads.items()}
    definition = definition_of(group)
    now = timezone.now()
    routes = {group.members[0]: place.code, **activation.routes[place.code]}
    with transaction.atomic():
        application = Application.objects.create(
            code=_tracking_code(place, now),
            group=group,
            applicant=applicant,
            place=place,
            members=chosen,
            form_data=form_data,
            submitted_at=now,
            due_at=dossier_services.legal_deadline(now, processing_days(group, chosen)),
        )
        for code, (file, filename) in stored.items():
            ApplicationFile.objects.create(
                application=application, code=code, file=file, filename=filename
            )
        agencies = {a.code: a for a in Agency.objects.filter(code__in=routes.values())}
        for position, member in enumerate(definition.chosen(chosen)):
            Part.objects.create(
                application=application,
                procedure_code=member.procedure,
                position=position,
                agency=agencies[routes[member.procedure]],
                remote_service=activation.remote.get(member.procedure, ""),
                waits_for=[code for code in member.waits_for if code in chosen],
            )
        _record(application, "submitted", applicant, members=chosen)
        advance(application.pk)
    return application


# --- following the dossiers --------------------------------------------------------------------

#: What a dossier's event makes of its part.
_PART_STATE = {
    "submitted": PartState.FILED,
    "received": PartState.FILED,
    "supplement_requested": PartState.SUPPLEMENT,
    "supplemented": PartState.FILED,
    "result_signed": PartState.RESULT,
    "refused": PartState.STOPPED,
    "rejected": PartState.STOPPED,
    "withdrawn": PartState.STOPPED,
}


#: The events a part follows: those above, and those that change what it shows.
FOLLOWED = frozenset(
    {
        *_PART_STATE,
        "returned",
        "apologised",
        "extended_for_verification",
        "payment_requested",
        "paid",
        "payment_request_closed",
    }
)


@dataclass(frozen=True)
class Progress:
    """What one event of a member's dossier says, here or on the deployment performing it."""

    kind: str
    status: str
    receipt_code: str
    due_at: datetime | None
    at: datetime
    #: The official's reason for a supplement or a stop.
    note: str = ""
    result_document_id: int | None = None


def follow_dossier(event: DossierEvent) -> None:
    """The ``dossiers.event_recorded`` hook: the part whose dossier this is follows it."""
    if event.kind not in FOLLOWED:
        return
    part = Part.objects.filter(dossier_id=event.dossier_id).select_related("application").first()
    if part is None:
        return
    dossier = event.dossier
    result = None
    if event.kind == "result_signed":
        document = repository_selectors.signed_result_of(dossier.pk)
        result = document.pk if document else None
    progress = Progress(
        kind=event.kind,
        status=dossier.status,
        receipt_code=dossier.code or "",
        due_at=dossier.promised_at or dossier.due_at,
        at=event.at,
        note=dossier.supplement_reason
        if event.kind == "supplement_requested"
        else dossier.decision_reason or str((event.data or {}).get("reason", "")),
        result_document_id=result,
    )
    apply_progress(part, progress, event.actor)


def apply_progress(part: Part, progress: Progress, actor: User | None = None) -> None:
    """The part takes its dossier's status, receipt code and deadline; a result or a stop moves
    the application on (after the commit)."""
    part.dossier_status = progress.status
    part.receipt_code = progress.receipt_code
    part.due_at = progress.due_at
    state = _PART_STATE.get(progress.kind)
    if progress.kind == "payment_requested" and part.state not in ENDED:
        part.note = _("The fees of this procedure are due: pay them on its dossier's page.")
    elif progress.kind in {"paid", "payment_request_closed"} and part.state == PartState.FILED:
        part.note = ""
    if state is not None and part.state not in ENDED:
        part.state = state
        if state in (PartState.SUPPLEMENT, PartState.STOPPED):
            part.note = progress.note
        elif state is PartState.FILED:
            part.note = ""
        if state in ENDED:
            part.finished_at = progress.at
        if state is PartState.RESULT:
            part.result_document_id = progress.result_document_id
    part.save()
    if state is not None:
        _record(part.application, f"part_{progress.kind}", actor, part.procedure_code)
    if progress.kind == "extended_for_verification":
        extend_for_verification(part, actor)
    if state in ENDED:
        enqueue_with_commit(task_named(ADVANCE), part.application_id)


def extend_for_verification(part: Part, actor: User | None = None) -> None:
    """A member's dossier needs verification and has its longer legal time (the part already
    took the dossier's new due date): the application's deadline moves where the group's
    depends on it, that is to the group's own longer time (the birth group: 5 working days
    instead of 3) or, for a group without one, to the longest chain counting each extended
    member's longer time. Counted from the application's submission, as its deadline is; it
    never moves earlier."""
    application = part.application
    _record(application, "part_extended_for_verification", actor, part.procedure_code)
    verified = set(
        application.events.filter(kind="part_extended_for_verification").values_list(
            "part", flat=True
        )
    )
    days = processing_days(application.group, list(application.members), verified)
    due = dossier_services.legal_deadline(application.submitted_at, days)
    if due > application.due_at:
        Application.objects.filter(pk=application.pk, due_at__lt=due).update(due_at=due)
        application.due_at = due
        _record(
            application, "deadline_extended", actor, part.procedure_code, due_at=due.isoformat()
        )


# --- moving on ----------------------------------------------------------------------------------


def advance(application_id: int) -> Application:
    """File each waiting part whose results are all there; cancel each that can no longer start
    (a member it needs ended without a result); then the application's status. Idempotent: a
    part is filed once (its row locked, its dossier recorded in the same transaction)."""
    issue_numbers(application_id)
    with transaction.atomic():
        application = (
            Application.objects.select_for_update()
            .select_related("group", "applicant")
            .get(pk=application_id)
        )
        parts = list(application.parts.select_for_update().select_related("agency"))
        by_code = {part.procedure_code: part for part in parts}
        for part in parts:
            if part.state != PartState.WAITING:
                continue
            needed = [by_code[code] for code in part.waits_for]
            failed = [p for p in needed if p.state in (PartState.STOPPED, PartState.CANCELLED)]
            if failed:
                part.state, part.finished_at = PartState.CANCELLED, timezone.now()
                part.note = _("It cannot start without the result of procedure %(codes)s.") % {
                    "codes": ", ".join(p.procedure_code for p in failed)
                }
                part.save()
                _record(application, "part_cancelled", None, part.procedure_code)
            elif all(p.state == PartState.RESULT for p in needed):
                _start(application, part, by_code)
        _settle(application)
    settle_fees(application)
    return application


def settle_fees(application: Application) -> None:
    """Fees paid once (``fees.py``): each part filed here takes its share of the application's
    paid group payment, and a part that will never be filed, or was stopped before its share
    reached it, has its share refunded. Each in its own transaction after the application's,
    the dossier locked first as every payment write does; each once, however often run."""
    group = payments_services.paid_group_payment(application.code)
    if group is None:
        return
    for part in application.parts.filter(remote_service=""):
        with transaction.atomic():
            if part.state in (PartState.STOPPED, PartState.CANCELLED):
                if payments_services.refund_share(group, part.procedure_code, part.note):
                    _record(application, "share_refunded", None, part.procedure_code)
            elif part.dossier_id is not None:
                payments_services.allocate_share(group, part.procedure_code, part.dossier_id)


def _settle(application: Application) -> None:
    if application.status != ApplicationStatus.PROCESSING:
        return
    parts = list(application.parts.all())
    if not all(part.state in ENDED for part in parts):
        return
    results = sum(part.state == PartState.RESULT for part in parts)
    application.status = (
        ApplicationStatus.COMPLETED
        if results == len(parts)
        else ApplicationStatus.PARTLY
        if results
        else ApplicationStatus.REFUSED
    )
    application.finished_at = max(part.finished_at or timezone.now() for part in parts)
    application.save(update_fields=["status", "finished_at"])
    _record(application, "finished", None, status=application.status)


def _needs(application: Application, part: Part) -> set[str]:
    """The issued numbers ``part``'s form takes."""
    definition = definition_of(application.group)
    procedure = member_procedures(application.group)[part.procedure_code].definition
    member = definition.member(part.procedure_code)
    asked = {member.fields.get(name, name) for name in procedure["form"]["schema"]["properties"]}
    return asked & set(definition.issues)


def issue_numbers(application_id: int) -> None:
    """Ask the population registry for the numbers whose member has its result (the child's
    personal ID number once the birth is registered), outside any transaction: a call to
    another system never holds this database. Keyed by the member's receipt code, so asking
    again answers the same number. When the registry cannot answer, the parts that need the
    number wait for the next run; when it refuses, they say why."""
    application = Application.objects.select_related("group", "applicant", "place").get(
        pk=application_id
    )
    if application.status != ApplicationStatus.PROCESSING:
        return
    by_code = {part.procedure_code: part for part in application.parts.all()}
    for field, issue in definition_of(application.group).issues.items():
        source = by_code.get(issue.after)
        waiting = [
            part
            for part in by_code.values()
            if part.state == PartState.WAITING and field in _needs(application, part)
        ]
        if field in application.issued or source is None or source.state != PartState.RESULT:
            continue
        if not waiting:
            continue
        data = application.form_data
        relationship = str(data.get("relationship", ""))
        parent = application.applicant.personal_id or ""
        try:
            number = get_registry().register_birth(
                registration_key=source.receipt_code,
                full_name=str(data[issue.full_name]),
                birth_date=date.fromisoformat(str(data[issue.birth_date])),
                sex="female" if data.get(issue.sex) == "Nữ" else "male",
                birth_province=_activation_of(application).id_province,
                mother_personal_id=parent if relationship == "Mẹ" else "",
                father_personal_id=parent if relationship == "Cha" else "",
            )
        except RegistryUnavailable:
            log.warning("interconnected_number_not_issued", extra={"application": application.pk})
            continue
        except RegistryRefused as exc:
            # Recorded for the officials and the applicant to put right; then asked again.
            note = _("The population registry did not issue the number: %(reason)s") % {
                "reason": exc
            }
            with transaction.atomic():
                Part.objects.filter(pk__in=[part.pk for part in waiting]).update(note=note)
                _record(application, "number_refused", None, issue.after, field=field)
            continue
        with transaction.atomic():
            locked = Application.objects.select_for_update().get(pk=application.pk)
            if field not in locked.issued:
                locked.issued = {**locked.issued, field: number}
                locked.save(update_fields=["issued"])
                _record(locked, "number_issued", None, issue.after, field=field)


def _activation_of(application: Application) -> Activation:
    activation = activation_for(application.group, application.place)
    if activation is None:
        raise WrongState(_("This group of procedures is no longer offered at this agency."))
    return activation


def _start(application: Application, part: Part, by_code: Mapping[str, Part]) -> None:
    """File ``part``'s dossier at its agency: its form from the application's (and the issued
    numbers), the applicant's components, and the earlier results reused from the repository."""
    if _needs(application, part) - set(application.issued):
        return  # a number the registry has not issued yet (``issue_numbers`` says why)
    if part.remote_service:
        # Handed to the deployment performing it, after the commit (``remote.send``); a retry
        # is harmless: that deployment files a key once.
        if part.sent_at is None:
            enqueue_with_commit(task_named(SEND), part.pk)
        return
    group = application.group
    member = definition_of(group).member(part.procedure_code)
    procedure = member_procedures(group)[part.procedure_code]
    own = {spec["code"] for spec in procedure.components} - set(member.results)
    uploads = {
        kept.code: dossier_services.Upload(kept.filename, open_stored(kept.file))
        for kept in application.files.select_related("file")
        if kept.code in own
    }
    try:
        with transaction.atomic():
            dossier = _file(application, part, member, procedure, uploads, by_code)
    except ServiceError as exc:
        # A member that cannot be filed (its form, a component) waits, said on the page; an
        # operator fixes the cause and ``manage.py advance_applications`` files it.
        part.note = exc.message
        part.save(update_fields=["note"])
        _record(application, "part_not_filed", None, part.procedure_code, code=exc.code)
        log.warning("interconnected_part_not_filed", extra={"part": part.pk, "code": exc.code})
        return
    _record(application, "part_filed", None, part.procedure_code, dossier=dossier.pk)


def _file(
    application: Application,
    part: Part,
    member: catalog_groups.Member,
    procedure: Procedure,
    uploads: dict[str, dossier_services.Upload],
    by_code: Mapping[str, Part],
) -> Dossier:
    """Start, fill, reuse and submit the dossier of ``part`` as its applicant; the part records
    it in the same transaction, so it is filed once."""
    applicant = application.applicant
    values = {**application.form_data, **application.issued}
    dossier = dossier_services.start_draft(applicant, procedure, part.agency)
    form_data = catalog_groups.member_data(member, procedure.definition, values)
    dossier_services.save_draft(dossier.pk, applicant, form_data, uploads)
    if group_payment := payments_services.paid_group_payment(application.code):
        # Its share paid before it is submitted, so the dossier never asks for its fees.
        payments_services.allocate_share(group_payment, part.procedure_code, dossier.pk)
    for code, source in member.results.items():
        document = repository_selectors.signed_result_of(by_code[source].dossier_id)
        if document is None:
            raise WrongState(_("The earlier result is not in the data repository yet."))
        repository_services.reuse_document(dossier.pk, applicant, code, document.pk)
    part.dossier_id, part.note = dossier.pk, ""
    part.save(update_fields=["dossier_id", "note"])
    return dossier_services.submit(dossier.pk, applicant)


def withdraw_application(application_id: int, applicant: User, reason: str = "") -> Application:
    """Rút hồ sơ: every part not ended is withdrawn (its dossier) or cancelled (not filed yet)."""
    application = Application.objects.filter(pk=application_id, applicant=applicant).first()
    if application is None:
        raise NotFound(_("Application not found."))
    if application.status != ApplicationStatus.PROCESSING:
        raise WrongState(_("This application is finished; it cannot be withdrawn."))
    with transaction.atomic():
        for part in application.parts.select_for_update():
            if part.state in ENDED:
                continue
            if part.dossier_id and part.dossier_status in OPEN_STATUSES:
                dossier_services.withdraw(part.dossier_id, applicant, reason)
            elif part.remote_service and part.sent_at is not None:
                # Its dossier is on the deployment performing it: withdrawn there (a task, after
                # the commit); its "withdrawn" event, or its result if it ended first, comes back.
                enqueue_with_commit(task_named(WITHDRAW), part.pk, reason.strip())
            else:
                part.state, part.finished_at = PartState.CANCELLED, timezone.now()
                part.note = _("Withdrawn by the applicant.")
                part.save()
        application.status = ApplicationStatus.WITHDRAWN
        application.finished_at = timezone.now()
        application.save(update_fields=["status", "finished_at"])
        _record(application, "withdrawn", applicant, reason=reason.strip())
        enqueue_with_commit(task_named(ADVANCE), application.pk)  # refunds unused fee shares
    return application
