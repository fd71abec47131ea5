"""The one-stop shop's steps: intake, supplement requests, assignment, the longer legal time
when verification is needed, the proposal and its approval, rejection, the result handed over,
and the apology for a late one."""

from collections.abc import Mapping
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core import calendar
from egov.core.errors import InvalidInput, StaleVersion, WrongState
from egov.core.models import StoredFile
from egov.identity.models import User

from .. import access
from ..constants import (
    VERIFICATION_REASON_MAX_LENGTH,
    Status,
)
from ..models import Dossier
from .steps import WORKDAY_END, legal_deadline, record, require_reason, start_clock, transition


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
    with transition(dossier_id, official, "receive", expected_version) as dossier:
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
        start_clock(dossier, official, timezone.now())
    return dossier


def refuse_intake(
    dossier_id: int, official: User, reason: str, expected_version: int | None = None
) -> Dossier:
    """Không tiếp nhận: the dossier is refused at intake, with the reason."""
    reason = require_reason(reason, "reason")
    with transition(dossier_id, official, "refuse_intake", expected_version) as dossier:
        dossier.status = Status.REFUSED
        dossier.decision_reason = reason
        dossier.finished_at = timezone.now()
        record(dossier, "refused", official, Status.SUBMITTED, reason=reason)
    return dossier


def request_supplement(
    dossier_id: int,
    official: User,
    reason: str,
    components: list[str] | None = None,
    expected_version: int | None = None,
) -> Dossier:
    """Yêu cầu bổ sung: the applicant must complete the dossier; the legal clock stops."""
    reason = require_reason(reason, "reason")
    with transition(dossier_id, official, "request_supplement", expected_version) as dossier:
        known = {component["code"] for component in dossier.procedure.components}
        wanted = [code for code in components or [] if code in known]
        previous = dossier.status
        dossier.resume_status = previous
        dossier.status = Status.AWAITING_SUPPLEMENT
        dossier.clock_stopped_at = timezone.now()
        dossier.supplement_reason = reason
        record(
            dossier, "supplement_requested", official, previous, reason=reason, components=wanted
        )
    return dossier


def assign(
    dossier_id: int, official: User, assignee: User, expected_version: int | None = None
) -> Dossier:
    """Phân công: hand the dossier to a processing official of the same agency."""
    with transition(dossier_id, official, "assign", expected_version) as dossier:
        if not access.may_be_assigned(assignee, dossier):
            raise InvalidInput(
                _("The assignee must be a processing official of this agency."),
                {"assignee": _("Choose a processing official of this agency.")},
            )
        previous = dossier.status
        dossier.status = Status.PROCESSING
        dossier.assignee = assignee
        record(dossier, "assigned", official, previous, assignee=assignee.pk)
    return dossier


def extend_for_verification(
    dossier_id: int, official: User, reason: str, expected_version: int | None = None
) -> Dossier:
    """Cần xác minh: a processing official of the dossier's agency records that the dossier
    needs verification, and why. The law gives such a dossier a longer time (the procedure's
    ``verification_working_days``), so its legal due date moves: to the moment it was received
    plus that many working days, counted as the normal deadline is. Working time the clock was
    stopped for a supplement is kept: a due date a supplement moved moves by the extra days.
    It is not an apology slip: the new date is the legal deadline, and on time is counted
    against it. Once per dossier, only for a procedure that declares the longer time (else
    WrongState); the applicant is told."""
    reason = require_reason(reason, "reason")
    if len(reason) > VERIFICATION_REASON_MAX_LENGTH:
        message = _("The reason is too long: at most %(max)s characters.") % {
            "max": VERIFICATION_REASON_MAX_LENGTH
        }
        raise InvalidInput(message, {"reason": message})
    with transition(dossier_id, official, "extend_for_verification", expected_version) as dossier:
        procedure = dossier.procedure
        longer = procedure.verification_working_days
        assert longer is not None and dossier.received_at is not None  # access checked both
        normal = procedure.processing_days_for(dossier.channel)
        previous_due = dossier.due_at
        due = legal_deadline(dossier.received_at, longer)
        if previous_due and previous_due > legal_deadline(dossier.received_at, normal):
            due = max(due, calendar.add_working_days(previous_due, longer - normal))
        dossier.due_at = due
        dossier.verification_reason = reason
        record(
            dossier,
            "extended_for_verification",
            official,
            dossier.status,
            reason=reason,
            working_days=longer,
            previous_due_at=(
                previous_due.astimezone(calendar.VIETNAM).isoformat() if previous_due else None
            ),
            due_at=due.isoformat(),
        )
    return dossier


def propose(
    dossier_id: int, processor: User, note: str = "", expected_version: int | None = None
) -> Dossier:
    """Trình phê duyệt: the assigned processor proposes the result. The records part draws the
    draft result document up from its template in the same transaction (a step hook, which
    hands it back through :func:`set_result_draft`); the approver sees that draft and signs it."""
    with transition(dossier_id, processor, "propose", expected_version) as dossier:
        dossier.status = Status.AWAITING_APPROVAL
        dossier.result_draft = None
        note = (note or "").strip()[:2000]
        record(
            dossier, "proposed", processor, Status.PROCESSING, **({"note": note} if note else {})
        )
    return dossier


def set_result_draft(dossier: Dossier, draft: StoredFile, document: str) -> None:
    """The draft result of a proposal, from the records part's step hook (in the proposal's
    transaction, the dossier locked): kept on the dossier, and named by a ``result_drafted``
    event with its verification code and SHA-256."""
    dossier.result_draft = draft
    dossier.save(update_fields=["result_draft"])
    record(dossier, "result_drafted", None, dossier.status, document=document, sha256=draft.sha256)


def send_back(
    dossier_id: int, official: User, reason: str, expected_version: int | None = None
) -> Dossier:
    """Trả lại để xử lý lại: the approver does not sign the proposal and says why; the dossier
    goes back to its processor and the draft is discarded."""
    reason = require_reason(reason, "reason")
    with transition(dossier_id, official, "send_back", expected_version) as dossier:
        dossier.status = Status.PROCESSING
        dossier.result_draft = None
        record(dossier, "sent_back", official, Status.AWAITING_APPROVAL, reason=reason)
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
    with transition(dossier_id, official, "approve", expected_version) as dossier:
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
        record(dossier, "result_ready", official, Status.AWAITING_APPROVAL, draft=draft.sha256)
    return dossier


def reject(
    dossier_id: int, official: User, reason: str, expected_version: int | None = None
) -> Dossier:
    """Từ chối giải quyết: processing stops, with the reason given to the applicant."""
    reason = require_reason(reason, "reason")
    with transition(dossier_id, official, "reject", expected_version) as dossier:
        previous = dossier.status
        dossier.status = Status.REJECTED
        dossier.decision_reason = reason
        dossier.decided_at = dossier.finished_at = timezone.now()
        record(dossier, "rejected", official, previous, reason=reason)
    return dossier


def return_result(dossier_id: int, official: User, expected_version: int | None = None) -> Dossier:
    """Trả kết quả: the result is handed over; the dossier is finished."""
    with transition(dossier_id, official, "return_result", expected_version) as dossier:
        dossier.status = Status.RETURNED
        dossier.finished_at = timezone.now()
        late = bool(dossier.due_at and dossier.finished_at > dossier.due_at)
        record(dossier, "returned", official, Status.RESULT_READY, on_time=not late)
    return dossier


def apologise(
    dossier_id: int,
    official: User,
    reason: str,
    new_date: date,
    expected_version: int | None = None,
) -> Dossier:
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả: a late dossier gets a new promised date."""
    reason = require_reason(reason, "reason")
    with transition(dossier_id, official, "apologise", expected_version) as dossier:
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
        record(
            dossier,
            "apologised",
            official,
            dossier.status,
            reason=reason,
            promised_at=dossier.promised_at.isoformat(),
        )
    return dossier
