"""Background work of eCabinet."""

from django_tasks import task

from . import services


@task()
def close_sheet(sheet_id: int) -> str:
    """Close an opinion sheet at its deadline or once all have answered; sign its summary."""
    return services.close_sheet(sheet_id).state
