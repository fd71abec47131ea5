"""Background work of eCabinet."""

from django_tasks import task

from . import meetings, services


@task()
def close_sheet(sheet_id: int) -> str:
    """Close an opinion sheet at its deadline or once all have answered; sign its summary."""
    return services.close_sheet(sheet_id).state


@task()
def sign_minutes(meeting_id: int) -> str:
    """Sign and send a closed meeting's minutes (idempotent)."""
    return meetings.sign_minutes(meeting_id).minutes_code
