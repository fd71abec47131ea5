"""Paying a fee in a real browser: the citizen sees the breakdown on the dossier page, pays
through the sandbox bank, sees the result and downloads the electronic receipt; every page of
the way passes the accessibility check."""

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from egov.catalog.models import Procedure
from egov.core.models import Agency
from egov.dossiers import services
from egov.dossiers.models import DossierEvent
from egov.identity.models import User
from egov.payments.models import Payment
from tests.payments.conftest import COPIES, COPIES_FORM, copies_files

from .test_journey import L, check_accessibility, log_in, screenshot

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("e2e"),
]


def test_a_citizen_pays_a_fee_through_the_sandbox_bank(
    new_page: Callable[..., Page],
    axe_source: str,
    settings: Any,
    catalog: dict[str, Procedure],
    ward: Agency,
    citizen: User,
) -> None:
    settings.PAYMENT_PROVIDER = "sandbox"
    dossier, _ = services.submit_online(citizen, catalog[COPIES], ward, COPIES_FORM, copies_files())
    page = new_page()
    log_in(page, citizen.username)

    page.goto(f"/dossiers/{dossier.pk}/")
    fees = page.get_by_role("region", name=L("Fees and charges", "Phí, lệ phí"))
    expect(fees).to_contain_text("3.000 ₫")
    check_accessibility(page, axe_source, "the dossier page with its fees")
    fees.get_by_role("link", name=L("See the breakdown and pay online", prefix=True)).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(L("Fees and charges", "Phí, lệ phí"))
    expect(page.get_by_role("table").first).to_contain_text("Giảm 50%")
    check_accessibility(page, axe_source, "the fee breakdown")
    screenshot(page, "20-fee-breakdown")
    page.get_by_role("button", name=re.compile("3.000 ₫")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        L("Sandbox bank", "Ngân hàng thử nghiệm")
    )
    expect(page.get_by_role("definition").filter(has_text="₫")).to_have_text("3.000 ₫")
    check_accessibility(page, axe_source, "the sandbox bank")
    screenshot(page, "21-sandbox-bank")
    page.get_by_role("button", name=L("Approve the payment", "Chấp nhận thanh toán")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        L("Payment successful", "Thanh toán thành công")
    )
    check_accessibility(page, axe_source, "the payment result")
    screenshot(page, "22-payment-result")
    payment = Payment.objects.get(dossier=dossier)
    assert payment.status == "paid"
    assert DossierEvent.objects.get(dossier=dossier, kind="paid").data == {
        "channel": "online",
        "amount": 3000,
        "payment": payment.reference,
    }

    link = page.get_by_role(
        "link", name=L("Download the electronic receipt (PDF)", "Tải biên lai điện tử (PDF)")
    )
    download = page.request.get(link.get_attribute("href") or "")
    assert download.ok and download.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(download.body())).pages)
    assert "BIÊN LAI THU PHÍ, LỆ PHÍ" in text and "Ba nghìn đồng" in text

    # Back on the dossier page, the fees are shown as paid.
    page.goto(f"/dossiers/{dossier.pk}/")
    panel = page.get_by_role("region", name=L("Fees and charges", "Phí, lệ phí"))
    expect(panel).to_contain_text(re.compile(r"(paid|đã nộp) 3\.000 ₫"))
    expect(panel).not_to_contain_text(re.compile("Still to pay|Còn phải nộp"))
