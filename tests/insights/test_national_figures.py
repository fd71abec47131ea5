"""Proof that the numbers are right, with the counts the 2024 reports publish (Báo cáo Chính phủ
điện tử 2024: ministries and sectors; localities) and nothing else: no count here is chosen to
fit a rate. The reports give some rates without their counts (digitisation, electronic results,
the localities' payments); a rate alone cannot be reproduced, so those are not checked (see
docs/insights.md, "The 2024 national figures")."""

import json
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.test import Client

from egov.core.models import Agency
from egov.insights import selectors, tables
from egov.insights.definitions import indicators, percentage
from egov.insights.models import DailyCount
from egov.insights.sync import create_client

pytestmark = pytest.mark.django_db
MINISTRY_UNITS = ["000.00.05.G01", "000.00.00.G03", "000.00.00.G09"]

#: The published 2024 counts.
MINISTRIES = {
    "received": 52_033_997,  # dossiers synchronised to the national portal
    "online": 30_994_321,  # of them filed online
    "payments": 2_361_913,  # fee payment transactions
    "payments_online": 1_352_544,  # of them made online through the portal
    "resolved": 50_775_346,  # dossiers resolved
    "results": 50_866_740,  # results issued: the reuse rate's denominator
}
LOCALITIES = {
    "received": 38_881_238,
    "online": 21_730_419,
}


def whole_percent(value: Decimal | None) -> Decimal:
    """A rate as the report prints it when it prints no decimals ("56 %")."""
    assert value is not None
    return value.quantize(Decimal(1), ROUND_HALF_UP)


def test_the_published_counts_give_the_published_figures(agencies: dict[str, Agency]) -> None:
    # The counts as the dashboard stores them: one day of all ministries, one of all provinces.
    for root, published in (("000.00.00.G01", MINISTRIES), ("000.00.00.H26", LOCALITIES)):
        DailyCount.objects.create(scope=agencies[root].pk, day=date(2024, 12, 31), **published)
    year = selectors.Period.of(2024)
    ministries = selectors.level_row("central", year)
    localities = selectors.level_row("province", year)

    assert ministries.values["online_dossier_rate"] == Decimal("59.57")  # as published
    assert ministries.values["online_payment_rate"] == Decimal("57.26")  # as published
    # 21,730,419 / 38,881,238 = 55.89 %; the report prints it rounded, "56 %".
    assert localities.values["online_dossier_rate"] == Decimal("55.89")
    assert whole_percent(localities.values["online_dossier_rate"]) == 56
    # The reuse rate divides by the results issued, digitisation by the dossiers resolved.
    rows = {row[0]: row[1:] for row in tables.counts(agencies["000.00.00.G01"], year).rows}
    assert rows["Tỷ lệ khai thác, sử dụng lại dữ liệu"][1:] == [
        50_866_740,
        Decimal("0.00"),  # the reports give no count of dossiers that reused data
        "hồ sơ sử dụng lại dữ liệu đã số hóa / kết quả đã cấp",
    ]
    assert rows["Tỷ lệ số hóa hồ sơ"][1] == 50_775_346
    assert rows["Tỷ lệ thanh toán trực tuyến"] == [
        1_352_544,
        2_361_913,
        Decimal("57.26"),
        "giao dịch thanh toán phí, lệ phí trực tuyến qua Cổng / giao dịch thanh toán phí, lệ phí",
    ]


def scaled(published: dict[str, int], scale: int) -> dict[str, int]:
    """Each count divided by ``scale``, rounded half up: nothing is fitted to a rate."""
    return {
        counter: int((Decimal(count) / scale).quantize(Decimal(1), ROUND_HALF_UP))
        for counter, count in published.items()
    }


def records(prefix: str, units: list[str], n: dict[str, int]) -> list[dict[str, Any]]:
    """``n["received"]`` DongBoHoSoMC records that add up to exactly the counts in ``n``, spread
    over the units and the days of 2024. The first dossiers pay in two transactions each (the
    online ones first), the last ones are resolved, and the first of those issued two results."""
    out = []
    total = n["received"]
    resolved_from = total - n.get("resolved", 0)
    payments, online = n.get("payments", 0), n.get("payments_online", 0)
    for i in range(total):
        received = date(2024, 1, 1).toordinal() + i % 340
        day = date.fromordinal(received).strftime("%Y%m%d")
        done = date.fromordinal(received + 5).strftime("%Y%m%d")
        resolved = i >= resolved_from
        paid = min(2, max(0, payments - 2 * i))
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
                "SoGiaoDichThanhToan": paid,
                "SoGiaoDichThanhToanTrucTuyen": min(paid, max(0, online - 2 * i)),
                "SoKetQua": 2
                if i - resolved_from in range(n.get("results", 0) - n.get("resolved", 0))
                else 1,
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


def test_the_sync_api_adds_up_the_published_counts_scaled_down(
    client: Client, agencies: dict[str, Agency]
) -> None:
    """The same counts, divided by 5,000, pushed as dossier records through the sync API: the
    dashboard adds them up exactly, transactions and results included."""
    ministries, localities = scaled(MINISTRIES, 5000), scaled(LOCALITIES, 5000)
    assert ministries == {
        "received": 10_407,
        "online": 6_199,
        "payments": 472,
        "payments_online": 271,
        "resolved": 10_155,
        "results": 10_173,
    }
    assert localities == {"received": 7_776, "online": 4_346}
    hanoi_units = [code for code in agencies if code.endswith(".H26")]
    roots = [agencies[code] for code in ("000.00.00.G01", "000.00.00.G03", "000.00.00.G09")]
    ministry_token = create_client("Hệ thống các bộ", roots)[1]
    hanoi_token = create_client("Hà Nội", [agencies["000.00.00.H26"]])[1]
    push_all(client, ministry_token, records("BO", MINISTRY_UNITS, ministries))
    push_all(client, hanoi_token, records("TINH", hanoi_units, localities))

    year = selectors.Period.of(2024)
    for level, published in (("central", ministries), ("province", localities)):
        row = selectors.level_row(level, year)
        assert {c: row.counts[c] for c in published} == published
        for indicator in indicators():
            if {indicator.numerator, indicator.denominator} <= published.keys():
                assert row.values[indicator.key] == indicator.value(published), indicator.key
    # At this scale the two online rates keep their published two decimals; the payment rate
    # (271 / 472 = 57.42 %) does not, which is why the counts themselves are checked above.
    assert selectors.level_row("central", year).values["online_dossier_rate"] == Decimal("59.57")
    assert selectors.level_row("province", year).values["online_dossier_rate"] == Decimal("55.89")
    nation = selectors.scope_row(None, year)
    assert nation.counts["received"] == 10_407 + 7_776
    assert nation.values["online_dossier_rate"] == percentage(6_199 + 4_346, 10_407 + 7_776)
