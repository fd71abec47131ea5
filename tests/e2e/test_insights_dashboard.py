"""The public indicator dashboard in a real browser: the chart is drawn by the locally served
Chart.js under the site's CSP, the tables are there, drill-down works, and axe finds no serious
accessibility problem."""

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from egov.core.models import Agency
from egov.insights.sync import create_client

from .test_journey import check_accessibility, screenshot

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("e2e"),
]


def test_dashboard_chart_tables_and_drill_down(
    new_page: Callable[..., Page], axe_source: str, agencies: dict[str, Agency]
) -> None:
    token = create_client("Hà Nội", [agencies["000.00.00.H26"]])[1]
    records: list[dict[str, Any]] = []
    for month in range(1, 13):  # more dossiers each month, half of them online
        for i in range(month):
            records.append(
                {
                    "MaDonVi": "000.00.31.H26",
                    "MaHoSo": f"W-{len(records)}",
                    "HinhThuc": i % 2,
                    "TrangThaiHoSo": 10,
                    "NgayTiepNhan": f"2025{month:02d}10090000",
                    "NgayHenTra": f"2025{month:02d}20170000",
                    "NgayTra": f"2025{month:02d}{15 + i % 10:02d}090000",
                    "KetQuaDienTu": True,
                    "MucDoHaiLong": 1 + i % 3,
                    "ThoiDiemCapNhat": f"2025{month:02d}25000000",
                }
            )
    response = Client().post(
        "/api/v1/insights/sync/dossiers",
        data=json.dumps({"data": records}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200 and not response.json()["rejected"]

    page = new_page()
    page.goto("/chi-so/?year=2025")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Chỉ số phục vụ người dân, doanh nghiệp"
    )
    # Chart.js drew the canvas (non-blank pixels), and its figures are in a table too.
    page.wait_for_function(
        "() => { const c = document.querySelector('canvas[data-chart]');"
        " return c && c.width > 0 && c.toDataURL().length > 5000; }"
    )
    trend = page.get_by_role("region", name=re.compile("Diễn biến theo tháng"))
    expect(trend.get_by_role("row")).to_have_count(13)
    check_accessibility(page, axe_source, "indicator dashboard")
    page.locator("figure.chart").scroll_into_view_if_needed()
    screenshot(page, "20-indicator-dashboard")

    page.get_by_role("link", name="Ủy ban nhân dân thành phố Hà Nội").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ủy ban nhân dân thành phố Hà Nội")
    units = page.get_by_role("region", name=re.compile("Các đơn vị của"))
    expect(units.get_by_role("link", name="Ủy ban nhân dân phường Ba Đình")).to_be_visible()
    check_accessibility(page, axe_source, "agency indicators")
