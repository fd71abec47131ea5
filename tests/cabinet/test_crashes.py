"""A worker killed in the middle of signing (SIGKILL: nothing after the last commit happens):
the sheet or the meeting keeps the code reserved when it closed, the task or ``cabinet_due``
signs it later under that code, and nothing is issued or sent twice."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from egov.cabinet import meetings, services, summaries
from egov.cabinet.constants import SheetState
from egov.cabinet.models import Body, Meeting, Sheet
from egov.core.models import Notification
from egov.identity.models import User
from egov.records.issuing import issue_signed_pdf
from egov.records.models import ResultDocument


class Killed(BaseException):
    """What the process sees of SIGKILL: nothing more runs."""


@pytest.fixture
def sent(body: Body, people: dict[str, User]) -> Sheet:
    sheet = services.create_sheet(
        people["secretary"],
        body,
        title="Dự thảo Quyết định",
        kind="decision",
        deadline=timezone.now() + timedelta(hours=1),
        questions=["Đồng ý?"],
    )
    return services.send_sheet(people["secretary"], sheet.pk)


def documents_titled(text: str) -> int:
    return ResultDocument.objects.filter(title__contains=text).count()


def test_killed_before_the_summary_is_signed(sent: Sheet, monkeypatch: pytest.MonkeyPatch) -> None:
    def die(*args: Any, **kwargs: Any) -> None:
        raise Killed

    monkeypatch.setattr(services, "issue_signed_pdf", die)
    with time_machine.travel(sent.deadline + timedelta(minutes=1)), pytest.raises(Killed):
        services.close_sheet(sent.pk)
    closed = Sheet.objects.get(pk=sent.pk)
    assert closed.state == SheetState.CLOSED and closed.summary_key and not closed.summary_code
    monkeypatch.undo()
    call_command("cabinet_due")
    call_command("cabinet_due")
    closed.refresh_from_db()
    assert closed.summary_code == closed.summary_key
    assert documents_titled(sent.title) == 1


def test_killed_after_issuing_before_recording(
    sent: Sheet, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (
        time_machine.travel(sent.deadline + timedelta(minutes=1)),
        monkeypatch.context() as patched,
    ):
        patched.setattr(services, "sign_summary", lambda sheet: sheet)
        services.close_sheet(sent.pk)
    closed = Sheet.objects.get(pk=sent.pk)
    # The document was issued under the reserved code; the process died before saying so.
    issue_signed_pdf(
        closed.body.agency,
        title=f"Tổng hợp: {closed.title}",
        document_type="cabinet_sheet_summary",
        render=lambda code: summaries.sheet_summary_pdf(closed, services.tally_of(closed), code),
        actor=closed.created_by,
        reason="Tổng hợp ý kiến",
        code=closed.summary_key,
    )
    services.due_work()
    closed.refresh_from_db()
    assert closed.summary_code == closed.summary_key
    assert documents_titled(closed.title) == 1


def test_killed_before_the_minutes_task_ran(
    body: Body, people: dict[str, User], commit: Callable[[], Any]
) -> None:
    secretary = people["secretary"]
    meeting = meetings.create_meeting(
        secretary, body, title="Phiên họp", starts_at=timezone.now(), items=[meetings.Item("Một")]
    )
    meetings.publish(secretary, meeting.pk)
    meetings.open_meeting(secretary, meeting.pk)
    meetings.close_meeting(secretary, meeting.pk)  # committed; its task never ran
    closed = Meeting.objects.get(pk=meeting.pk)
    assert closed.minutes_key and not closed.minutes_code
    assert meetings.sign_missing_minutes() == 1
    assert meetings.sign_missing_minutes() == 0
    closed.refresh_from_db()
    assert closed.minutes_code == closed.minutes_key
    assert ResultDocument.objects.filter(code=closed.minutes_key).count() == 1
    # The task, delivered late, changes nothing; each participant was told once per channel.
    meetings.sign_minutes(meeting.pk)
    told = Notification.objects.filter(topic="cabinet_minutes")
    assert told.count() == told.values("recipient", "channel").distinct().count() > 0
