"""How a lifecycle step is taken: the dossier locked, the actor and state checked against
``constants.TRANSITIONS``, the other parts' guards and hooks run, the event appended and the
applicant told; and the legal deadline a step starts."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core import calendar, notify
from egov.core.errors import InvalidInput, NotAllowed, NotFound, StaleVersion, WrongState
from egov.identity.models import User

from .. import access, hooks
from ..constants import (
    NOTIFIED_EVENTS,
    TRANSITIONS,
    Status,
)
from ..models import Dossier, DossierEvent
from ..notifications import compose

#: A procedure "within the day" is due at the end of office hours.
WORKDAY_END = time(17, 0)


def legal_deadline(start: datetime, working_days: int) -> datetime:
    """The moment a dossier received at ``start`` is due ("ngày hẹn trả")."""
    if working_days == 0:
        moment = calendar.next_working_moment(start)
        end_of_day = datetime.combine(moment.date(), WORKDAY_END, tzinfo=calendar.VIETNAM)
        return end_of_day if moment <= end_of_day else calendar.add_working_days(end_of_day, 1)
    return calendar.add_working_days(start, working_days)


def record(
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
        queue_notifications(dossier, event)
    for listener in hooks.event_recorded:
        listener(event)
    return event


def queue_notifications(dossier: Dossier, event: DossierEvent) -> None:
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
    if action == "extend_for_verification" and dossier.status in TRANSITIONS[action].sources:
        if access.verification_refusal(dossier) == "no_longer_time":
            raise WrongState(
                _("This procedure has no longer legal processing time when verification is needed.")
            )
        raise WrongState(
            _("This dossier's processing time has already been extended for verification.")
        )
    raise WrongState(
        _("This dossier is “%(status)s”; “%(action)s” is not possible now.")
        % {"status": Status(dossier.status).label, "action": TRANSITIONS[action].label}
    )


def authorise(actor: User, action: str, dossier_id: int) -> None:
    """Check permission before the locking transaction, so that a refusal's audit row is
    committed and not rolled back with the transaction (the check is repeated under the lock)."""
    dossier = Dossier.objects.select_related("agency", "procedure").filter(pk=dossier_id).first()
    if dossier is None:
        raise NotFound(_("Dossier not found."))
    check_action(actor, action, dossier)


@contextmanager
def transition(
    dossier_id: int, actor: User, action: str, expected_version: int | None = None
) -> Iterator[Dossier]:
    """Lock the dossier, check that ``actor`` may do ``action`` now, and save it afterwards."""
    authorise(actor, action, dossier_id)
    with transaction.atomic():
        dossier = lock_dossier(dossier_id)
        check_action(actor, action, dossier)
        if expected_version is not None and expected_version != dossier.version:
            raise StaleVersion(
                _("Someone else has changed this dossier meanwhile. Reload the page and try again.")
            )
        refusal = access.held_back(dossier, action)
        if refusal:
            raise WrongState(refusal)
        yield dossier
        dossier.version = F("version") + 1
        dossier.save()
        dossier.refresh_from_db(fields=["version"])
        for work in hooks.after_step:
            work(dossier, action, actor)


def require_reason(text: str, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Please give a reason."), {field: _("This field is required.")})
    return text


def lock_dossier(dossier_id: int) -> Dossier:
    """The dossier, its row locked until the surrounding transaction ends (``SELECT … FOR
    UPDATE`` of the dossier row only). Every part that changes a dossier together with its own
    rows locks the dossier first, then its rows: one lock order, no deadlock."""
    dossier = (
        # The dossier row only: the joined procedure, agency and applicant rows are shared by
        # every dossier of a procedure, and locking them would serialise them all.
        Dossier.objects.select_for_update(of=("self",))
        .select_related("procedure", "agency", "applicant")
        .filter(pk=dossier_id)
        .first()
    )
    if dossier is None:
        raise NotFound(_("Dossier not found."))
    return dossier


def raise_version(dossier: Dossier) -> None:
    """A page rendered before this change is refused as stale (the dossier row is locked)."""
    Dossier.objects.filter(pk=dossier.pk).update(version=F("version") + 1)
    dossier.refresh_from_db(fields=["version"])


def start_clock(dossier: Dossier, official: User, now: datetime) -> None:
    dossier.status = Status.RECEIVED
    dossier.received_at = now
    dossier.due_at = legal_deadline(now, dossier.procedure.processing_days_for(dossier.channel))
    record(dossier, "received", official, Status.SUBMITTED, due_at=dossier.due_at.isoformat())
