"""Before filing, in a real browser with axe-core: a citizen reads on a procedure's page where to
file it, estimates the fees for the copies they need, online and at the counter, and downloads
the blank form to print."""

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from egov.catalog.models import Procedure
from egov.core.models import Agency
from tests.e2e import conftest as e2e
from tests.e2e.test_journey import L, check_accessibility, labelled, screenshot

browser, new_page, axe_source = e2e.browser, e2e.new_page, e2e.axe_source

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("e2e"),
]


def test_a_citizen_estimates_the_fees_and_downloads_the_form(
    new_page: Callable[..., Page],
    axe_source: str,
    catalog: dict[str, Procedure],
    agencies: dict[str, Agency],
) -> None:
    page = new_page()
    page.goto("/procedures/2.000815/")  # certified copies: a per-copy fee, halved online
    check_accessibility(page, axe_source, "procedure page")

    ward = agencies["000.00.31.H26"]
    where = page.locator(".agency-contact").first
    expect(where).to_contain_text(ward.address)
    expect(where).to_contain_text(ward.opening_hours)
    expect(where.get_by_role("link", name=ward.phone)).to_have_attribute(
        "href", "tel:" + ward.phone.replace(" ", "")
    )

    labelled(page, "#estimate-copies").fill("5")
    page.get_by_role("button", name=L("Estimate the fees")).click()
    expect(page.locator(".estimate tfoot")).to_contain_text("10.000 ₫")
    expect(page.locator(".online-total")).to_have_text("5.000 ₫")
    check_accessibility(page, axe_source, "procedure page with a fee estimate")
    screenshot(page, "catalog-fee-estimate")

    with page.expect_download() as download:
        page.get_by_role("link", name=L("Download the blank form to print (PDF)")).click()
    assert download.value.suggested_filename == "to-khai-2.000815.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")
