"""Phản ánh, kiến nghị: sent by anyone to the agency that performs a procedure (or that holds
their dossier), answered within ``ANSWER_WORKING_DAYS`` working days, the answer published with
the question, personal data removed."""

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.catalog.models import Procedure
from egov.catalog.selectors import get_procedure, performing_agencies
from egov.core import audit, calendar, notify
from egov.core.errors import InvalidInput, NotFound, WrongState
from egov.core.models import Agency
from egov.core.text import fold, without_personal_data
from egov.dossiers import access as dossier_access
from egov.dossiers.models import Dossier
from egov.identity.models import User

from . import access
from .models import Feedback, FeedbackStatus

#: Working days an agency has to answer [U: the national rules on handling feedback set the
#: time limits per kind; 10 working days is what egov applies until a province sets its own].
ANSWER_WORKING_DAYS = 10
SUBJECT_MAX, TEXT_MAX, ANSWER_MAX = 200, 4000, 8000
MASK = "[…]"


def _new_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    tail = "".join(secrets.choice(alphabet) for _ in range(8))
    return f"PAKN-{timezone.localdate():%Y%m%d}-{tail}"


def _clean(value: str, field: str, limit: int, errors: dict[str, str]) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = _("This field is required.")
    elif len(value) > limit:
        errors[field] = _("At most %(limit)s characters.") % {"limit": limit}
    return value


def _where(
    author: User | None, procedure_code: str, agency_code: str, dossier_id: int | None
) -> tuple[Procedure | None, Agency, Dossier | None]:
    """The procedure, the agency that answers, and the dossier it is about (the sender's own)."""
    if dossier_id is not None:
        dossier = (
            Dossier.objects.select_related("agency", "procedure").filter(pk=dossier_id).first()
        )
        if dossier is None or author is None or not dossier_access.can_view(author, dossier):
            raise NotFound(_("Dossier not found."))
        return dossier.procedure, dossier.agency, dossier
    procedure = get_procedure(procedure_code) if procedure_code else None
    if procedure_code and procedure is None:
        raise InvalidInput(_("Unknown procedure."), {"procedure": _("Unknown procedure.")})
    agency = Agency.objects.filter(code=agency_code).first()
    allowed = performing_agencies(procedure) if procedure else None
    if agency is None or (allowed is not None and agency not in allowed):
        raise InvalidInput(
            _("Choose the agency your feedback is for."),
            {"agency": _("Choose an agency that performs this procedure.")},
        )
    return procedure, agency, None


def submit(
    *,
    author: User | None,
    subject: str,
    text: str,
    agency_code: str = "",
    procedure_code: str = "",
    dossier_id: int | None = None,
    author_name: str = "",
    author_contact: str = "",
) -> Feedback:
    """Gửi phản ánh, kiến nghị: routed to the agency, due in ``ANSWER_WORKING_DAYS``."""
    errors: dict[str, str] = {}
    subject = _clean(subject, "subject", SUBJECT_MAX, errors)
    text = _clean(text, "text", TEXT_MAX, errors)
    if errors:
        raise InvalidInput(_("Please correct the fields below."), errors)
    procedure, agency, dossier = _where(author, procedure_code, agency_code, dossier_id)
    now = timezone.now()
    feedback = Feedback.objects.create(
        code=_new_code(),
        procedure=procedure,
        dossier=dossier,
        agency=agency,
        author=author if author is not None and author.is_authenticated else None,
        author_name=(author_name or (author.full_name if author else "")).strip()[:200],
        author_contact=author_contact.strip()[:254],
        subject=subject,
        text=text,
        submitted_at=now,
        due_at=calendar.add_working_days(now, ANSWER_WORKING_DAYS),
    )
    audit.record(
        "feedback_submitted", actor=feedback.author, object_type="feedback", object_id=feedback.pk
    )
    return feedback


def answer(official: User, code: str, text: str) -> Feedback:
    """Trả lời: an official of the agency answers; the question and answer are published,
    personal data removed; the sender with an account is told."""
    with transaction.atomic():
        feedback = Feedback.objects.select_for_update().filter(code=code).first()
        if feedback is None or not access.may_answer(official, feedback):
            raise NotFound(_("Feedback not found."))
        if feedback.status == FeedbackStatus.ANSWERED:
            raise WrongState(_("This feedback has already been answered."))
        errors: dict[str, str] = {}
        text = _clean(text, "answer", ANSWER_MAX, errors)
        if errors:
            raise InvalidInput(_("Please correct the fields below."), errors)
        feedback.answer = text
        feedback.answered_at = timezone.now()
        feedback.answered_by = official
        feedback.status = FeedbackStatus.ANSWERED
        feedback.published_subject = _public(feedback.subject, feedback)
        feedback.published_text = _public(feedback.text, feedback)
        feedback.search_text = fold(
            " ".join([feedback.published_subject, feedback.published_text, text])
        )
        feedback.save()
        audit.record(
            "feedback_answered", actor=official, object_type="feedback", object_id=feedback.pk
        )
        if feedback.author is not None:
            for channel, _address in notify.contacts(feedback.author):
                notify.notify(
                    feedback.author,
                    channel,
                    subject=f"{feedback.code}: {_('your feedback has been answered')}",
                    text=text,
                    topic="feedback_answered",
                    about=("feedback", feedback.code),
                    key=f"feedback_answered:{feedback.pk}",
                )
    return feedback


def _public(text: str, feedback: Feedback) -> str:
    """``text`` without the sender's name, contact, or any e-mail address or ID or phone number."""
    for private in (feedback.author_name, feedback.author_contact):
        if private and len(private) > 2:
            text = text.replace(private, MASK)
    if feedback.author is not None:
        for private in (feedback.author.full_name, feedback.author.email, feedback.author.phone):
            if private and len(private) > 2:
                text = text.replace(private, MASK)
    return without_personal_data(text, MASK)


def for_the_public(feedback: Feedback) -> dict[str, Any]:
    """What anyone may read of a feedback: never who sent it."""
    return {
        "code": feedback.code,
        "status": feedback.status,
        "agency": feedback.agency.name,
        "procedure": feedback.procedure.code if feedback.procedure else None,
        "submitted_at": feedback.submitted_at,
        "due_at": feedback.due_at,
        "subject": feedback.published_subject or None,
        "text": feedback.published_text or None,
        "answer": feedback.answer or None,
        "answered_at": feedback.answered_at,
    }
