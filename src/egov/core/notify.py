"""Notifications: the one way any part tells a person something, in the portal's notification
centre, by email or by SMS.

:func:`notify` records a ``Notification`` in the caller's transaction and queues the task
``egov.core.tasks.deliver_notification`` (by name) after the commit, so nothing is sent for work
that rolls back. :func:`deliver` sends it without holding any lock (a conditional update claims
it), records each outcome, retries with backoff, and never sends what was sent. A key makes
``notify`` idempotent per recipient and channel, so a retried caller never reaches a person
twice. Logs carry ids and channels, never addresses or texts.

The portal channel needs no delivery: its notification is recorded as sent, and the person
reads it in their notification centre, where ``read_at`` marks what they have read. Each person
chooses whether they are also told by email and by SMS (``notify_by_email``,
``notify_by_sms`` on their account); a caller that gives an address (a verification code to a
contact being proven) is not subject to that choice.
"""

import logging
from datetime import timedelta
from functools import partial
from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import Notification, NotificationStatus
from .queue import task_named
from .sms import send_sms

log = logging.getLogger("egov.notify")

EMAIL, SMS, PORTAL = "email", "sms", "portal"
CHANNELS = (EMAIL, SMS, PORTAL)
MAX_ATTEMPTS = 5
#: A claim older than this is from a worker that died while sending: the message is sent again.
CLAIM_LEASE = timedelta(minutes=10)
TASK = "egov.core.tasks.deliver_notification"


def contacts(person: Any) -> list[tuple[str, str]]:
    """(channel, address) of each way ``person`` is told things, as they chose: the portal's
    notification centre always, then their email and their phone (SMS) unless they turned
    that channel off."""
    found = [(PORTAL, PORTAL)]
    if getattr(person, "notify_by_email", True):
        found.append((EMAIL, getattr(person, "email", "")))
    if getattr(person, "notify_by_sms", True):
        found.append((SMS, getattr(person, "phone", "")))
    return [(channel, address) for channel, address in found if address]


def in_portal(person: Any) -> Any:
    """``person``'s notifications in the portal, newest first (a queryset)."""
    return Notification.objects.filter(recipient=person, channel=PORTAL).order_by("-id")


def unread(person: Any) -> int:
    """How many of ``person``'s notifications in the portal they have not read."""
    return in_portal(person).filter(read_at=None).count()


def mark_read(person: Any, ids: list[int] | None = None) -> int:
    """Mark ``person``'s portal notifications read (those of ``ids``, or all); only their own.
    Returns how many changed."""
    found = in_portal(person).filter(read_at=None)
    if ids is not None:
        found = found.filter(pk__in=ids)
    return found.update(read_at=timezone.now())


def notify(
    recipient: Any,  # a user (the kernel names no part above it)
    channel: str,
    *,
    subject: str,
    text: str,
    topic: str,
    address: str = "",
    about: tuple[str, object] | None = None,
    key: str = "",
    secret: bool = False,
    refused: str = "",
) -> Notification | None:
    """Queue ``text`` (and ``subject``, for email) to ``recipient`` by ``channel``, at
    ``address`` or the recipient's own. Returns the notification, or None when there is no
    address or the same ``key`` already reached this recipient by this channel. ``about`` names
    the object it concerns (type, id). With ``refused`` (a reason), the notification is recorded
    as failed and not sent."""
    if channel not in CHANNELS:
        raise ValueError(channel)
    address = address or dict(contacts(recipient)).get(channel, "")
    if not address:
        return None
    fields = {
        "recipient": recipient,
        "channel": channel,
        "address": address,
        "topic": topic,
        "object_type": about[0] if about else "",
        "object_id": str(about[1]) if about else "",
        "key": key,
        "subject": subject[:255],
        "text": "" if refused and secret else text,
        "secret": secret,
    }
    if refused:
        fields |= {"status": NotificationStatus.FAILED, "last_error": refused[:255]}
    elif channel == PORTAL:  # nothing to deliver: it is in the notification centre now
        fields |= {"status": NotificationStatus.SENT, "sent_at": timezone.now(), "address": ""}
    try:
        with transaction.atomic():
            notification = Notification.objects.create(**fields)
    except IntegrityError:
        if (
            key
            and Notification.objects.filter(key=key, recipient=recipient, channel=channel).exists()
        ):
            return None
        raise
    if not refused and channel != PORTAL:
        transaction.on_commit(partial(_enqueue, notification.pk))
    return notification


def _enqueue(notification_id: int, delay: timedelta | None = None) -> None:
    deliver_task = task_named(TASK)
    if delay is not None:
        if not deliver_task.get_backend().supports_defer:
            return  # a backend that cannot wait (tests: immediate) leaves it pending
        deliver_task = deliver_task.using(run_after=timezone.now() + delay)
    deliver_task.enqueue(notification_id)


def _send(notification: Notification) -> None:
    if notification.channel == EMAIL:
        send_mail(notification.subject, notification.text, None, [notification.address])
    else:
        send_sms(notification.address, notification.text)


def deliver(notification_id: int) -> str:
    """Send one notification unless it was sent or is being sent; returns its status. Idempotent:
    a duplicate run finds it claimed or sent and does nothing."""
    now = timezone.now()
    claimable = Q(status=NotificationStatus.PENDING) | Q(
        status=NotificationStatus.SENDING, claimed_at__lt=now - CLAIM_LEASE
    )
    claimed = (
        Notification.objects.filter(claimable, pk=notification_id)
        .exclude(attempts__gte=MAX_ATTEMPTS)
        .update(status=NotificationStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now)
    )
    notification = Notification.objects.get(pk=notification_id)
    if not claimed:
        if notification.status == NotificationStatus.SENDING and notification.claimed_at:
            # Claimed by another run: if its worker died while sending (its task run again
            # after the lease, as this one may be), nothing else would look at it again, so
            # look again when the claim expires (then it is sent, or found sent).
            _enqueue(notification.pk, notification.claimed_at + CLAIM_LEASE - now)
        return notification.status
    try:
        _send(notification)
    except Exception as exc:  # any failure of the mail or SMS gateway is retried
        return _failed(notification, exc)
    notification.status = NotificationStatus.SENT
    notification.sent_at = timezone.now()
    notification.last_error = ""
    notification.text = "" if notification.secret else notification.text
    notification.save(update_fields=["status", "sent_at", "last_error", "text"])
    return notification.status


def _failed(notification: Notification, exc: Exception) -> str:
    notification.last_error = f"{type(exc).__name__}: {exc}"[:255]
    gave_up = notification.attempts >= MAX_ATTEMPTS
    notification.status = NotificationStatus.FAILED if gave_up else NotificationStatus.PENDING
    if gave_up and notification.secret:
        notification.text = ""
    notification.save(update_fields=["status", "last_error", "text"])
    log.warning(
        "notification_failed",
        extra={
            "notification": notification.pk,
            "channel": notification.channel,
            "attempt": notification.attempts,
            "error": type(exc).__name__,
        },
    )
    if not gave_up:
        _enqueue(notification.pk, timedelta(seconds=30 * 2**notification.attempts))
    return notification.status
