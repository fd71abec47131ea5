"""Every write to a dossier is one of these verbs.

Each checks the actor's capacity and the dossier's state, changes the state and appends the event
in one transaction, and schedules notifications for after the commit. Pages, API, admin and tests
call them; nothing else saves a dossier.
"""

import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.catalog import forms as application_forms
from egov.catalog.models import Procedure
from egov.catalog.selectors import performing_agencies
from egov.core import calendar, notify
from egov.core.errors import (
    InvalidInput,
    NotAllowed,
    NotFound,
    StaleVersion,
    WrongState,
)
from egov.core.files import clean_filename, read_checked_upload, store_bytes
from egov.core.models import Agency, StoredFile
from egov.identity.models import Organisation, User, UserKind
from egov.identity.services import CitizenOrigin, create_citizen

from . import access
from .constants import (
    NOTIFIED_EVENTS,
    OWN_EVENTS,
    RECEIPT_CODE_FORMAT,
    TRANSITIONS,
    Channel,
    ComponentSource,
    Satisfaction,
    Status,
)
from .models import (
    Dossier,
    DossierComponent,
    DossierEvent,
    ReceiptSequence,
)
from .notifications import compose

#: A procedure "within the day" is due at the end of office hours.
WORKDAY_END = time(17, 0)


class IdentityLevelRequired(NotAllowed):
    """The procedure asks for a stronger identity than the applicant's account has (403): the
    applicant is not allowed to file it yet, whatever they send; verifying their identity on
    the account page lifts the refusal."""

    code = "identity_level_required"


@dataclass
class Upload:
    """A file an actor sends for one component (or as a result)."""

    name: str
    stream: IO[bytes]
    size: int | None = None


# --- helpers -------------------------------------------------------------------------------------


def legal_deadline(start: datetime, working_days: int) -> datetime:
    """The moment a dossier received at ``start`` is due ("ngày hẹn trả")."""
    if working_days == 0:
        moment = calendar.next_working_moment(start)
        end_of_day = datetime.combine(moment.date(), WORKDAY_END, tzinfo=calendar.VIETNAM)
        return end_of_day if moment <= end_of_day else calendar.add_working_days(end_of_day, 1)
    return calendar.add_working_days(start, working_days)


def _record(
    dossier: Dossier, kind: str, actor: User | None, from_status: str, **data: Any
) -> DossierEvent:
    event = DossierEvent.objects.create(
        dossier=dossier,
        kind=kind,
        actor=actor,
        at=timezone.now(),
        from_status=from_status,
        to_status=dossier.status,
        data=data,
    )
    if kind in NOTIFIED_EVENTS:
        _queue_notifications(dossier, event)
    return event


def _queue_notifications(dossier: Dossier, event: DossierEvent) -> None:
    """Tell the applicant by email and SMS (those they have), through the one ``notify``; an
    applicant who may no longer see the dossier (filed for an organisation they stopped
    representing) is not told, and that is recorded."""
    applicant = dossier.applicant
    refused = "" if access.can_view(applicant, dossier) else "recipient_not_authorised"
    subject, text = compose(dossier, event)
    for channel, _address in notify.contacts(applicant):
        notify.notify(
            applicant,
            channel,
            subject=subject,
            text=text,
            topic=event.kind,
            about=("dossier", dossier.pk),
            key=f"dossier_event:{event.pk}",
            refused=refused,
        )


def check_action(actor: User, action: str, dossier: Dossier) -> None:
    """Raise unless ``actor`` may do ``action`` on ``dossier`` now, as ``access`` decides:
    NotFound when they may not see it, NotAllowed when their capacity does not allow it (both
    audited), WrongState for its status."""
    decision = access.decide(actor, action, dossier)
    if decision is access.Decision.ALLOWED:
        return
    if decision in (access.Decision.HIDDEN, access.Decision.FORBIDDEN):
        access.record_denial(actor, action, dossier.pk)
        if decision is access.Decision.HIDDEN:
            raise NotFound(_("Dossier not found."))
        raise NotAllowed(_("You are not allowed to do this on this dossier."))
    if action == "rate" and dossier.rating is not None:
        raise WrongState(_("This dossier has already been rated."))
    raise WrongState(
        _("This dossier is “%(status)s”; “%(action)s” is not possible now.")
        % {"status": Status(dossier.status).label, "action": TRANSITIONS[action].label}
    )


def _authorise(actor: User, action: str, dossier_id: int) -> None:
    """Check permission before the locking transaction, so that a refusal's audit row is
    committed and not rolled back with the transaction (the check is repeated under the lock)."""
    dossier = Dossier.objects.select_related("agency", "procedure").filter(pk=dossier_id).first()
    if dossier is None:
        raise NotFound(_("Dossier not found."))
    check_action(actor, action, dossier)


#: Conditions other parts put on a lifecycle step (a result signed before it is returned, a due fee
#: paid before the next step). Each is called under the dossier's lock with the dossier and the
#: action and raises WrongState to refuse; parts register theirs in their AppConfig.ready().
step_guards: list[Callable[[Dossier, str], None]] = []

#: Work other parts attach to a lifecycle step once it is done (records issues the signed result of
#: an approved dossier). Each is called in the step's transaction, after the dossier is saved, with
#: the dossier, the action and the actor; parts register theirs in their AppConfig.ready().
step_hooks: list[Callable[[Dossier, str, User], None]] = []


@contextmanager
def _transition(
    dossier_id: int, actor: User, action: str, expected_version: int | None = None
) -> Iterator[Dossier]:
    """Lock the dossier, check that ``actor`` may do ``action`` now, and save it afterwards."""
    _authorise(actor, action, dossier_id)
    with transaction.atomic():
        dossier = (
            # Lock the dossier row only: the joined procedure, agency and applicant rows are
            # shared by every dossier of a procedure, and locking them would serialise them all.
            Dossier.objects.select_for_update(of=("self",))
            .select_related("procedure", "agency", "applicant")
            .filter(pk=dossier_id)
            .first()
        )
        if dossier is None:
            raise NotFound(_("Dossier not found."))
        check_action(actor, action, dossier)
        if expected_version is not None and expected_version != dossier.version:
            raise StaleVersion(
                _("Someone else has changed this dossier meanwhile. Reload the page and try again.")
            )
        for guard in step_guards:
            guard(dossier, action)
        yield dossier
        dossier.version = F("version") + 1
        dossier.save()
        dossier.refresh_from_db(fields=["version"])
        for hook in step_hooks:
            hook(dossier, action, actor)


def _require(text: str, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Please give a reason."), {field: _("This field is required.")})
    return text


def _store_upload(upload: Upload) -> tuple[Any, str]:
    try:
        data, content_type = read_checked_upload(upload.stream, upload.name, upload.size)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0]) from exc
    return store_bytes(data, content_type), clean_filename(upload.name)


def _attach(
    dossier: Dossier,
    uploads: Mapping[str, Upload],
    source: str = ComponentSource.UPLOAD,
    keep_accepted: bool = False,
) -> dict[str, str]:
    """Store each upload as its component's file. Any refused file (its type, size or name,
    said in the error) raises InvalidInput, unless ``keep_accepted``: then the accepted files
    are attached and the refusals returned, so that a draft keeps what was good."""
    known = {component["code"] for component in dossier.procedure.components}
    errors: dict[str, str] = {}
    stored = {}
    for code, upload in uploads.items():
        if code not in known:
            errors[f"component:{code}"] = _("This procedure has no such document component.")
            continue
        try:
            stored[code] = _store_upload(upload)
        except InvalidInput as exc:
            errors[f"component:{code}"] = exc.message
    if errors and not keep_accepted:
        raise InvalidInput(_("Some files could not be accepted."), errors)
    if not stored:
        return errors
    # The dossier row is locked (or not yet committed), so its components can be read once and
    # written without a lock and savepoint per component.
    existing = {component.code: component for component in dossier.components.all()}
    added: list[DossierComponent] = []
    for code, (file, filename) in stored.items():
        component = existing.get(code) or DossierComponent(dossier=dossier, code=code)
        component.file, component.filename, component.source = file, filename, source
        component.repository_document_id = None  # a new upload replaces a reused document
        component.uploaded_at, component.checked, component.check_note = timezone.now(), None, ""
        if component.pk is None:
            added.append(component)
        else:
            component.save()
    DossierComponent.objects.bulk_create(added)
    return errors


def completeness_errors(dossier: Dossier) -> dict[str, str]:
    """What keeps ``dossier`` from being submitted: form fields and required components."""
    return _completeness_errors(dossier)


def from_online_form(dossier: Dossier, component: Mapping[str, Any]) -> bool:
    """Whether ``component`` of ``dossier`` is its online application form, rendered at
    submission instead of uploaded (online dossiers only: at the counter the paper form is
    scanned)."""
    return bool(component.get("online_form")) and dossier.channel == Channel.ONLINE


def _attach_online_form(dossier: Dossier) -> None:
    """The filled form, as a PDF, becomes the component the catalogue marks ``online_form``
    (replacing any file sent for it: the online form is the declaration)."""
    for spec in dossier.procedure.components:
        if not from_online_form(dossier, spec):
            continue
        facts = [
            ("Mã hồ sơ", dossier.code or ""),
            ("Người nộp", dossier.applicant.full_name),
            ("Cơ quan tiếp nhận", dossier.agency.name),
            ("Thời điểm nộp", timezone.localtime(dossier.submitted_at).strftime("%H:%M %d/%m/%Y")),
        ]
        data = application_forms.render_pdf(dossier.procedure.definition, dossier.form_data, facts)
        DossierComponent.objects.update_or_create(
            dossier=dossier,
            code=spec["code"],
            defaults={
                "file": store_bytes(data, "application/pdf"),
                "filename": f"to-khai-{dossier.code}.pdf",
                "source": ComponentSource.FORM,
                "repository_document_id": None,
                "uploaded_at": timezone.now(),
                "checked": None,
                "check_note": "",
            },
        )


def _completeness_errors(dossier: Dossier) -> dict[str, str]:
    errors = application_forms.validate(dossier.procedure.definition["form"], dossier.form_data)
    present = set(dossier.components.values_list("code", flat=True))
    for component in dossier.procedure.components:
        if from_online_form(dossier, component):
            continue  # made from the form at submission
        if component["required"] and component["code"] not in present:
            errors[f"component:{component['code']}"] = _("This document is required.")
    return errors


def _assign_receipt_code(dossier: Dossier) -> None:
    """``{unit code}-{yyyymmdd}-{sequence}``; the sequence runs per receiving unit."""
    sequence = ReceiptSequence.objects.filter(agency=dossier.agency)
    # The row is locked from this update to the commit: every submission of the unit waits here.
    if not sequence.update(last=F("last") + 1):  # the unit's first receipt
        try:
            with transaction.atomic():
                ReceiptSequence.objects.create(agency=dossier.agency, last=1)
        except IntegrityError:  # created by a concurrent submission
            sequence.update(last=F("last") + 1)
    number = sequence.values_list("last", flat=True).get()
    day = timezone.localtime(dossier.submitted_at)
    dossier.code = RECEIPT_CODE_FORMAT.format(unit=dossier.agency.unit_code, day=day, number=number)


def _check_agency(procedure: Procedure, agency: Agency) -> None:
    if agency not in performing_agencies(procedure):
        raise InvalidInput(
            _("This agency does not perform this procedure."),
            {"agency": _("Choose an agency that performs this procedure.")},
        )


def _check_identity_level(applicant: User, procedure: Procedure) -> None:
    if not access.meets_identity_level(applicant, procedure):
        required = access.required_identity_level(procedure)
        raise IdentityLevelRequired(
            _(
                "This procedure can only be filed online with an account verified at level"
                " %(required)s; yours is at level %(current)s. Verify your identity on your"
                " account page, then try again."
            )
            % {"required": required, "current": applicant.identity_level}
        )


def _check_applicant_type(applicant: User, procedure: Procedure, organisation: Any) -> None:
    """A procedure says whether citizens, organisations or both file it; an organisation is
    represented by whoever files for it."""
    types = procedure.definition.get("applicant_types", ["citizen"])
    if organisation is None:
        if "citizen" not in types:
            raise InvalidInput(
                _("This procedure is filed by organisations: choose the organisation you act for."),
                {"organisation": _("Choose an organisation.")},
            )
        return
    if "organisation" not in types:
        raise InvalidInput(
            _("This procedure is not filed by organisations."),
            {"organisation": _("File it for yourself.")},
        )
    if not access.may_file_for(applicant, organisation.pk):
        raise NotAllowed(
            _("You are not authorised to act for this organisation."),
            {"organisation": _("Choose an organisation you represent.")},
        )


def _check_online(procedure: Procedure) -> None:
    if procedure.online_level == "none":
        raise InvalidInput(
            _("This procedure cannot be submitted online; please go to the counter.")
        )


# --- drafts and online submission ------------------------------------------------------------------


def start_draft(
    applicant: User,
    procedure: Procedure,
    agency: Agency,
    organisation: Organisation | None = None,
) -> Dossier:
    """Open a draft for ``applicant``, or for the ``organisation`` they represent (the dossier
    then belongs to the organisation); it can be saved and resumed until submitted.

    Refused (IdentityLevelRequired, 403) when the applicant's identity level is below the one
    the procedure declares."""
    if applicant.kind != UserKind.CITIZEN:
        raise NotAllowed(_("Only citizens submit dossiers online."))
    _check_identity_level(applicant, procedure)
    _check_applicant_type(applicant, procedure, organisation)
    _check_online(procedure)
    _check_agency(procedure, agency)
    with transaction.atomic():
        dossier = Dossier.objects.create(
            procedure=procedure,
            agency=agency,
            applicant=applicant,
            organisation=organisation,
            channel=Channel.ONLINE,
        )
        _record(
            dossier,
            "draft_created",
            applicant,
            "",
            **({"organisation": organisation.pk} if organisation else {}),
        )
    return dossier


def save_draft(
    dossier_id: int, applicant: User, raw_form: Mapping[str, Any], uploads: Mapping[str, Upload]
) -> Dossier:
    """Keep what the applicant has filled in so far; files are checked, the form is not yet.

    A refused file does not lose the rest: the form and the accepted files are saved, then
    InvalidInput names each refused file's component with the reason (type, size, name)."""
    with _transition(dossier_id, applicant, "submit") as dossier:
        dossier.form_data = application_forms.coerce(dossier.procedure.definition["form"], raw_form)
        refused = _attach(dossier, uploads, keep_accepted=True)
    if refused:
        raise InvalidInput(_("Some files could not be accepted."), refused)
    return dossier


def submit(dossier_id: int, applicant: User, expected_version: int | None = None) -> Dossier:
    """Submit a complete draft: it gets its receipt code and enters the agency's queue."""
    with _transition(dossier_id, applicant, "submit", expected_version) as dossier:
        _check_identity_level(applicant, dossier.procedure)
        errors = _completeness_errors(dossier)
        if errors:
            raise InvalidInput(_("The dossier is not complete yet."), errors)
        dossier.status = Status.SUBMITTED
        dossier.submitted_at = timezone.now()
        _record(dossier, "submitted", applicant, Status.DRAFT, channel=dossier.channel)
        _assign_receipt_code(dossier)
        _attach_online_form(dossier)
    return dossier


def submit_online(
    applicant: User,
    procedure: Procedure,
    agency: Agency,
    form_data: Mapping[str, Any],
    uploads: Mapping[str, Upload],
    organisation: Organisation | None = None,
) -> tuple[Dossier, bool]:
    """Create and submit a dossier in one step (the API). Returns (dossier, False): a retried
    request is answered once by the API's ``Idempotency-Key`` (``egov.core.idempotency``), so
    nothing here is a replay."""
    with transaction.atomic():
        dossier = start_draft(applicant, procedure, agency, organisation)
        dossier.form_data = dict(form_data)
        dossier.save(update_fields=["form_data"])
        _attach(dossier, uploads)
        dossier = submit(dossier.pk, applicant)
    return dossier, False


def find_or_create_citizen(
    *,
    personal_id: str,
    full_name: str,
    birth_date: date | None,
    phone: str = "",
    email: str = "",
    official: User | None = None,
) -> User:
    """The citizen with this personal ID number, or a new account they can claim later, created
    (and audited) by identity as filed at the counter by ``official``."""
    existing = User.objects.filter(personal_id=personal_id).first()
    if existing:
        return existing
    try:
        return create_citizen(
            personal_id=personal_id,
            full_name=full_name,
            birth_date=birth_date,
            phone=phone,
            email=email,
            how=CitizenOrigin.COUNTER,
            by=official,
        )
    except ValidationError as exc:
        errors = {key: " ".join(messages) for key, messages in exc.message_dict.items()}
        if "username" in errors:  # the username is the personal ID number
            errors.setdefault("personal_id", errors.pop("username"))
        raise InvalidInput(_("The applicant's details are not valid."), errors) from exc


def submit_at_counter(
    official: User,
    applicant: User,
    procedure: Procedure,
    agency: Agency,
    form_data: Mapping[str, Any],
    uploads: Mapping[str, Upload],
) -> Dossier:
    """A receiving official files a dossier on a citizen's behalf (channel "counter").

    The official has checked the papers in front of them, so the dossier is received at once and
    every provided component is marked checked; uploads are the scans.
    """
    if not access.may_file_at_counter(official, agency.pk):
        raise NotAllowed(_("Only a receiving official of this agency can file at the counter."))
    _check_agency(procedure, agency)
    now = timezone.now()
    with transaction.atomic():
        dossier = Dossier.objects.create(
            procedure=procedure,
            agency=agency,
            applicant=applicant,
            submitted_by=official,
            channel=Channel.COUNTER,
            form_data=application_forms.coerce(procedure.definition["form"], form_data),
        )
        _attach(dossier, uploads, source=ComponentSource.SCAN)
        errors = _completeness_errors(dossier)
        if errors:
            raise InvalidInput(_("The dossier is not complete yet."), errors)
        dossier.status = Status.SUBMITTED
        dossier.submitted_at = now
        _assign_receipt_code(dossier)
        dossier.save()
        _record(dossier, "submitted", official, Status.DRAFT, channel=Channel.COUNTER)
        dossier.components.update(checked=True)
        _receive(dossier, official, now)
        dossier.save()
    return dossier


# --- back office ------------------------------------------------------------------------------------


def _receive(dossier: Dossier, official: User, now: datetime) -> None:
    dossier.status = Status.RECEIVED
    dossier.received_at = now
    dossier.due_at = legal_deadline(now, dossier.procedure.processing_days)
    _record(dossier, "received", official, Status.SUBMITTED, due_at=dossier.due_at.isoformat())


def receive(
    dossier_id: int,
    official: User,
    checklist: Mapping[str, tuple[bool | None, str]],
    expected_version: int | None = None,
) -> Dossier:
    """Tiếp nhận: the receiver checks every component provided against the procedure's list,
    marking each valid (True) or not valid (False): a component left unmarked (None, or absent
    from ``checklist``) is refused, nothing is taken as checked. The legal clock starts and the
    due date is set. A dossier with a failed check must go back for a supplement instead."""
    with _transition(dossier_id, official, "receive", expected_version) as dossier:
        present = {component.code: component for component in dossier.components.all()}
        errors: dict[str, str] = {}
        for spec in dossier.procedure.components:
            code = spec["code"]
            ok, note = checklist.get(code, (None, ""))
            if code in present and ok is None:
                errors[f"component:{code}"] = _("Mark this document as valid or not valid.")
            elif code in present:
                present[code].checked = bool(ok)
                present[code].check_note = (note or "")[:255]
                present[code].save(update_fields=["checked", "check_note"])
            if spec["required"] and not ok and f"component:{code}" not in errors:
                errors[f"component:{code}"] = _("Not checked as valid.")
        if errors:
            raise InvalidInput(
                _(
                    "Mark every document provided, and every required document as valid;"
                    " otherwise request a supplement."
                ),
                errors,
            )
        _receive(dossier, official, timezone.now())
    return dossier


def refuse_intake(
    dossier_id: int, official: User, reason: str, expected_version: int | None = None
) -> Dossier:
    """Không tiếp nhận: the dossier is refused at intake, with the reason."""
    reason = _require(reason, "reason")
    with _transition(dossier_id, official, "refuse_intake", expected_version) as dossier:
        dossier.status = Status.REFUSED
        dossier.decision_reason = reason
        dossier.finished_at = timezone.now()
        _record(dossier, "refused", official, Status.SUBMITTED, reason=reason)
    return dossier


def request_supplement(
    dossier_id: int,
    official: User,
    reason: str,
    components: list[str] | None = None,
    expected_version: int | None = None,
) -> Dossier:
    """Yêu cầu bổ sung: the applicant must complete the dossier; the legal clock stops."""
    reason = _require(reason, "reason")
    with _transition(dossier_id, official, "request_supplement", expected_version) as dossier:
        known = {component["code"] for component in dossier.procedure.components}
        wanted = [code for code in components or [] if code in known]
        previous = dossier.status
        dossier.resume_status = previous
        dossier.status = Status.AWAITING_SUPPLEMENT
        dossier.clock_stopped_at = timezone.now()
        dossier.supplement_reason = reason
        _record(
            dossier, "supplement_requested", official, previous, reason=reason, components=wanted
        )
    return dossier


def provide_supplement(
    dossier_id: int,
    applicant: User,
    raw_form: Mapping[str, Any] | None,
    uploads: Mapping[str, Upload],
    expected_version: int | None = None,
) -> Dossier:
    """The applicant sends what was asked; the clock restarts with the working time that was left."""
    with _transition(dossier_id, applicant, "supplement", expected_version) as dossier:
        if raw_form is not None:
            dossier.form_data = application_forms.coerce(
                dossier.procedure.definition["form"], raw_form
            )
        _attach(dossier, uploads)
        errors = _completeness_errors(dossier)
        if errors:
            raise InvalidInput(_("The dossier is not complete yet."), errors)
        now = timezone.now()
        if dossier.due_at and dossier.clock_stopped_at:
            # What was left when the clock stopped, a part of a day counting as a whole day.
            left = calendar.working_time_between(dossier.clock_stopped_at, dossier.due_at)
            dossier.due_at = legal_deadline(now, math.ceil(left / timedelta(days=1)))
        dossier.status = dossier.resume_status or Status.SUBMITTED
        dossier.resume_status = ""
        dossier.clock_stopped_at = None
        _record(
            dossier,
            "supplemented",
            applicant,
            Status.AWAITING_SUPPLEMENT,
            files=sorted(uploads),
            due_at=dossier.due_at.isoformat() if dossier.due_at else None,
        )
    return dossier


def assign(
    dossier_id: int, official: User, assignee: User, expected_version: int | None = None
) -> Dossier:
    """Phân công: hand the dossier to a processing official of the same agency."""
    with _transition(dossier_id, official, "assign", expected_version) as dossier:
        if not access.may_be_assigned(assignee, dossier):
            raise InvalidInput(
                _("The assignee must be a processing official of this agency."),
                {"assignee": _("Choose a processing official of this agency.")},
            )
        previous = dossier.status
        dossier.status = Status.PROCESSING
        dossier.assignee = assignee
        _record(dossier, "assigned", official, previous, assignee=assignee.pk)
    return dossier


def propose(
    dossier_id: int, processor: User, note: str = "", expected_version: int | None = None
) -> Dossier:
    """Trình phê duyệt: the assigned processor proposes the result. The records part draws the
    draft result document up from its template in the same transaction (a step hook, which
    hands it back through :func:`set_result_draft`); the approver sees that draft and signs it."""
    with _transition(dossier_id, processor, "propose", expected_version) as dossier:
        dossier.status = Status.AWAITING_APPROVAL
        dossier.result_draft = None
        note = (note or "").strip()[:2000]
        _record(
            dossier, "proposed", processor, Status.PROCESSING, **({"note": note} if note else {})
        )
    return dossier


def set_result_draft(dossier: Dossier, draft: StoredFile, document: str) -> None:
    """The draft result of a proposal, from the records part's step hook (in the proposal's
    transaction, the dossier locked): kept on the dossier, and named by a ``result_drafted``
    event with its verification code and SHA-256."""
    dossier.result_draft = draft
    dossier.save(update_fields=["result_draft"])
    _record(dossier, "result_drafted", None, dossier.status, document=document, sha256=draft.sha256)


def send_back(
    dossier_id: int, official: User, reason: str, expected_version: int | None = None
) -> Dossier:
    """Trả lại để xử lý lại: the approver does not sign the proposal and says why; the dossier
    goes back to its processor and the draft is discarded."""
    reason = _require(reason, "reason")
    with _transition(dossier_id, official, "send_back", expected_version) as dossier:
        dossier.status = Status.PROCESSING
        dossier.result_draft = None
        _record(dossier, "sent_back", official, Status.AWAITING_APPROVAL, reason=reason)
    return dossier


def approve(
    dossier_id: int,
    official: User,
    note: str = "",
    expected_version: int | None = None,
    draft_sha256: str = "",
) -> Dossier:
    """Phê duyệt: the approver signs off the proposed draft. Nothing is uploaded or drawn up
    anew: the records part signs exactly the draft the approver previewed, in the agency's name
    (a step hook), and the dossier cannot be returned before it is signed (a step guard). With
    ``draft_sha256`` (the draft the approver saw), approval is refused when the draft differs."""
    with _transition(dossier_id, official, "approve", expected_version) as dossier:
        draft = dossier.result_draft
        if draft is None:
            raise WrongState(_("This proposal has no draft result to sign; send it back."))
        if draft_sha256 and draft_sha256.strip().lower() != draft.sha256:
            raise StaleVersion(
                _(
                    "The draft result has changed since you opened it. Reload the page and check it again."
                )
            )
        dossier.status = Status.RESULT_READY
        dossier.result_note = (note or "").strip()
        dossier.decided_at = timezone.now()
        _record(dossier, "result_ready", official, Status.AWAITING_APPROVAL, draft=draft.sha256)
    return dossier


def attach_signed_result(
    dossier_id: int, result: StoredFile, document: str, actor: User | None = None
) -> Dossier:
    """The signed electronic result of an approved dossier is ready: it becomes the dossier's
    result file and a ``result_signed`` event names the document by its verification code."""
    with transaction.atomic():
        dossier = lock_dossier(dossier_id)
        dossier.result_file = result
        dossier.save(update_fields=["result_file"])
        _raise_version(dossier)
        _record(dossier, "result_signed", actor, dossier.status, document=document)
    return dossier


# --- verbs for the parts built on dossiers ---------------------------------------------------------
# Other parts never write a dossier, its components or its events themselves: they call these,
# inside their own transaction, after checking their own permissions.


def lock_dossier(dossier_id: int) -> Dossier:
    """The dossier, its row locked until the surrounding transaction ends (``SELECT … FOR
    UPDATE`` of the dossier row only). Every part that changes a dossier together with its own
    rows locks the dossier first, then its rows: one lock order, no deadlock."""
    dossier = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("procedure", "agency", "applicant")
        .filter(pk=dossier_id)
        .first()
    )
    if dossier is None:
        raise NotFound(_("Dossier not found."))
    return dossier


def _raise_version(dossier: Dossier) -> None:
    """A page rendered before this change is refused as stale (the dossier row is locked)."""
    Dossier.objects.filter(pk=dossier.pk).update(version=F("version") + 1)
    dossier.refresh_from_db(fields=["version"])


#: The longest event kind the event log holds.
EVENT_KIND_MAX_LENGTH = DossierEvent._meta.get_field("kind").max_length or 32


def record_event(
    dossier_id: int, kind: str, actor: User | None, data: Mapping[str, Any] | None = None
) -> DossierEvent:
    """Record an event another part writes on a dossier without changing its status (``paid``):
    the dossier is locked, its version raised, and the event appended by the one event writer.

    The kinds of dossiers' own steps (``constants.OWN_EVENTS``: submitted, received, …) are
    refused: those are recorded only by the steps themselves, which check who may take them.
    The caller has checked its own permission; the event names its actor."""
    if not kind or len(kind) > EVENT_KIND_MAX_LENGTH or not kind.replace("_", "").isalnum():
        raise InvalidInput(_("This event kind is not valid."))
    if kind in OWN_EVENTS:
        raise InvalidInput(_("This event is recorded only by the dossier's own steps."))
    dossier = lock_dossier(dossier_id)
    _raise_version(dossier)
    return _record(dossier, kind, actor, dossier.status, **dict(data or {}))


def _check_applicant_draft(actor: User, dossier: Dossier) -> None:
    check_action(actor, "submit", dossier)


def attach_document(
    dossier_id: int,
    applicant: User,
    component_code: str,
    file: StoredFile,
    filename: str,
    document_id: int,
) -> DossierComponent:
    """Reuse: a document of the applicant's data repository stands for a component of their
    draft instead of an upload — the same stored file, marked as coming from the repository and
    naming the document, and a ``component_reused`` event. Attaching the document a component
    already names changes nothing (no second event).

    The repository part checks that the document is the applicant's and fits the component; this
    checks that the applicant may still change the draft (under its lock)."""
    with transaction.atomic():
        dossier = lock_dossier(dossier_id)
        _check_applicant_draft(applicant, dossier)
        if component_code not in {c["code"] for c in dossier.procedure.components}:
            raise InvalidInput(
                _("This procedure has no such document component."),
                {"component": _("This procedure has no such document component.")},
            )
        component = dossier.components.filter(code=component_code).first()
        if (
            component is not None
            and component.repository_document_id == document_id
            and component.file_id == file.pk
        ):
            return component
        component = component or DossierComponent(dossier=dossier, code=component_code)
        component.file, component.filename = file, filename
        component.source, component.repository_document_id = ComponentSource.REPOSITORY, document_id
        component.uploaded_at, component.checked, component.check_note = timezone.now(), None, ""
        component.save()
        _raise_version(dossier)
        _record(
            dossier,
            "component_reused",
            applicant,
            dossier.status,
            component=component_code,
            document=document_id,
        )
    return component


@dataclass
class Digitised:
    """What digitisation does to one component: a new scan (else the file taken at filing is
    kept) and the repository document it was filed as, if any."""

    scan: tuple[StoredFile, str] | None = None
    document_id: int | None = None


def is_digitised(dossier: Dossier) -> bool:
    return dossier.events.filter(kind="digitised").exists()


def check_digitisation(official: User, dossier: Dossier) -> None:
    """Raise unless ``official`` may digitise ``dossier`` now: a receiving official of its
    agency, a dossier filed at the counter, not digitised yet (audited refusals)."""
    if not access.can_view(official, dossier):
        access.record_denial(official, "digitise", dossier.pk)
        raise NotFound(_("Dossier not found."))
    if not access.may_digitise(official, dossier):
        access.record_denial(official, "digitise", dossier.pk)
        raise NotAllowed(_("Only a receiving official of this agency digitises dossiers."))
    if dossier.channel != Channel.COUNTER or dossier.status == Status.DRAFT:
        raise WrongState(_("Only dossiers filed at the counter are digitised here."))
    if is_digitised(dossier):
        raise WrongState(_("This dossier has already been digitised."))


def scan_of(dossier: Dossier, code: str, digitised: Digitised) -> tuple[StoredFile, str] | None:
    """The file a component will hold once digitised: its new scan, else the one it has."""
    if digitised.scan is not None:
        return digitised.scan
    component = dossier.components.filter(code=code).select_related("file").first()
    return (component.file, component.filename) if component is not None else None


def record_digitisation(
    dossier_id: int, official: User, components: Mapping[str, Digitised]
) -> DossierEvent:
    """Số hóa: a counter dossier's paper components are scanned (a component without a new
    scan keeps the one taken at filing) and each names the repository document it was filed as;
    the dossier is marked by a ``digitised`` event. Once per dossier (WrongState after)."""
    with transaction.atomic():
        dossier = lock_dossier(dossier_id)
        check_digitisation(official, dossier)
        known = {c["code"] for c in dossier.procedure.components}
        present = {c.code: c for c in dossier.components.all()}
        for code, digitised in components.items():
            component = present.get(code)
            if code not in known or (component is None and digitised.scan is None):
                raise InvalidInput(_("This procedure has no such document component."))
            component = component or DossierComponent(dossier=dossier, code=code, checked=True)
            if digitised.scan is not None:
                component.file, component.filename = digitised.scan
                component.source, component.uploaded_at = ComponentSource.SCAN, timezone.now()
            if digitised.document_id is not None:
                component.repository_document_id = digitised.document_id
            component.save()
        _raise_version(dossier)
        return _record(dossier, "digitised", official, dossier.status, components=list(components))


def request_payment(
    dossier: Dossier, held_step: str, amount: int, actor: User | None = None
) -> None:
    """Yêu cầu thanh toán: the payments part tells the dossier that ``amount`` of its fees is
    unpaid and holds back the step ``held_step`` ("receive" or "return_result"); an ``amount``
    of 0 says that nothing is owed any more. A request that starts records
    ``payment_requested``, one that ends ``payment_request_closed``; the national status 6 is
    derived from it (``constants.national_status``). Runs in the caller's transaction, and keeps
    the caller's ``dossier`` object in step with its row."""
    if held_step not in TRANSITIONS:
        raise ValueError(held_step)
    step = held_step if amount > 0 else ""
    with transaction.atomic():
        row = Dossier.objects.select_for_update(of=("self",)).filter(pk=dossier.pk)
        dossier.payment_held_step = row.values_list("payment_held_step", flat=True).get()
        if dossier.payment_held_step == step:
            return
        before = dossier.payment_held_step
        row.update(payment_held_step=step)
        dossier.payment_held_step = step
        if step:
            _record(dossier, "payment_requested", actor, dossier.status, step=step, amount=amount)
        else:
            _record(dossier, "payment_request_closed", actor, dossier.status, step=before)


def reject(
    dossier_id: int, official: User, reason: str, expected_version: int | None = None
) -> Dossier:
    """Từ chối giải quyết: processing stops, with the reason given to the applicant."""
    reason = _require(reason, "reason")
    with _transition(dossier_id, official, "reject", expected_version) as dossier:
        previous = dossier.status
        dossier.status = Status.REJECTED
        dossier.decision_reason = reason
        dossier.decided_at = dossier.finished_at = timezone.now()
        _record(dossier, "rejected", official, previous, reason=reason)
    return dossier


def return_result(dossier_id: int, official: User, expected_version: int | None = None) -> Dossier:
    """Trả kết quả: the result is handed over; the dossier is finished."""
    with _transition(dossier_id, official, "return_result", expected_version) as dossier:
        dossier.status = Status.RETURNED
        dossier.finished_at = timezone.now()
        late = bool(dossier.due_at and dossier.finished_at > dossier.due_at)
        _record(dossier, "returned", official, Status.RESULT_READY, on_time=not late)
    return dossier


def withdraw(
    dossier_id: int, applicant: User, reason: str = "", expected_version: int | None = None
) -> Dossier:
    """Rút hồ sơ: the applicant withdraws a dossier that is not finished."""
    with _transition(dossier_id, applicant, "withdraw", expected_version) as dossier:
        previous = dossier.status
        dossier.status = Status.WITHDRAWN
        dossier.decision_reason = (reason or "").strip()
        dossier.finished_at = timezone.now()
        _record(dossier, "withdrawn", applicant, previous)
    return dossier


def apologise(
    dossier_id: int,
    official: User,
    reason: str,
    new_date: date,
    expected_version: int | None = None,
) -> Dossier:
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả: a late dossier gets a new promised date."""
    reason = _require(reason, "reason")
    with _transition(dossier_id, official, "apologise", expected_version) as dossier:
        today = timezone.localdate()
        if new_date <= today or not calendar.is_working_day(new_date):
            raise InvalidInput(
                _("The new date must be a future working day."),
                {"new_date": _("Choose a working day after today.")},
            )
        if dossier.due_at and new_date <= timezone.localtime(dossier.due_at).date():
            raise InvalidInput(
                _("The new date must be after the current due date."),
                {"new_date": _("Choose a date after the current due date.")},
            )
        dossier.promised_at = datetime.combine(new_date, WORKDAY_END, tzinfo=calendar.VIETNAM)
        _record(
            dossier,
            "apologised",
            official,
            dossier.status,
            reason=reason,
            promised_at=dossier.promised_at.isoformat(),
        )
    return dossier


def rate(dossier_id: int, applicant: User, score: int, comment: str = "") -> Dossier:
    """Đánh giá: the applicant rates the service once the result is returned."""
    if score not in Satisfaction.values:
        raise InvalidInput(_("Choose a rating."), {"score": _("Choose a rating.")})
    with _transition(dossier_id, applicant, "rate") as dossier:
        if dossier.rating is not None:
            raise WrongState(_("This dossier has already been rated."))
        dossier.rating = score
        dossier.rating_comment = (comment or "").strip()[:1000]
        _record(dossier, "rated", applicant, dossier.status, score=score)
    return dossier
