"""Background work of the gateway. Tasks take ids and are idempotent."""

from django_tasks import task

from . import events


@task()
def deliver_event(delivery_id: int) -> str:
    """Deliver one event to one subscriber (``egov.gateway.events.deliver``)."""
    return events.deliver(delivery_id)
