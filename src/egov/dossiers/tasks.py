"""Background work of the dossiers part. Tasks take ids and are idempotent."""

from django_tasks import task

from egov.core import notify


@task()
def send_notification(notification_id: int) -> str:
    """Tasks queued before notifications moved to the kernel (their ids were kept): delivered
    by the one ``egov.core.notify.deliver``."""
    return notify.deliver(notification_id)
