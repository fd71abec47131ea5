"""A periodic report in a real browser: the Department of Justice's administrator defines a
monthly report for a ward, the ward's administrator fills in the pre-filled form, saves a draft
and submits it, and the department sees it submitted on time and downloads the roll-up (CSV and
XLSX, parsed back); axe-core checks every page on the way."""

import csv
import io
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from egov.core.models import Agency
from egov.identity.models import User
from egov.identity.officials.services import create_official
from egov.reporting.models import Report
from tests.conftest import PASSWORD

from .test_journey import L, check_accessibility, log_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("e2e"),
]

DEPARTMENT = "000.00.01.H26"
WARD = "000.00.31.H26"
TITLE = "Báo cáo hộ tịch hằng tháng"


@pytest.fixture
def admins(agencies: dict[str, Agency]) -> dict[str, User]:
    return {
        "department": create_official(
            username="quantri.sotuphap",
            full_name="Đinh Thị Thu",
            password=PASSWORD,
            agency=agencies[DEPARTMENT],
            roles=["agency_admin"],
        ),
        "ward": create_official(
            username="quantri.badinh",
            full_name="Hoàng Văn Nam",
            password=PASSWORD,
            agency=agencies[WARD],
            roles=["agency_admin"],
        ),
    }


def define_report(page: Page, axe_source: str) -> None:
    page.goto("/reporting/")
    page.get_by_role("link", name=L("Define a periodic report")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(L("Define a periodic report"))
    check_accessibility(page, axe_source, "the regime form")
    page.get_by_label(L("Title", prefix=True)).fill(TITLE)
    page.get_by_label(L("Period")).select_option("monthly")
    # Last month: it has ended, so its reports open at once.
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    page.get_by_label(L("First period (any day in it)")).fill(last_month.isoformat())
    page.get_by_label(L("Counted as")).select_option("day_of_month")
    # The 31st of the month after the period: its last day, so today is on time.
    page.get_by_label(L("Number of working days, or day of the month")).fill("31")
    page.get_by_role("radio", name=L("Chosen agencies")).check()
    page.locator("summary").filter(has_text=L("Chosen agencies")).click()
    page.get_by_label(re.compile(re.escape(f"({WARD})"))).check()
    first = page.get_by_role("textbox", name=re.compile(r"^(?:Mã chỉ tiêu|Code of field) 1$"))
    first.fill("births")
    page.locator('[name="field-0-label"]').fill("Số ca đăng ký khai sinh")
    page.locator('[name="field-0-required"]').check()
    page.locator('[name="field-0-prefill"]').select_option("count:received")
    page.locator('[name="field-1-code"]').fill("notes")
    page.locator('[name="field-1-label"]').fill("Ghi chú")
    page.locator('[name="field-1-kind"]').select_option("text")
    page.get_by_role("button", name=L("Define the report")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("#count-missing")).to_have_text("1")
    check_accessibility(page, axe_source, "the regime page")


def fill_and_submit(page: Page, axe_source: str) -> None:
    page.goto("/reporting/")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    births = page.get_by_label(re.compile("^Số ca đăng ký khai sinh"))
    expect(births).to_have_value("0")  # pre-filled: no dossier received last month
    check_accessibility(page, axe_source, "the report form")
    births.fill("")
    page.get_by_role("button", name=L("Submit the report")).click()
    expect(page.get_by_role("alert")).to_be_visible()  # required: refused, nothing lost
    births.fill("7")
    page.get_by_label("Ghi chú").fill("Không có vướng mắc")
    page.get_by_role("button", name=L("Save draft")).click()
    expect(page.locator("#report-status")).to_have_text(L("Draft"))
    expect(births).to_have_value("7")
    page.get_by_role("button", name=L("Submit the report")).click()
    expect(page.locator("#report-status")).to_have_text(L("Submitted"))
    expect(page.get_by_role("heading", name=L("Send a correction"))).to_be_visible()
    check_accessibility(page, axe_source, "the submitted report")
    # The leader's dashboard lists what the ward still owes: nothing now.
    page.goto("/reporting/")
    page.get_by_role("link", name=re.compile(r"^(?:Bảng điều hành của|Dashboard of) ")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^(?:Bảng điều hành của lãnh đạo|Leader's dashboard) — ")
    )
    expect(page.get_by_role("cell", name=L("Nothing to submit."))).to_be_visible()
    check_accessibility(page, axe_source, "the leader's dashboard")


def download(page: Page, name: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=L(name)).click()
    path = info.value.path()
    with open(path, "rb") as handle:
        return handle.read()


def test_a_department_asks_a_ward_for_a_monthly_report(
    new_page: Callable[..., Page], axe_source: str, admins: dict[str, Any]
) -> None:
    department = new_page()
    log_in(department, "quantri.sotuphap")
    define_report(department, axe_source)

    ward = new_page()
    log_in(ward, "quantri.badinh")
    fill_and_submit(ward, axe_source)
    report = Report.objects.get(regime__title=TITLE)
    assert (report.status, report.values, report.is_late) == (
        "submitted",
        {"births": 7, "notes": "Không có vướng mắc"},
        False,
    )

    department.reload()
    expect(department.locator("#count-on_time")).to_have_text("1")
    expect(department.locator("#count-missing")).to_have_text("0")
    row = department.get_by_role("row").filter(has_text="phường Ba Đình")
    expect(row.locator(".status")).to_have_text(L("Submitted on time"))
    rows = list(csv.reader(io.StringIO(download(department, "Download CSV").decode("utf-8-sig"))))
    assert rows[1][0] == WARD and rows[1][5:] == ["7", "Không có vướng mắc"]
    assert rows[-1][5] == "7"  # the roll-up
    sheet = load_workbook(io.BytesIO(download(department, "Download Excel (XLSX)"))).active
    assert [c.value for c in sheet[3]][5:] == [7, "Không có vướng mắc"]
