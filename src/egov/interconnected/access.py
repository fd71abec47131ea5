"""Who sees which application: the applicant, nobody else (each agency's officials see their
own member's dossier in their queue, as any dossier). A refusal is reported as not found and
audited."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from egov.core import audit
from egov.identity.models import User

from .models import Application


def applications_of(user: Any) -> QuerySet[Application]:
    if not isinstance(user, User) or not user.is_authenticated:
        return Application.objects.none()
    return Application.objects.filter(applicant=user).select_related("group", "place")


def access_application(user: Any, application_id: int) -> Application:
    """The application if ``user`` filed it, else Http404 (whether or not it exists)."""
    application = (
        Application.objects.select_related("group", "place", "applicant")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise Http404
    if not (
        isinstance(user, User) and user.is_authenticated and application.applicant_id == user.pk
    ):
        audit.record(
            "permission_denied",
            actor=user if isinstance(user, User) and user.is_authenticated else None,
            object_type="application",
            object_id=application.pk,
            data={"action": "view"},
        )
        raise Http404
    return application
