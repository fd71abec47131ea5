"""The dashboard explains itself: a "—" says there is no data for the period and scope, the
monthly chart is drawn only when there is a line to draw (two months with figures or more),
and ranking tables give the agency's name the room to be read."""

import json
import re

import pytest
from django.test import Client

from egov.core.models import Agency
from egov.insights.sync import create_client

pytestmark = pytest.mark.django_db
WARD, HANOI = "000.00.31.H26", "000.00.00.H26"


def sync(client: Client, agencies: dict[str, Agency], months: list[int]) -> None:
    """One dossier received (and returned) at a Hà Nội ward in each of ``months`` of 2025."""
    token = create_client("Hà Nội", [agencies[HANOI]])[1]
    data = [
        {
            "MaDonVi": WARD,
            "MaHoSo": f"W-{month}",
            "HinhThuc": 1,
            "TrangThaiHoSo": 10,
            "NgayTiepNhan": f"2025{month:02d}10090000",
            "NgayHenTra": f"2025{month:02d}20170000",
            "NgayTra": f"2025{month:02d}15090000",
            "ThoiDiemCapNhat": f"2025{month:02d}25000000",
        }
        for month in months
    ]
    response = client.post(
        "/api/v1/insights/sync/dossiers",
        data=json.dumps({"data": data}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200 and not response.json()["rejected"]


def page(client: Client, url: str = "/chi-so/?year=2025") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_dash_is_explained_where_it_appears(client: Client, agencies: dict[str, Agency]) -> None:
    sync(client, agencies, [3, 4])
    html = page(client)
    # Ministries have no dossier in 2025: their column is all "—", and each table with a "—"
    # says what it means and is described by that note.
    note = re.search(r'<p class="muted" id="summary-gaps">([^<]+)</p>', html)
    assert note and "Không có số liệu" in note.group(1)
    assert 'aria-describedby="summary-gaps"' in html
    assert '<span class="visually-hidden">không có số liệu</span>' in html


@pytest.mark.parametrize(("months", "chart"), [([3], False), ([3, 4], True)])
def test_the_chart_needs_two_months_of_figures(
    client: Client, agencies: dict[str, Agency], months: list[int], chart: bool
) -> None:
    sync(client, agencies, months)
    html = page(client)
    assert ("<canvas" in html) is chart
    assert ("ít nhất hai tháng" in html) is not chart
    # The figures are in the table either way.
    assert 'id="trend-title"' in html


def test_ranking_tables_head_each_row_with_the_agency_name(
    client: Client, agencies: dict[str, Agency]
) -> None:
    sync(client, agencies, [3, 4])
    html = page(client)
    ranking = html[html.index('id="provinces-title"') :]
    row = re.search(
        r"<tr><td[^>]*>\d+</td><th scope=\"row\" class=\"name\"><a [^>]+>([^<]+)</a>", ranking
    )
    assert row, ranking[:3000]
    assert row.group(1)
