"""Background work of the document axis. Tasks take ids and are idempotent."""

from django_tasks import task

from . import outbox


@task()
def deliver_envelope(delivery_id: int) -> str:
    """Deliver one envelope to one node (``egov.exchange.outbox.deliver``)."""
    return outbox.deliver(delivery_id)
