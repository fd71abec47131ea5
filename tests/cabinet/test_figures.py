"""What the reports quote, per year: meetings held, opinion sheets processed, and paper pages
replaced (pages of each paper distributed × the people it went to), on the dashboard."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from egov.cabinet import meetings, selectors, services
from egov.cabinet.models import Body
from egov.identity.models import User

from .conftest import pdf_paper


def test_meetings_sheets_and_pages_per_year(
    body: Body, people: dict[str, User], commit: Callable[[], Any], client: Client
) -> None:
    secretary = people["secretary"]
    draft = services.add_paper(secretary, body, "Dự thảo", pdf_paper("Dự thảo", 2), "normal")
    sheet = services.create_sheet(
        secretary,
        body,
        title="Dự thảo Quyết định",
        kind="decision",
        deadline=timezone.now() + timedelta(days=1),
        questions=["Đồng ý?"],
        papers=[draft],
    )
    services.send_sheet(secretary, sheet.pk)
    question = sheet.questions.get()
    with commit():
        for name in ("chair", "member1", "member2"):
            services.answer(people[name], sheet.pk, {question.pk: services.Given("agree")})
    meeting = meetings.create_meeting(
        secretary, body, title="Phiên họp", starts_at=timezone.now(), items=[meetings.Item("Một")]
    )
    report = services.add_paper(secretary, body, "Báo cáo", pdf_paper("Báo cáo", 3), "normal")
    meetings.attach_paper(secretary, meeting.items.get().pk, report)
    meetings.invite_guest(secretary, meeting.pk, people["guest"])
    meetings.publish(secretary, meeting.pk)
    meetings.open_meeting(secretary, meeting.pk)
    meetings.close_meeting(secretary, meeting.pk)
    # An open sheet counts nothing yet.
    other = services.create_sheet(
        secretary,
        body,
        title="Chưa kết thúc",
        kind="report",
        deadline=timezone.now() + timedelta(days=1),
        questions=["?"],
        papers=[draft],
    )
    services.send_sheet(secretary, other.pk)

    today = timezone.localdate()
    (year,) = selectors.yearly_figures(None, today.replace(month=1, day=1), today)
    assert (year.year, year.meetings, year.sheets) == (today.year, 1, 1)
    assert year.pages == 2 * 3 + 3 * 4  # the draft to 3 members; the report to 4 invited
    assert selectors.yearly_figures([body.agency_id + 10_000], today, today) == []
    page = client.get("/chi-so/").content.decode()
    assert "Họp không giấy (eCabinet)" in page and '<td class="num">18</td>' in page
