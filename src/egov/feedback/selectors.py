"""Reads: published answers (searchable, per procedure), an agency's open feedback, the counts."""

from typing import Any

from django.db.models import Count, F, Q, QuerySet

from egov.core.text import fold
from egov.identity.models import User

from .models import Feedback, FeedbackStatus


def published(query: str = "", procedure_code: str = "") -> QuerySet[Feedback]:
    """Answered feedback, newest answer first, diacritic-blind search over question and answer."""
    found = Feedback.objects.filter(status=FeedbackStatus.ANSWERED).select_related(
        "agency", "procedure"
    )
    for word in fold(query).split()[:8]:
        found = found.filter(search_text__contains=word)
    if procedure_code:
        found = found.filter(procedure__code=procedure_code)
    return found.order_by("-answered_at", "-id")


def open_for(official: User) -> QuerySet[Feedback]:
    """Feedback awaiting an answer at the agencies where ``official`` holds a role, due first."""
    agencies = official.official_roles.values("agency_id")
    return (
        Feedback.objects.filter(status=FeedbackStatus.OPEN, agency_id__in=agencies)
        .select_related("agency", "procedure")
        .order_by("due_at", "id")
    )


def counts() -> dict[str, Any]:
    """Received, answered, answered on time, and still open past the due date."""
    return Feedback.objects.aggregate(
        received=Count("id"),
        answered=Count("id", filter=Q(status=FeedbackStatus.ANSWERED)),
        on_time=Count("id", filter=Q(status=FeedbackStatus.ANSWERED, answered_at__lte=F("due_at"))),
    )
