"""Background work of the dossiers part. Tasks take ids, are idempotent and retry with backoff."""

import logging
from datetime import timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from egov.core.sms import send_sms

from . import access
from .models import Notification, NotificationStatus
from .notifications import compose

log = logging.getLogger("egov.dossiers")
MAX_ATTEMPTS = 5


@task()
def send_notification(notification_id: int) -> str:
    """Send one notification unless it has been sent; on failure, retry later with backoff."""
    with transaction.atomic():
        notification = (
            # Lock the notification only: the joined dossier must stay free for the officials
            # (and the procedure for every other notification) while the mail server is slow.
            Notification.objects.select_for_update(of=("self",))
            .select_related("dossier__applicant", "dossier__procedure", "dossier__agency", "event")
            .get(pk=notification_id)
        )
        if notification.status != NotificationStatus.PENDING:
            return notification.status
        applicant = notification.dossier.applicant
        if not access.can_view(applicant, notification.dossier):
            # Filed for an organisation the applicant no longer represents: not theirs to hear.
            notification.status = NotificationStatus.FAILED
            notification.last_error = "recipient_not_authorised"
            notification.save(update_fields=["status", "last_error"])
            return notification.status
        notification.attempts += 1
        subject, text = compose(notification.dossier, notification.event)
        try:
            if notification.channel == "email":
                send_mail(subject, text, None, [applicant.email])
            else:
                send_sms(applicant.phone, text)
        except Exception as exc:  # any failure of the mail or SMS gateway is retried
            notification.last_error = f"{type(exc).__name__}: {exc}"[:255]
            failed = notification.attempts >= MAX_ATTEMPTS
            notification.status = (
                NotificationStatus.FAILED if failed else NotificationStatus.PENDING
            )
            notification.save(update_fields=["attempts", "last_error", "status"])
            log.warning("notification_failed", extra={"notification": notification_id})
            if not failed:
                delay = timedelta(seconds=30 * 2**notification.attempts)
                transaction.on_commit(
                    lambda: send_notification.using(run_after=timezone.now() + delay).enqueue(
                        notification_id
                    )
                )
            return notification.status
        notification.status = NotificationStatus.SENT
        notification.sent_at = timezone.now()
        notification.save(update_fields=["attempts", "status", "sent_at", "last_error"])
    return notification.status
