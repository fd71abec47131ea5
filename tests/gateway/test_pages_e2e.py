"""The gateway's pages in a real browser, checked with axe-core: the public catalogue, a
service's documentation, and the operators' page of the platform's use."""

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from egov.gateway import txlog
from egov.gateway.services import load_directory
from egov.identity.models import User
from tests.e2e import conftest as e2e
from tests.e2e.test_journey import L, check_accessibility, log_in, screenshot

from .conftest import PROVIDER, Platform

browser, new_page, axe_source = e2e.browser, e2e.new_page, e2e.axe_source

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("e2e"),
]


def test_catalogue_documentation_and_operations(
    new_page: Callable[..., Page],
    axe_source: str,
    platform: Platform,
    make_official: Callable[..., User],
    agencies: Any,
) -> None:
    load_directory(Path(settings.BASE_DIR) / "data" / "gateway.yaml")
    # Calls as the proxy logs them (the proxy itself cannot run beside the browser's loop).
    txlog.write(
        txlog.Entry(
            at=timezone.now() - timedelta(days=n % 3),
            client=platform.client.code,
            service=f"{PROVIDER}/echo",
            method="GET",
            status=200 if n % 4 else 403,
            error="" if n % 4 else "no_grant",
            latency_ms=1.5 + n,
            request_sha256="",
            response_sha256="0" * 64,
            correlation_id=f"c-{n}",
        )
        for n in range(12)
    )

    page = new_page()
    page.goto("/chia-se-du-lieu/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        L("Data-sharing services", "Dịch vụ chia sẻ dữ liệu")
    )
    check_accessibility(page, axe_source, "the catalogue of data-sharing services")
    screenshot(page, "30-gateway-catalogue")
    page.get_by_role("link", name="Xác thực và tra cứu thông tin công dân").click()
    expect(
        page.get_by_role("heading", level=2, name=L("Operations", "Các thao tác"))
    ).to_be_visible()
    expect(page.locator("code", has_text="/verify").first).to_be_visible()
    check_accessibility(page, axe_source, "a service's documentation")
    screenshot(page, "31-gateway-service")

    operator = make_official(
        agencies["000.00.00.H26"], "platform_admin", username="quantri.nentang"
    )
    log_in(page, operator.username)
    page.goto("/backoffice/chia-se-du-lieu/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        L("Use of the data-sharing platform", "Tình hình sử dụng nền tảng chia sẻ dữ liệu")
    )
    expect(page.get_by_role("cell", name=f"{PROVIDER}/echo")).to_be_visible()
    check_accessibility(page, axe_source, "the operators' page")
    screenshot(page, "32-gateway-operations")
