"""Proof that the numbers are right: the 2024 national counts, scaled down 5,000 times and fed
through the sync API, give the published 2024 percentages to two decimals (Báo cáo Chính phủ
điện tử 2024: ministries and sectors; localities)."""

import json
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.test import Client

from egov.core.models import Agency
from egov.insights import selectors
from egov.insights.sync import create_client

pytestmark = pytest.mark.django_db
SCALE = 5000
MINISTRY_UNITS = ["000.00.05.G01", "000.00.00.G03", "000.00.00.G09"]

#: Published percentages; for the online rate the published counts too.
MINISTRIES = {
    "received": 52_033_997,
    "online": 30_994_321,  # 59.57 %
    "online_payment_rate": Decimal("57.26"),
    "digitisation_rate": Decimal("61.40"),
    "electronic_result_rate": Decimal("63.08"),
    "reuse_rate": Decimal("1.35"),
}
LOCALITIES = {
    "received": 38_900_000,
    "online_dossier_rate": Decimal("56.00"),
    "online_payment_rate": Decimal("50.27"),
    "digitisation_rate": Decimal("67.46"),
    "electronic_result_rate": Decimal("63.08"),
    "reuse_rate": Decimal("21.50"),
}


def share(rate: Decimal, of: int) -> int:
    """The count that is ``rate`` % of ``of``, to the nearest dossier."""
    return int((rate * of / 100).quantize(Decimal(1), ROUND_HALF_UP))


def fitting(around: int, *rates: Decimal) -> int:
    """The first denominator from ``around`` up at which whole counts are each of ``rates`` % to
    two decimals. The reports publish these rates without their denominators, and below 10,000
    not every denominator can give every two-decimal rate."""
    for denominator in range(around, around + 10_000):
        if all(
            (Decimal(share(rate, denominator) * 100) / denominator).quantize(
                Decimal("0.01"), ROUND_HALF_UP
            )
            == rate
            for rate in rates
        ):
            return denominator
    raise AssertionError(rates)


def scaled(published: dict[str, Any]) -> dict[str, int]:
    received = round(published["received"] / SCALE)
    online = (
        round(published["online"] / SCALE)
        if "online" in published
        else share(published["online_dossier_rate"], received)
    )
    # About two dossiers in five carry a fee; about nine in ten were resolved within the year.
    with_fee = fitting(received * 2 // 5, published["online_payment_rate"])
    resolved = fitting(
        received * 9 // 10,
        *(published[k] for k in ("digitisation_rate", "electronic_result_rate", "reuse_rate")),
    )
    return {
        "received": received,
        "online": online,
        "paid": with_fee,
        "paid_online": share(published["online_payment_rate"], with_fee),
        "resolved": resolved,
        "digitised": share(published["digitisation_rate"], resolved),
        "e_result": share(published["electronic_result_rate"], resolved),
        "reused": share(published["reuse_rate"], resolved),
    }


def records(prefix: str, units: list[str], n: dict[str, int]) -> list[dict[str, Any]]:
    """``n["received"]`` DongBoHoSoMC records with exactly the counts in ``n``, spread over the
    units and the days of 2024; the resolved dossiers are the last ones."""
    out = []
    total = n["received"]
    for i in range(total):
        received = date(2024, 1, 1).toordinal() + i % 340
        day = date.fromordinal(received).strftime("%Y%m%d")
        done = date.fromordinal(received + 5).strftime("%Y%m%d")
        resolved = i >= total - n["resolved"]
        paid = i % total < n["paid"]
        out.append(
            {
                "MaDonVi": units[i % len(units)],
                "MaHoSo": f"{prefix}-{day}-{i:07d}",
                "MaTTHC": "1.001193",
                "HinhThuc": 1 if i < n["online"] else 0,
                "TrangThaiHoSo": 10 if resolved else 4,
                "NgayTiepNhan": f"{day}090000",
                "NgayHenTra": f"{done}170000",
                "NgayKetThucXuLy": f"{done}080000" if resolved else None,
                "NgayTra": f"{done}100000" if resolved else None,
                "DanhSachLePhi": (
                    [{"HinhThucThu": 2 if i < n["paid_online"] else 1, "TrangThaiThanhToan": 1}]
                    if paid
                    else []
                ),
                "SoHoa": i >= total - n["digitised"],
                "KetQuaDienTu": i >= total - n["e_result"],
                "TaiSuDung": i >= total - n["reused"],
                "ThoiDiemCapNhat": f"{done}100000",
            }
        )
    return out


def push_all(client: Client, token: str, batch: list[dict[str, Any]]) -> None:
    for start in range(0, len(batch), 1000):
        response = client.post(
            "/api/v1/insights/sync/dossiers",
            data=json.dumps({"service": "DongBoHoSoMC", "data": batch[start : start + 1000]}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 200
        assert response.json()["rejected"] == []


def test_the_2024_national_figures_are_reproduced(
    client: Client, agencies: dict[str, Agency]
) -> None:
    ministries, localities = scaled(MINISTRIES), scaled(LOCALITIES)
    assert ministries["received"] == 10_407 and ministries["online"] == 6_199
    hanoi_units = [code for code in agencies if code.endswith(".H26")]
    roots = [agencies[code] for code in ("000.00.00.G01", "000.00.00.G03", "000.00.00.G09")]
    ministry_token = create_client("Hệ thống các bộ", roots)[1]
    hanoi_token = create_client("Hà Nội", [agencies["000.00.00.H26"]])[1]
    push_all(client, ministry_token, records("BO", MINISTRY_UNITS, ministries))
    push_all(client, hanoi_token, records("TINH", hanoi_units, localities))

    year = selectors.Period.of(2024)
    ministry_values = selectors.level_row("central", year).values
    assert ministry_values["online_dossier_rate"] == Decimal("59.57")  # 30,994,321 / 52,033,997
    locality_values = selectors.level_row("province", year).values
    for published, computed in ((MINISTRIES, ministry_values), (LOCALITIES, locality_values)):
        for key, rate in published.items():
            if key.endswith("_rate"):
                assert computed[key] == rate, key
    assert selectors.level_row("central", year).counts["received"] == 10_407
    nation = selectors.scope_row(None, year)
    assert nation.counts["received"] == 10_407 + 7_780
    assert nation.values["online_dossier_rate"] == Decimal("58.04")  # (6,199 + 4,357) / 18,187
