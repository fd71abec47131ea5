"""Background work of the payments part: closing intents whose time ran out."""

import logging

from django_tasks import task

from .constants import OPEN_STATUSES
from .models import Payment
from .services import expire_stale, handle_callback, schedule_expiry

log = logging.getLogger("egov.payments")


@task()
def expire_payments() -> int:
    """Expire the stale intents, then come back when the next open one is due (re-enqueued:
    django-tasks has no periodic schedule)."""
    expired = expire_stale()
    if expired:
        log.info("payments_expired", extra={"count": expired})
    following = (
        Payment.objects.filter(status__in=OPEN_STATUSES, expires_at__isnull=False)
        .order_by("expires_at")
        .values_list("expires_at", flat=True)
        .first()
    )
    if following is not None:
        schedule_expiry(following)
    return expired


@task()
def deliver_sandbox_notification(params: dict[str, str]) -> str:
    """The sandbox bank's server-to-server notification: the same verification and settlement
    as a real gateway's IPN (in-process, as the sandbox bank lives in the portal)."""
    outcome, _reference = handle_callback("sandbox", params, "notification")
    return outcome.value
