"""The clerk's journey in a real browser, checked with axe-core: compose a document with its
signed main file, issue and send it; the recipient's clerk accepts and assigns it, the
official completes it; the sender sees each recipient's status."""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from egov.identity.models import User
from tests.e2e import conftest as e2e
from tests.e2e.test_journey import (
    L,
    check_accessibility,
    log_in,
    log_out_button,
    screenshot,
    write_pdf,
)

from .conftest import CITY, JUSTICE, WARD

browser, new_page, axe_source = e2e.browser, e2e.new_page, e2e.axe_source

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("e2e"),
]


def log_out(page: Page) -> None:
    log_out_button(page).click()


def test_compose_send_receive_assign_complete(
    new_page: Callable[..., Page],
    axe_source: str,
    agencies: Any,
    make_official: Callable[..., User],
    tmp_path: Path,
) -> None:
    sender = make_official(agencies[CITY], "clerk", username="vanthu.hanoi")
    receiver = make_official(agencies[JUSTICE], "clerk", username="vanthu.sotuphap")
    officer = make_official(agencies[JUSTICE], "processor", username="chuyenvien.sotuphap")
    make_official(agencies[WARD], "clerk", username="vanthu.badinh")
    pdf = write_pdf(tmp_path, "ke-hoach.pdf", "Kế hoạch chuyển đổi số")

    page = new_page()
    log_in(page, sender.username)
    page.get_by_role("link", name=L("Official documents", "Văn bản")).click()
    page.get_by_role("link", name=L("Compose a document", "Soạn văn bản")).click()
    check_accessibility(page, axe_source, "composing a document")
    page.locator("#doc_type").select_option("10")  # Kế hoạch
    page.locator("#subject").fill("Kế hoạch chuyển đổi số năm 2027")
    page.locator("#summary").fill("Triển khai các nhiệm vụ chuyển đổi số trọng tâm.")
    page.get_by_role("checkbox", name=re.compile(JUSTICE)).check()
    page.get_by_role("checkbox", name=re.compile(WARD)).check()
    page.locator("#signer_name").fill("Nguyễn Văn Hà")
    page.locator("#main_file").set_input_files(str(pdf))
    screenshot(page, "34-exchange-compose")
    page.get_by_role("button", name=L("Save the draft", "Lưu dự thảo")).click()
    page.get_by_role("button", name=L("Issue, sign and send", "Ban hành, ký số và gửi")).click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("01/KH-UBND")
    expect(page.get_by_role("row", name=re.compile(JUSTICE))).to_contain_text("01")
    log_out(page)

    log_in(page, receiver.username)
    page.goto("/van-ban/")
    check_accessibility(page, axe_source, "the register of documents received")
    screenshot(page, "35-exchange-register")
    page.get_by_role("link", name="01/KH-UBND").click()
    expect(
        page.get_by_text(L("Valid, by the sending agency", "Hợp lệ, do cơ quan gửi ký"))
    ).to_be_visible()
    page.get_by_role("button", name=L("Accept (03)", "Tiếp nhận (03)")).click()
    page.locator("#assignee").select_option(label=officer.full_name)
    page.locator("#department").fill("Phòng Hành chính tư pháp")
    page.get_by_role("button", name=L("Assign (05)", "Phân công (05)")).click()
    check_accessibility(page, axe_source, "a document received")
    screenshot(page, "36-exchange-document")
    log_out(page)

    log_in(page, officer.username)
    page.goto("/van-ban/")
    page.get_by_role("link", name="01/KH-UBND").click()
    page.locator("#complete-note").fill("Đã xây dựng kế hoạch của Sở")
    page.get_by_role("button", name=L("Mark completed (06)", "Đánh dấu đã xử lý xong (06)")).click()
    expect(page.locator(".messages")).to_be_visible()
    log_out(page)

    log_in(page, sender.username)
    page.goto("/van-ban/so/di/")
    page.get_by_role("link", name="01/KH-UBND").click()
    justice_row = page.get_by_role("row", name=re.compile(JUSTICE))
    expect(justice_row).to_contain_text("06")
    expect(justice_row).to_contain_text("Đã xây dựng kế hoạch của Sở")
    expect(page.get_by_role("row", name=re.compile(WARD))).to_contain_text("01")
    check_accessibility(page, axe_source, "the sender's view of the statuses")
    screenshot(page, "37-exchange-statuses")
