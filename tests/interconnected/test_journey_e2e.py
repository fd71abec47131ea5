"""The interconnected journey in a real browser, on two deployments: a mother registers her
newborn once on the city's portal; the ward's officials register the birth, the ward police the
permanent residence (its fee paid once with the application, through the sandbox bank), and
social insurance, on its own deployment, issues the health-insurance card; she downloads the
three signed results.
Every page is checked with axe-core."""

import base64
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from egov.dossiers.constants import Status
from tests.deployments import wait_until
from tests.e2e import conftest as e2e
from tests.e2e.test_journey import (
    L,
    action_form,
    check_accessibility,
    labelled,
    log_out_button,
    password_step,
    screenshot,
    status_of,
    vi,
    write_pdf,
)

from .sites import (
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    MOTHER,
    WARD,
    WARD_INSURANCE,
    WARD_POLICE,
    part,
    prepare,
    subscribe,
)

browser, axe_source = e2e.browser, e2e.axe_source

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[[str], Page]]:
    """A page on a deployment (``base_url``) in a fresh browser context; a script error fails
    the test."""
    contexts, problems = [], []

    def opened(base_url: str) -> Page:
        context = browser.new_context(base_url=base_url, viewport=e2e.DESKTOP, locale="vi-VN")
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        return page

    yield opened
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)


def sign_in(page: Page, username: str, official: bool = True) -> None:
    """The password, and for an official the code of the demo authenticator."""
    page.goto("/")
    page.get_by_role("link", name=L("Log in", "Đăng nhập")).click()
    password_step(page, username, DEMO_PASSWORD)
    if official:
        expect(page).to_have_url(re.compile(r"/login/verify/"))
        code = TOTP(base64.b32decode(DEMO_TOTP_SECRET)).token()
        labelled(page, "#id_code").fill(f"{code:06d}")
        page.get_by_role("button", name=L("Verify")).click()
    expect(log_out_button(page)).to_be_visible()


def sign_out(page: Page) -> None:
    log_out_button(page).click()
    expect(page.get_by_role("link", name=L("Log in", "Đăng nhập"))).to_be_visible()


def open_dossier(page: Page, code: str) -> None:
    page.get_by_role("link", name=L("Back office", "Một cửa điện tử")).click()
    page.get_by_role("link", name=code).click()
    expect(page.get_by_role("definition").first).to_have_text(code)


def process(page: Page, agency: str, code: str, axe: str) -> None:
    """The agency's three officials take the dossier to its signed result, in the back office."""
    sign_in(page, f"receiver.{agency}")
    open_dossier(page, code)
    receive = action_form(page, "Receive", "Tiếp nhận")
    valid = L("Valid", "Hợp lệ")
    for group in (
        receive.get_by_role("group").filter(has=page.get_by_role("radio", name=valid)).all()
    ):
        group.get_by_role("radio", name=valid).check()
    check_accessibility(page, axe, f"intake at {agency}")
    receive.get_by_role("button", name=L("Receive", "Tiếp nhận")).click()
    expect(status_of(page)).to_have_text(vi(Status.RECEIVED.label))
    assign = action_form(page, "Assign", "Phân công")
    assign.get_by_role("combobox").select_option(label="Cán bộ processor")
    assign.get_by_role("button", name=L("Assign", "Phân công")).click()
    expect(status_of(page)).to_have_text(vi(Status.PROCESSING.label))
    sign_out(page)
    sign_in(page, f"processor.{agency}")
    open_dossier(page, code)
    action_form(page, "Propose the result").get_by_role(
        "button", name=L("Propose the result")
    ).click()
    expect(status_of(page)).to_have_text(vi(Status.AWAITING_APPROVAL.label))
    sign_out(page)
    sign_in(page, f"approver.{agency}")
    open_dossier(page, code)
    action_form(page, "Approve", "Phê duyệt").get_by_role(
        "button", name=L("Approve", "Phê duyệt")
    ).click()
    expect(status_of(page)).to_have_text(vi(Status.RESULT_READY.label))
    sign_out(page)


def part_item(page: Page, procedure: str) -> Any:
    """The application page's item of one member."""
    return page.locator(f'[id="part-{procedure}"]')


def receipt_of(page: Page, procedure: str) -> str:
    link = part_item(page, procedure).get_by_role("link", name=re.compile(r"-\d{8}-\d{7}$"))
    expect(link).to_be_visible()
    return link.inner_text().strip()


def test_a_newborn_registered_once_at_three_agencies_on_two_deployments(
    open_page: Callable[[str], Page], axe_source: str, tmp_path: Path
) -> None:
    portal, insurance = prepare(Path(tempfile.mkdtemp(prefix="egov-lienthong-e2e-")))
    birth_note = write_pdf(tmp_path, "giay-chung-sinh.pdf", "Giấy chứng sinh")
    land = write_pdf(tmp_path, "so-do.pdf", "Giấy chứng nhận quyền sử dụng đất")
    with insurance.running(), portal.running():
        subscribe(portal)

        # The mother finds the group, chooses where, and declares once.
        mother = open_page(portal.url)
        sign_in(mother, MOTHER, official=False)
        mother.get_by_role(
            "link", name=L("Interconnected procedures", "Dịch vụ công liên thông")
        ).first.click()
        check_accessibility(mother, axe_source, "the groups offered")
        mother.get_by_role("link", name=L("Apply online", "Nộp hồ sơ trực tuyến")).first.click()
        check_accessibility(mother, axe_source, "choosing where")
        mother.get_by_role("button", name=L("Continue", "Tiếp tục")).click()
        mother.get_by_role("button", name=L("Submit application", "Nộp hồ sơ liên thông")).click()
        expect(mother.get_by_role("alert")).to_be_visible()
        check_accessibility(mother, axe_source, "the one form with errors")
        mother.get_by_label("Họ, chữ đệm và tên người được khai sinh").fill("Nguyễn Minh An")
        mother.get_by_label("Ngày, tháng, năm sinh").fill("2026-11-20")
        mother.get_by_role("radio", name="Nữ", exact=True).check()
        mother.get_by_label("Nơi sinh").fill("Bệnh viện Phụ sản Hà Nội")
        mother.get_by_label("Họ, chữ đệm và tên người mẹ").fill("Trần Thị Bình")
        mother.get_by_label("Quan hệ với người được khai sinh").select_option("Mẹ")
        mother.get_by_label("Địa chỉ đề nghị đăng ký thường trú").fill(
            "25 Liễu Giai, phường Ba Đình, Hà Nội"
        )
        mother.get_by_label("Trường hợp đăng ký").select_option(
            "Về ở với người thân (vợ/chồng, cha/mẹ, con…)"
        )
        mother.get_by_label(re.compile("^Giấy chứng sinh")).set_input_files(birth_note)
        mother.get_by_label(
            re.compile("^Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp")
        ).set_input_files(land)
        mother.get_by_role("button", name=L("Submit application", "Nộp hồ sơ liên thông")).click()
        expect(mother.get_by_role("status")).to_contain_text("LT-H26.31-")
        check_accessibility(mother, axe_source, "the application")
        screenshot(mother, "38-interconnected-application")
        birth = receipt_of(mother, "1.001193")
        application_url = mother.url

        # Every member's fees at once (the residence registration's), through the sandbox bank.
        fees = mother.get_by_role("region", name=L("Fees, paid once", "Lệ phí, nộp một lần"))
        fees.get_by_role("button", name=re.compile("₫")).click()
        mother.get_by_role("button", name=L("Approve the payment", "Chấp nhận thanh toán")).click()
        expect(mother.get_by_role("heading", level=1)).to_have_text(
            L("Payment successful", "Thanh toán thành công")
        )
        check_accessibility(mother, axe_source, "the application's one payment")
        mother.get_by_role(
            "link", name=L("Back to the application", "Quay lại hồ sơ liên thông")
        ).click()

        # The ward registers the birth; the rest follows by itself.
        ward = open_page(portal.url)
        process(ward, WARD, birth, axe_source)
        wait_until(lambda: part(portal, "1.000310")[0] == "filed", 90, "the card filed at BHXH")
        wait_until(lambda: part(portal, "1.004222")[0] == "filed", 30, "the residence filed")

        # The residence dossier came with its share of the fees paid: the police's receipt.
        mother.goto(application_url)
        residence = receipt_of(mother, "1.004222")
        expect(
            mother.get_by_role("region", name=L("Fees, paid once", "Lệ phí, nộp một lần"))
        ).to_contain_text(re.compile(r"E 0000001"))
        process(open_page(portal.url), WARD_POLICE, residence, axe_source)
        # Social insurance works on its own deployment.
        mother.goto(application_url)
        card = part(portal, "1.000310")[1]  # at the other deployment: shown, not linked
        expect(part_item(mother, "1.000310")).to_contain_text(card)
        process(open_page(insurance.url), WARD_INSURANCE, card, axe_source)
        wait_until(
            lambda: (
                portal.query("select status from interconnected_application") == [("completed",)]
            ),
            90,
            "the application completed",
        )

        # Three signed results, each downloaded from her repository.
        mother.goto(application_url)
        downloads = mother.get_by_role(
            "link", name=L("Download the signed result", "Tải kết quả đã ký số")
        )
        expect(downloads).to_have_count(3)
        check_accessibility(mother, axe_source, "the completed application")
        screenshot(mother, "39-interconnected-results")
        for n in range(3):
            answer = mother.request.get(downloads.nth(n).get_attribute("href") or "")
            assert answer.ok and answer.headers["content-type"] == "application/pdf"
            assert b"/ByteRange" in answer.body()  # signed (PAdES)
