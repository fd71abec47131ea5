"""Background work of the dossiers part. Tasks take ids and are idempotent."""

from django_tasks import task

from egov.core import notify

from . import services


@task()
def send_notification(notification_id: int) -> str:
    """Tasks queued before notifications moved to the kernel (their ids were kept): delivered
    by the one ``egov.core.notify.deliver``."""
    return notify.deliver(notification_id)


@task()
def book_consignment(dossier_id: int) -> str:
    """Book the consignment of a result sent by post (``services.book_consignment``): once,
    whatever how often it runs; a failure is retried with backoff."""
    return services.book_consignment(dossier_id)
