"""The public dashboard, the drill-down to an agency, and the exports of every table."""

import csv
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from egov.core.models import Agency
from egov.insights.sync import create_client

pytestmark = pytest.mark.django_db
WARD, HANOI = "000.00.31.H26", "000.00.00.H26"


@pytest.fixture
def figures(client: Client, agencies: dict[str, Agency]) -> None:
    """Four dossiers of 2024 at a Hà Nội ward, three online, one returned late; one of a
    ministry, at the counter."""
    token = create_client("Hà Nội", [agencies[HANOI], agencies["000.00.00.G09"]])[1]
    base = {"MaTTHC": "1.001193", "TrangThaiHoSo": 2, "ThoiDiemCapNhat": "20240301000000"}
    data = [
        {
            **base,
            "MaDonVi": WARD,
            "MaHoSo": f"W-{i}",
            "HinhThuc": int(i < 3),
            "NgayTiepNhan": f"2024030{i + 1}090000",
        }
        for i in range(4)
    ]
    data[0].update(TrangThaiHoSo=10, NgayHenTra="20240305170000", NgayTra="20240306090000")
    data.append(
        {
            **base,
            "MaDonVi": "000.00.00.G09",
            "MaHoSo": "M-1",
            "HinhThuc": 0,
            "NgayTiepNhan": "20240410090000",
        }
    )
    response = client.post(
        "/api/v1/insights/sync/dossiers",
        data=json.dumps({"data": data}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.json()["applied"] == 5


def test_the_dashboard_shows_the_nation_and_the_rankings_in_vietnamese(
    client: Client, figures: None
) -> None:
    page = client.get("/chi-so/?year=2024")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Tỷ lệ hồ sơ trực tuyến" in html
    assert "60,00" in html  # 3 of 5 online, nationwide, written the Vietnamese way
    assert "75,00" in html  # Hà Nội
    assert 'href="/chi-so/co-quan/000.00.00.H26/?year=2024"' in html
    assert "Bộ Nội vụ" in html
    assert 'src="/static/insights/chart.umd.min.js"' in html
    assert 'id="trend-data"' in html


def test_the_trend_has_twelve_months_and_the_chart_the_same_figures(
    client: Client, figures: None
) -> None:
    page = client.get("/chi-so/?year=2024")
    chart = page.context["chart"]
    assert chart["labels"][0] == "01/2024" and len(chart["labels"]) == 12
    online = chart["series"][0]
    assert online["data"][2] == 75.0 and online["data"][3] == 0.0 and online["data"][0] is None


def test_drill_down_to_an_agency_and_its_units(client: Client, figures: None) -> None:
    page = client.get(f"/chi-so/co-quan/{HANOI}/?year=2024&quarter=1")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Q1/2024" in html
    assert f'href="/chi-so/co-quan/{WARD}/?year=2024&amp;quarter=1"' in html
    counts = {row[0]: row[1:] for row in page.context["counts"].rows}
    assert counts["Tỷ lệ hồ sơ trực tuyến"] == [
        3,
        4,
        Decimal("75.00"),
        "hồ sơ nộp trực tuyến / hồ sơ tiếp nhận",
    ]
    assert counts["Tỷ lệ giải quyết đúng hạn"] == [
        0,
        1,
        Decimal("0.00"),
        "hồ sơ trả kết quả đúng hạn / hồ sơ đã trả kết quả",
    ]
    assert client.get("/chi-so/co-quan/NOPE/").status_code == 404


def test_english_pages(client: Client, figures: None) -> None:
    client.cookies["django_language"] = "en"
    html = client.get("/chi-so/?year=2024", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Online dossier rate" in html and "60.00" in html


def test_every_table_exports_as_csv_and_xlsx(client: Client, figures: None) -> None:
    response = client.get("/chi-so/xuat/provinces.csv?year=2024")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Hạng", "Cơ quan", "Tỷ lệ hồ sơ trực tuyến"]
    assert rows[1][1] == "Ủy ban nhân dân thành phố Hà Nội" and rows[1][2] == "75.00"

    response = client.get(f"/chi-so/xuat/units.xlsx?year=2024&agency={HANOI}")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values: list[Any] = list(sheet.iter_rows(values_only=True))
    ward_row = next(r for r in values if r[1] == "Ủy ban nhân dân phường Ba Đình")
    assert ward_row[2] == 75.0

    for slug in ("summary", "counts", "trend", "ministries"):
        assert client.get(f"/chi-so/xuat/{slug}.csv?year=2024").status_code == 200
        assert client.get(f"/chi-so/xuat/{slug}.xlsx?year=2024&month=3").status_code == 200
    assert client.get("/chi-so/xuat/units.csv?year=2024").status_code == 404
    assert client.get("/chi-so/xuat/secrets.csv").status_code == 404


def test_the_indicator_api(client: Client, figures: None) -> None:
    keys = [i["key"] for i in client.get("/api/v1/insights/indicators").json()["items"]]
    assert keys[0] == "online_dossier_rate" and len(keys) == 8
    body = client.get(f"/api/v1/insights/figures?year=2024&month=3&agency={HANOI}").json()
    assert body["values"]["online_dossier_rate"] == "75.00"
    assert body["counts"]["received"] == 4
    assert body["scores"]["timeliness"] == "0.00"
    nation = client.get("/api/v1/insights/figures?year=2024").json()
    assert nation["agency"] is None and nation["values"]["online_dossier_rate"] == "60.00"
    ranking = client.get("/api/v1/insights/ranking/provinces?year=2024").json()["items"]
    assert ranking[0]["agency"] == HANOI and ranking[0]["rank"] == 1
    assert client.get("/api/v1/insights/figures?year=2024&agency=NOPE").status_code == 404


def test_the_static_files_collect_with_the_production_manifest(
    settings: Any, tmp_path: Any
) -> None:
    """Chart.js is served from this site; its source-map comment (the map is not shipped) would
    make collectstatic fail in production."""
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    assert list(tmp_path.glob("insights/chart.umd.min.*.js"))
