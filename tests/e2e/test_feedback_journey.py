"""A citizen sends feedback about a procedure, the ward's official answers it from the back
office, and anyone reads the published answer on the procedure's page, in a real browser with
axe-core on each page."""

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from egov.catalog.models import Procedure
from egov.core.models import Agency
from egov.feedback.models import Feedback
from egov.identity.models import User

from .test_journey import L, check_accessibility, labelled, log_in, log_out

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("e2e"),
]


def test_feedback_is_answered_and_published_on_the_procedure_page(
    new_page: Callable[..., Any],
    birth: Procedure,
    ward: Agency,
    citizen: User,
    journey_staff: dict[str, User],
    axe_source: str,
) -> None:
    page = new_page()
    log_in(page, citizen.username)
    page.goto(f"/procedures/{birth.code}/")
    page.get_by_role(
        "link", name=L("Ask a question or send a recommendation about this procedure")
    ).click()
    check_accessibility(page, axe_source, "send feedback")
    page.get_by_label(L("Agency", "Cơ quan")).select_option(ward.code)
    labelled(page, "#id_subject").fill("Có cần bản chính giấy chứng sinh?")
    labelled(page, "#id_text").fill(f"Tôi là {citizen.full_name}, bệnh viện chỉ cấp một bản.")
    page.get_by_role("button", name=L("Send")).click()
    feedback = Feedback.objects.get()
    expect(page.get_by_role("heading", level=1)).to_contain_text(feedback.code)
    check_accessibility(page, axe_source, "feedback sent")
    log_out(page)

    log_in(page, journey_staff["processor"].username)
    page.goto("/backoffice/phan-anh/")
    page.get_by_role("link", name=feedback.code).click()
    labelled(page, "#id_answer").fill("Nộp bản sao có chứng thực là đủ.")
    page.get_by_role("button", name=L("Publish the answer")).click()
    expect(page.locator(".answer")).to_have_text("Nộp bản sao có chứng thực là đủ.")
    log_out(page)

    page.goto(f"/procedures/{birth.code}/")
    page.get_by_text("Có cần bản chính giấy chứng sinh?").click()
    expect(page.get_by_text("Nộp bản sao có chứng thực là đủ.")).to_be_visible()
    expect(page.get_by_text(citizen.full_name)).to_have_count(0)
    check_accessibility(page, axe_source, "procedure with its answered questions")
