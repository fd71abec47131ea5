"""Receiving the result by post, in a real browser: the citizen chooses the post when submitting,
pays the fee and the postal fee together, the approver issues the result, the consignment is
booked with the provider (a local server speaking the VNPost-style protocol), the provider's
signed callbacks arrive over HTTP, and the citizen sees the result delivered and the dossier
returned. Every page of the way passes the accessibility check."""

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from egov.catalog.models import Procedure
from egov.core.models import Agency
from egov.dossiers import services
from egov.dossiers.constants import PostalStatus, Status
from egov.dossiers.models import Delivery, Dossier
from egov.identity.models import User
from tests.conftest import BIRTH_CHECKLIST, BIRTH_FORM, birth_files
from tests.dossiers.fake_vnpost import SAME_PROVINCE, FakeVnpost

from .test_journey import (
    L,
    action_form,
    check_accessibility,
    log_in,
    log_out,
    open_in_back_office,
    screenshot,
    status_of,
    vi,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("e2e"),
]

CLIENT, SECRET = "EGOVE2E", "postal-e2e-secret-postal-e2e-secret"


@pytest.fixture
def post_office(settings: Any, live_server: Any) -> Iterator[FakeVnpost]:
    with FakeVnpost(CLIENT, SECRET) as fake:
        settings.POSTAL_PROVIDER = "vnpost"
        settings.VNPOST_URL, settings.VNPOST_CLIENT_CODE = fake.url, CLIENT
        settings.VNPOST_SECRET = SECRET
        settings.PAYMENT_PROVIDER = "sandbox"
        settings.SITE_URL = live_server.url  # where the provider calls back
        yield fake


def test_a_citizen_chooses_the_post_and_sees_the_result_delivered(
    new_page: Callable[..., Page],
    axe_source: str,
    post_office: FakeVnpost,
    birth: Procedure,
    ward: Agency,
    citizen: User,
    journey_staff: dict[str, User],
) -> None:
    draft = services.start_draft(citizen, birth, ward)
    services.save_draft(draft.pk, citizen, BIRTH_FORM, birth_files())
    page = new_page()
    page.set_default_timeout(30_000)  # signing and booking happen within the approval's request
    log_in(page, citizen.username)

    # At submission: the post, with the address from the agency tree's places.
    page.goto(f"/dossiers/{draft.pk}/edit/")
    delivery = page.get_by_role(
        "group", name=L("How to receive the result", "Hình thức nhận kết quả")
    )
    delivery.get_by_role(
        "radio", name=L("By public postal service", "Qua dịch vụ bưu chính công ích")
    ).check()
    delivery.get_by_label(L("Recipient's full name", "Họ và tên người nhận")).fill("Trần Thị Bình")
    delivery.get_by_label(L("Recipient's phone number", "Số điện thoại người nhận")).fill(
        "0912 345 678"
    )
    delivery.get_by_label(
        L("House number, street or village", "Số nhà, đường phố hoặc thôn, xóm")
    ).fill("12 phố Hàng Bông")
    delivery.get_by_label(L("Commune or ward", "Xã, phường, đặc khu")).fill("phường Hoàn Kiếm")
    delivery.get_by_label(L("Province or city", "Tỉnh, thành phố")).fill("thành phố Hà Nội")
    check_accessibility(page, axe_source, "the application form with the post chosen")
    screenshot(page, "23-postal-choice")
    page.get_by_role("button", name=L("Submit dossier", "Nộp hồ sơ")).click()

    expect(status_of(page)).to_have_text(vi(Status.SUBMITTED.label))
    panel = page.get_by_role("region", name=L("Receiving the result", "Nhận kết quả"))
    expect(panel).to_contain_text("12 phố Hàng Bông, phường Hoàn Kiếm, thành phố Hà Nội")
    expect(panel).to_contain_text("20.000 ₫")
    check_accessibility(page, axe_source, "the dossier page with the post chosen")

    # Changeable until the result is ready: the change page.
    panel.get_by_role(
        "link", name=L("Change how to receive the result", "Thay đổi hình thức nhận kết quả")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        L("How to receive the result", "Hình thức nhận kết quả")
    )
    check_accessibility(page, axe_source, "changing how to receive the result")
    page.get_by_role("link", name=L("Back to the dossier", "Quay lại hồ sơ")).click()

    # The postal fee is paid with the fees, online, once.
    fees = page.get_by_role("region", name=L("Fees and charges", "Phí, lệ phí"))
    expect(fees).to_contain_text("20.000 ₫")
    fees.get_by_role("link", name=L("See the breakdown and pay online", prefix=True)).click()
    expect(page.get_by_role("table").first).to_contain_text("Cước dịch vụ bưu chính công ích")
    check_accessibility(page, axe_source, "the fee breakdown with the postal fee")
    page.get_by_role("button", name=re.compile("20.000 ₫")).click()
    expect(page.get_by_role("definition").filter(has_text="₫")).to_have_text("20.000 ₫")
    check_accessibility(page, axe_source, "the sandbox bank, fees and post together")
    page.get_by_role("button", name=L("Approve the payment", "Chấp nhận thanh toán")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        L("Payment successful", "Thanh toán thành công")
    )
    check_accessibility(page, axe_source, "the payment result")
    log_out(page)

    # The ward processes it; the approver issues the result in the browser.
    dossier = Dossier.objects.get(pk=draft.pk)
    services.receive(dossier.pk, journey_staff["receiver"], BIRTH_CHECKLIST)
    services.assign(dossier.pk, journey_staff["receiver"], journey_staff["processor"])
    services.propose(dossier.pk, journey_staff["processor"])
    log_in(page, "pheduyet.badinh")
    open_in_back_office(page, str(dossier.code))
    check_accessibility(page, axe_source, "the approver's page with the post chosen")
    approve = action_form(page, "Approve", "Phê duyệt")
    approve.get_by_role("button", name=L("Approve", "Phê duyệt")).click()
    expect(status_of(page)).to_have_text(vi(Status.RESULT_READY.label))

    # Signed and paid: the consignment is booked once, and the official sees it.
    booked = Delivery.objects.get(dossier=dossier)
    assert booked.consignment and len(post_office.orders) == 1
    page.reload()
    panel = page.get_by_role("region", name=L("Receiving the result", "Nhận kết quả"))
    expect(panel).to_contain_text(booked.consignment)
    expect(page.get_by_role("form", name=L("Return the result", "Trả kết quả"))).to_have_count(0)
    check_accessibility(page, axe_source, "the back office with the consignment")
    log_out(page)

    # The provider reports, over HTTP, signed.
    for status in ("ACCEPTED", "IN_TRANSIT", "DELIVERED"):
        answer = post_office.send_status(booked.consignment, status)
        assert answer.status_code == 200, answer.text

    log_in(page, citizen.username)
    page.goto(f"/dossiers/{dossier.pk}/")
    expect(status_of(page)).to_have_text(vi(Status.RETURNED.label))
    panel = page.get_by_role("region", name=L("Receiving the result", "Nhận kết quả"))
    expect(panel.locator(".postal-delivered")).to_have_text(vi(PostalStatus.DELIVERED.label))
    expect(panel.get_by_role("listitem")).to_have_count(3)
    check_accessibility(page, axe_source, "the dossier delivered by post")
    screenshot(page, "24-postal-delivered")
    assert SAME_PROVINCE == 20_000
