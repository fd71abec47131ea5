"""The dossiers part's section of a person's personal-data download (see
``egov.identity.account.personal_data``): their dossiers with form data, components' metadata
and events, and the notifications sent to them."""

from typing import Any

from django.db.models import Prefetch

from egov.core.models import Notification
from egov.identity.models import User

from . import access
from .models import Delivery, Dossier, DossierComponent, DossierEvent


def _actor(event: DossierEvent, user: User) -> str:
    if event.actor_id is None:
        return "system"
    if event.actor_id == user.pk:
        return "you"
    return "official" if event.actor.is_official else "other"  # type: ignore[union-attr]


def _delivery(dossier: Dossier) -> dict[str, Any] | None:
    """How the result is received; for the post the recipient and address given."""
    try:
        delivery = dossier.delivery
    except Delivery.DoesNotExist:
        return None
    return {
        "method": delivery.method,
        "recipient_name": delivery.recipient_name,
        "phone": delivery.phone,
        "address": delivery.address,
        "postal_fee": delivery.postal_fee,
        "consignment": delivery.consignment,
        "postal_status": delivery.postal_status,
    }


def _dossier(dossier: Dossier, user: User) -> dict[str, Any]:
    organisation = dossier.organisation
    return {
        "id": dossier.pk,
        "code": dossier.code,
        "status": dossier.status,
        "procedure": {
            "code": dossier.procedure.code,
            "version": dossier.procedure.version,
            "name": dossier.procedure.name,
        },
        "agency": {"code": dossier.agency.code, "name": dossier.agency.name},
        "organisation": (
            {"tax_code": organisation.tax_code, "name": organisation.name} if organisation else None
        ),
        "filed_by_you": dossier.applicant_id == user.pk,
        "channel": dossier.channel,
        "created_at": dossier.created_at,
        "submitted_at": dossier.submitted_at,
        "received_at": dossier.received_at,
        "due_at": dossier.due_at,
        "promised_at": dossier.promised_at,
        "finished_at": dossier.finished_at,
        "form_data": dossier.form_data,
        "supplement_reason": dossier.supplement_reason,
        "decision_reason": dossier.decision_reason,
        "result_note": dossier.result_note,
        "rating": dossier.rating,
        "rating_comment": dossier.rating_comment,
        "delivery": _delivery(dossier),
        "components": [
            {
                "code": component.code,
                "filename": component.filename,
                "sha256": component.file.sha256,
                "size": component.file.size,
                "content_type": component.file.content_type,
                "source": component.source,
                "uploaded_at": component.uploaded_at,
                "checked": component.checked,
                "check_note": component.check_note,
            }
            for component in dossier.components.all()
        ],
        "events": [
            {
                "kind": event.kind,
                "at": event.at,
                "from_status": event.from_status,
                "to_status": event.to_status,
                "by": _actor(event, user),
                "data": event.data,
            }
            for event in dossier.events.all()
        ],
    }


def personal_data(user: User) -> dict[str, Any]:
    """Dossiers the person holds as applicant now (their own, and their organisations'), plus
    those they filed for an organisation they no longer represent, named without their content
    (it belongs to the organisation); and every notification sent to them."""
    readable = (
        access.dossiers_as_applicant(user)
        .select_related("delivery")
        .prefetch_related(
            Prefetch("components", queryset=DossierComponent.objects.select_related("file")),
            Prefetch("events", queryset=DossierEvent.objects.select_related("actor")),
        )
    )
    dossiers = [_dossier(dossier, user) for dossier in readable]
    seen = {entry["id"] for entry in dossiers}
    former = [
        {
            "id": dossier.pk,
            "code": dossier.code,
            "procedure": dossier.procedure.code,
            "organisation": dossier.organisation.name if dossier.organisation else None,
            "created_at": dossier.created_at,
        }
        for dossier in Dossier.objects.filter(applicant=user)
        .exclude(pk__in=seen)
        .select_related("procedure", "organisation")
        .order_by("created_at")
    ]
    codes = dict(Dossier.objects.filter(applicant=user).values_list("pk", "code"))
    notifications = [
        {
            "dossier": codes.get(int(notification.object_id)),
            "event": notification.topic,
            "channel": notification.channel,
            "status": notification.status,
            "created_at": notification.created_at,
            "sent_at": notification.sent_at,
        }
        for notification in Notification.objects.filter(
            recipient=user, object_type="dossier"
        ).order_by("created_at", "pk")
    ]
    return {
        "dossiers": dossiers,
        "dossiers_filed_for_former_organisations": former,
        "notifications": notifications,
    }
