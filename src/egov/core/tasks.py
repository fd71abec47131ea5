"""Background work of the kernel. Tasks take ids and are idempotent."""

from django_tasks import task

from . import notify


@task()
def deliver_notification(notification_id: int) -> str:
    """Send one notification (``egov.core.notify.deliver``): once, retried with backoff."""
    return notify.deliver(notification_id)
