"""What the applicant does once a dossier is filed: supplement it, withdraw it, rate the
service."""

import math
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from egov.catalog import forms as application_forms
from egov.core import calendar
from egov.core.errors import InvalidInput, WrongState
from egov.identity.models import User

from ..constants import (
    Satisfaction,
    Status,
)
from ..models import Dossier
from .components import Upload, attach, completeness_errors
from .steps import legal_deadline, record, transition


def provide_supplement(
    dossier_id: int,
    applicant: User,
    raw_form: Mapping[str, Any] | None,
    uploads: Mapping[str, Upload],
    expected_version: int | None = None,
) -> Dossier:
    """The applicant sends what was asked; the clock restarts with the working time that was left."""
    with transition(dossier_id, applicant, "supplement", expected_version) as dossier:
        if raw_form is not None:
            dossier.form_data = application_forms.coerce(
                dossier.procedure.definition["form"], raw_form
            )
        attach(dossier, uploads)
        errors = completeness_errors(dossier)
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
        record(
            dossier,
            "supplemented",
            applicant,
            Status.AWAITING_SUPPLEMENT,
            files=sorted(uploads),
            due_at=dossier.due_at.isoformat() if dossier.due_at else None,
        )
    return dossier


def withdraw(
    dossier_id: int, applicant: User, reason: str = "", expected_version: int | None = None
) -> Dossier:
    """Rút hồ sơ: the applicant withdraws a dossier that is not finished."""
    with transition(dossier_id, applicant, "withdraw", expected_version) as dossier:
        previous = dossier.status
        dossier.status = Status.WITHDRAWN
        dossier.decision_reason = (reason or "").strip()
        dossier.finished_at = timezone.now()
        record(dossier, "withdrawn", applicant, previous)
    return dossier


def rate(dossier_id: int, applicant: User, score: int, comment: str = "") -> Dossier:
    """Đánh giá: the applicant rates the service once the result is returned."""
    if score not in Satisfaction.values:
        raise InvalidInput(_("Choose a rating."), {"score": _("Choose a rating.")})
    with transition(dossier_id, applicant, "rate") as dossier:
        if dossier.rating is not None:
            raise WrongState(_("This dossier has already been rated."))
        dossier.rating = score
        dossier.rating_comment = (comment or "").strip()[:1000]
        record(dossier, "rated", applicant, dossier.status, score=score)
    return dossier
