"""Filing a dossier: online (a draft saved, then submitted) or at the counter by a receiving
official; its receipt code, and who may file what where."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.catalog import forms as application_forms
from egov.catalog.models import Procedure
from egov.catalog.selectors import performing_agencies
from egov.core.errors import InvalidInput, NotAllowed
from egov.core.models import Agency
from egov.identity.models import Organisation, User, UserKind
from egov.identity.services import CitizenOrigin, create_citizen

from .. import access, hooks
from ..constants import (
    RECEIPT_CODE_FORMAT,
    Channel,
    ComponentSource,
    Status,
)
from ..models import Dossier, ReceiptSequence
from .components import (
    Upload,
    attach,
    attach_online_form,
    completeness_errors,
    name_online_form,
)
from .delivery import PreparedDelivery
from .delivery import store as store_delivery
from .steps import record, start_clock, transition


class IdentityLevelRequired(NotAllowed):
    """The procedure asks for a stronger identity than the applicant's account has (403): the
    applicant is not allowed to file it yet, whatever they send; verifying their identity on
    the account page lifts the refusal."""

    code = "identity_level_required"


def assign_receipt_code(dossier: Dossier) -> None:
    """``{unit code}-{yyyymmdd}-{sequence}``; the sequence runs per receiving unit."""
    sequence = ReceiptSequence.objects.filter(agency=dossier.agency)
    # The row is locked from this update to the commit: every submission of the unit waits here,
    # so what does not need the code (the declaration's PDF) is done before.
    if not sequence.update(last=F("last") + 1):  # the unit's first receipt
        try:
            with transaction.atomic():
                ReceiptSequence.objects.create(agency=dossier.agency, last=1)
        except IntegrityError:  # created by a concurrent submission
            sequence.update(last=F("last") + 1)
    number = sequence.values_list("last", flat=True).get()
    day = timezone.localtime(dossier.submitted_at)
    dossier.code = RECEIPT_CODE_FORMAT.format(unit=dossier.agency.unit_code, day=day, number=number)


def check_agency(procedure: Procedure, agency: Agency) -> None:
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
    check_agency(procedure, agency)
    with transaction.atomic():
        dossier = Dossier.objects.create(
            procedure=procedure,
            agency=agency,
            applicant=applicant,
            organisation=organisation,
            channel=Channel.ONLINE,
        )
        record(
            dossier,
            "draft_created",
            applicant,
            "",
            **({"organisation": organisation.pk} if organisation else {}),
        )
    return dossier


def save_draft(
    dossier_id: int,
    applicant: User,
    raw_form: Mapping[str, Any],
    uploads: Mapping[str, Upload],
    prefill_sources: Mapping[str, str] | None = None,
) -> Dossier:
    """Keep what the applicant has filled in so far; files are checked, the form is not yet.
    ``prefill_sources`` names the fields a registry filled in (when the draft is opened).

    A refused file does not lose the rest: the form and the accepted files are saved, then
    InvalidInput names each refused file's component with the reason (type, size, name)."""
    with transition(dossier_id, applicant, "submit") as dossier:
        dossier.form_data = application_forms.coerce(dossier.procedure.definition["form"], raw_form)
        if prefill_sources is not None:
            dossier.prefill_sources = dict(prefill_sources)
        refused = attach(dossier, uploads, keep_accepted=True)
    if refused:
        raise InvalidInput(_("Some files could not be accepted."), refused)
    return dossier


def submit(dossier_id: int, applicant: User, expected_version: int | None = None) -> Dossier:
    """Submit a complete draft: it gets its receipt code and enters the agency's queue."""
    with transition(dossier_id, applicant, "submit", expected_version) as dossier:
        _check_identity_level(applicant, dossier.procedure)
        errors = completeness_errors(dossier)
        if errors:
            raise InvalidInput(_("The dossier is not complete yet."), errors)
        dossier.status = Status.SUBMITTED
        dossier.submitted_at = timezone.now()
        attach_online_form(dossier)  # before the receipt code: see assign_receipt_code
        assign_receipt_code(dossier)
        name_online_form(dossier)
        # Last, once the dossier is as submitted: the event's listeners project it.
        record(dossier, "submitted", applicant, Status.DRAFT, channel=dossier.channel)
    return dossier


def submit_online(
    applicant: User,
    procedure: Procedure,
    agency: Agency,
    form_data: Mapping[str, Any],
    uploads: Mapping[str, Upload],
    organisation: Organisation | None = None,
    delivery: PreparedDelivery | None = None,
) -> tuple[Dossier, bool]:
    """Create and submit a dossier in one step (the API). Returns (dossier, False): a retried
    request is answered once by the API's ``Idempotency-Key`` (``egov.core.idempotency``), so
    nothing here is a replay. ``delivery``: how the result is received, checked and quoted by
    ``delivery.prepare`` beforehand (online when None)."""
    with transaction.atomic():
        dossier = start_draft(applicant, procedure, agency, organisation)
        dossier.form_data = dict(form_data)
        dossier.save(update_fields=["form_data"])
        if delivery is not None:
            store_delivery(dossier, delivery, applicant)
        attach(dossier, uploads)
        dossier = submit(dossier.pk, applicant)
    return dossier, False


def submit_forwarded(
    applicant: User,
    procedure: Procedure,
    agency: Agency,
    form_data: Mapping[str, Any],
    uploads: Mapping[str, Upload],
    forwarded_by: str,
) -> Dossier:
    """File for ``applicant`` a dossier that another system took online and handed over through
    the data-sharing gateway (a member of an interconnected procedure): channel online, submitted
    now, its events saying which system ``forwarded_by`` it. That system established who the
    applicant is, so the procedure's identity level is not asked of the account here; the form
    and the documents are checked as for any online submission."""
    _check_online(procedure)
    check_agency(procedure, agency)
    with transaction.atomic():
        dossier = Dossier.objects.create(
            procedure=procedure,
            agency=agency,
            applicant=applicant,
            channel=Channel.ONLINE,
            form_data=application_forms.coerce(procedure.definition["form"], form_data),
        )
        record(dossier, "draft_created", None, "", forwarded_by=forwarded_by)
        attach(dossier, uploads)
        errors = completeness_errors(dossier)
        if errors:
            raise InvalidInput(_("The dossier is not complete yet."), errors)
        dossier.status = Status.SUBMITTED
        dossier.submitted_at = timezone.now()
        attach_online_form(dossier)  # before the receipt code: see assign_receipt_code
        assign_receipt_code(dossier)
        dossier.save()
        name_online_form(dossier)
        record(
            dossier,
            "submitted",
            None,
            Status.DRAFT,
            channel=Channel.ONLINE,
            forwarded_by=forwarded_by,
        )
        for work in hooks.after_step:
            work(dossier, "submit", applicant)
    return dossier


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
    check_agency(procedure, agency)
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
        attach(dossier, uploads, source=ComponentSource.SCAN)
        errors = completeness_errors(dossier)
        if errors:
            raise InvalidInput(_("The dossier is not complete yet."), errors)
        dossier.status = Status.SUBMITTED
        dossier.submitted_at = now
        assign_receipt_code(dossier)
        dossier.save()
        record(dossier, "submitted", official, Status.DRAFT, channel=Channel.COUNTER)
        dossier.components.update(checked=True)
        start_clock(dossier, official, now)
        dossier.save()
    return dossier
