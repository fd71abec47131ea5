"""Background work of the data repository."""

from django_tasks import task

from . import services


@task()
def read_scan(scan_id: int) -> str:
    """Read a scan taken at the counter: a searchable PDF/A and the fields its text proposes."""
    return services.read_scan(scan_id).state
