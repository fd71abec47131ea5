"""The indicator dashboard reads well in a real browser: in the ranking tables (sixteen columns)
an agency's name takes at most two lines, on a desktop and on a phone alike."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Page

from egov.core.models import Agency
from egov.insights.sync import create_client

from .conftest import DESKTOP, MOBILE

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("e2e"),
]

#: Lines each ranked agency's name takes: its height over its line height.
NAME_LINES = """() => [...document.querySelectorAll('section.insights-table tbody th[scope=row]')]
  .map((th) => { const text = document.createRange(); text.selectNodeContents(th);
                 const line = parseFloat(getComputedStyle(th).lineHeight);
                 return {name: th.textContent.trim(),
                         lines: Math.round(text.getBoundingClientRect().height / line)}; })"""


@pytest.mark.parametrize("viewport", [DESKTOP, MOBILE], ids=["desktop", "phone"])
def test_ranked_names_are_not_squeezed(
    new_page: Callable[..., Page], agencies: dict[str, Agency], viewport: dict[str, int]
) -> None:
    token = create_client("Hà Nội", [agencies["000.00.00.H26"]])[1]
    records: list[dict[str, Any]] = [
        {
            "MaDonVi": "000.00.31.H26",
            "MaHoSo": f"W-{month}",
            "HinhThuc": 1,
            "TrangThaiHoSo": 10,
            "NgayTiepNhan": f"2025{month:02d}10090000",
            "NgayHenTra": f"2025{month:02d}20170000",
            "NgayTra": f"2025{month:02d}15090000",
            "ThoiDiemCapNhat": f"2025{month:02d}25000000",
        }
        for month in (3, 4)
    ]
    response = Client().post(
        "/api/v1/insights/sync/dossiers",
        data=json.dumps({"data": records}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200
    page = new_page(viewport=viewport)
    page.goto("/chi-so/?year=2025")
    names = page.evaluate(NAME_LINES)
    assert any(n["name"] == "Ủy ban nhân dân thành phố Hà Nội" for n in names)
    squeezed = [n for n in names if n["lines"] > 2]
    assert not squeezed, squeezed
