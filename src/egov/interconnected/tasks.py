"""Background work of interconnected applications."""

from django_tasks import task

from . import remote, services


@task()
def advance(application_id: int) -> str:
    """File the parts whose results are there; settle the application (idempotent)."""
    return services.advance(application_id).status


@task()
def send_part(part_id: int) -> str:
    """Hand a member's dossier to the deployment performing it."""
    return remote.send(part_id)


@task()
def publish_intake_event(intake_id: int, event_id: int, attempts: int = 1) -> str:
    """Publish an event of a handed-over dossier back to the deployment that handed it over."""
    return remote.publish(intake_id, event_id, attempts)


@task()
def withdraw_part(part_id: int, reason: str) -> str:
    """Ask the deployment performing a member to withdraw its dossier."""
    return remote.withdraw_remote(part_id, reason)
