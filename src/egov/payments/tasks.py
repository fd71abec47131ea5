"""Background work of the payments part: closing intents whose time ran out."""

import logging
from datetime import datetime, timedelta

from django.utils import timezone
from django_tasks import default_task_backend, task

from .constants import OPEN_STATUSES
from .models import Payment

log = logging.getLogger("egov.payments")
#: A little after the deadline, so that a notification sent at the last second lands first.
GRACE = timedelta(minutes=1)


@task()
def expire_payments() -> int:
    """Expire the stale intents, then come back when the next open one is due (re-enqueued:
    django-tasks has no periodic schedule)."""
    from .services import expire_stale

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


def schedule_expiry(when: datetime | None) -> None:
    """Run :func:`expire_payments` after ``when``; a back end that cannot defer (the tests'
    immediate one) leaves it to ``manage.py expire_payments``."""
    if when is None or not default_task_backend.supports_defer:
        return
    expire_payments.using(run_after=max(when, timezone.now()) + GRACE).enqueue()


@task()
def deliver_sandbox_notification(params: dict[str, str]) -> str:
    """The sandbox bank's server-to-server notification: the same verification and settlement
    as a real gateway's IPN (in-process, as the sandbox bank lives in the portal)."""
    from .services import handle_callback

    outcome, _reference = handle_callback("sandbox", params, "notification")
    return outcome.value
