"""The national dossier sync API: batches, rejections, idempotency, out-of-order updates."""

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from egov.core.models import Agency
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.insights import sync
from egov.insights.constants import NATION
from egov.insights.models import DossierFact, SyncClient
from egov.insights.services import counts, indicator_values, national_values, rebuild_counts
from egov.insights.sync import create_client

from .conftest import count_rows

pytestmark = pytest.mark.django_db
DOSSIERS = "/api/v1/insights/sync/dossiers"
PROGRESS = "/api/v1/insights/sync/progress"
HANOI, WARD, MINISTRY = "000.00.00.H26", "000.00.31.H26", "000.00.00.G01"


def record(code: str = "H26.31-20240105-0000001", **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "MaDonVi": WARD,
        "MaHoSo": code,
        "MaTTHC": "1.001193",
        "ToanTrinh": True,
        "HinhThuc": 1,
        "TrangThaiHoSo": 2,
        "NgayTiepNhan": "20240105090000",
        "NgayHenTra": "20240110170000",
        "ThoiDiemCapNhat": "20240105090000",
    }
    base.update(fields)
    return base


@pytest.fixture
def token(agencies: dict[str, Agency]) -> str:
    return create_client("Cổng DVC Hà Nội", [agencies[HANOI]])[1]


@pytest.fixture
def push(client: Client, token: str) -> Callable[..., dict[str, Any]]:
    def send(records: list[Any], url: str = DOSSIERS, status: int = 200) -> dict[str, Any]:
        response = client.post(
            url,
            data=json.dumps({"data": records}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == status, response.content
        return response.json()

    return send


def year(agency: Agency | None = None) -> dict[str, Decimal | None]:
    start, end = date(2024, 1, 1), date(2024, 12, 31)
    return indicator_values(agency, start, end) if agency else national_values(start, end)


def test_a_batch_creates_facts_and_counts_up_the_tree(
    push: Callable[..., dict[str, Any]], agencies: dict[str, Agency]
) -> None:
    fees = [{"MaPhiLePhi": "LP1", "HinhThucThu": 2, "Gia": 8000, "TrangThaiThanhToan": 1}]
    answer = push(
        [
            record("A-1", DanhSachLePhi=fees),
            record("A-2", HinhThuc=0, DanhSachLePhi=[{**fees[0], "HinhThucThu": 1}]),
            record(
                "A-3",
                TrangThaiHoSo=10,
                NgayKetThucXuLy="20240108100000",
                NgayTra="20240111090000",  # after NgayHenTra: late
                KetQuaDienTu=True,
                SoHoa=True,
                MucDoHaiLong=1,
            ),
        ]
    )
    assert answer == {"received": 3, "applied": 3, "unchanged": 0, "rejected": []}
    values = year(agencies[HANOI])
    assert values["online_dossier_rate"] == Decimal("66.67")
    assert values["online_payment_rate"] == Decimal("50.00")
    assert values["full_process_online_rate"] == Decimal("66.67")
    assert values["electronic_result_rate"] == values["digitisation_rate"] == Decimal("100.00")
    assert values["reuse_rate"] == Decimal("0.00")
    assert values["on_time_rate"] == values["satisfaction_rate"] == Decimal("0.00")
    assert year() == values == year(agencies[WARD])
    assert year(agencies[MINISTRY])["online_dossier_rate"] is None


def test_payment_transactions_and_results_issued_travel_in_the_record(
    push: Callable[..., dict[str, Any]], agencies: dict[str, Agency]
) -> None:
    resolved = {"TrangThaiHoSo": 9, "NgayKetThucXuLy": "20240108100000"}
    paid = {"HinhThucThu": 2, "TrangThaiThanhToan": 1}
    answer = push(
        [
            # Three transactions, two of them online through the portal.
            record("P-1", SoGiaoDichThanhToan=3, SoGiaoDichThanhToanTrucTuyen="2"),
            # A sender without the counts: one transaction per way its paid fees were paid.
            record("P-2", DanhSachLePhi=[paid, {**paid, "HinhThucThu": 1}, {**paid, "Gia": 5}]),
            # Two results issued, both electronic; the dossier reused repository data.
            record("R-1", **resolved, SoKetQua=2, KetQuaDienTu=True, TaiSuDung=True),
            # Two results listed, one of them electronic.
            record(
                "R-2",
                **resolved,
                DanhSachGiayToKetQua=[{"TenGiayTo": "a"}, {"TenGiayTo": "b"}],
                SoKetQuaDienTu=1,
            ),
            record("R-3", **resolved),  # one result, on paper, when the record does not say
        ]
    )
    assert answer["applied"] == 5 and answer["rejected"] == []
    counted = counts(agencies[HANOI].pk, date(2024, 1, 1), date(2024, 12, 31))
    assert (counted["payments"], counted["payments_online"]) == (5, 3)
    assert (counted["resolved"], counted["results"], counted["e_results"]) == (3, 5, 3)
    values = year(agencies[HANOI])
    assert values["online_payment_rate"] == Decimal("60.00")  # transactions, not 2 of 2 dossiers
    assert values["reuse_rate"] == Decimal("20.00")  # over results issued, not 1 of 3 dossiers
    assert values["electronic_result_rate"] == Decimal("60.00")  # results, not 2 of 3 dossiers


def test_transaction_and_result_counts_are_validated(
    push: Callable[..., dict[str, Any]],
) -> None:
    answer = push(
        [
            record("V-1", SoGiaoDichThanhToan=1, SoGiaoDichThanhToanTrucTuyen=2),
            record("V-2", SoGiaoDichThanhToan=-1),
            record("V-3", SoGiaoDichThanhToan=True),
            record("V-4", SoKetQua=1001),
            record("V-5", SoKetQua="hai"),
            # Online count from the fee list (1) above the given total (0).
            record(
                "V-6",
                SoGiaoDichThanhToan=0,
                DanhSachLePhi=[{"HinhThucThu": 2, "TrangThaiThanhToan": 1}],
            ),
            record("V-7", SoKetQua=1, SoKetQuaDienTu=2),
            record("V-8", SoKetQua=1, KetQuaDienTu="có"),
            record("V-9", DanhSachGiayToKetQua=[{}] * 1001),
            record("V-10", SoGiaoDichThanhToan="²"),
            record("V-11", SoGiaoDichThanhToan=0, SoKetQua=0),
        ]
    )
    reasons = {r["index"]: (r["code"], r["field"]) for r in answer["rejected"]}
    assert reasons == {
        0: ("invalid_field", "SoGiaoDichThanhToanTrucTuyen"),
        1: ("invalid_field", "SoGiaoDichThanhToan"),
        2: ("invalid_field", "SoGiaoDichThanhToan"),
        3: ("invalid_field", "SoKetQua"),
        4: ("invalid_field", "SoKetQua"),
        5: ("invalid_field", "SoGiaoDichThanhToanTrucTuyen"),
        6: ("invalid_field", "SoKetQuaDienTu"),
        7: ("invalid_field", "KetQuaDienTu"),
        8: ("invalid_field", "DanhSachGiayToKetQua"),
        9: ("invalid_field", "SoGiaoDichThanhToan"),
    }
    assert answer["applied"] == 1


def test_rejected_records_come_back_with_reasons_and_the_rest_is_applied(
    push: Callable[..., dict[str, Any]],
) -> None:
    answer = push(
        [
            record("OK-1"),
            record("BAD-1", NgayTiepNhan="05/01/2024"),
            record("BAD-2", MaDonVi=MINISTRY),
            record("BAD-3", MaDonVi="999.99.99.X99"),
            record("BAD-4", TrangThaiHoSo=11),
            "not an object",
            record("BAD-6", TrangThaiHoSo=10),  # returned without NgayTra
            {k: v for k, v in record("BAD-7").items() if k != "ThoiDiemCapNhat"},
            record("OK-2", HinhThuc=2),
        ]
    )
    reasons = {r["index"]: (r["code"], r["field"]) for r in answer["rejected"]}
    assert reasons == {
        1: ("invalid_date", "NgayTiepNhan"),
        2: ("forbidden_unit", "MaDonVi"),
        3: ("unknown_unit", "MaDonVi"),
        4: ("invalid_code", "TrangThaiHoSo"),
        5: ("invalid_record", ""),
        6: ("missing_field", "NgayTra"),
        7: ("missing_field", "ThoiDiemCapNhat"),
    }
    assert answer["rejected"][0]["MaHoSo"] == "BAD-1" and answer["rejected"][0]["message"]
    assert answer["applied"] == 2
    assert set(DossierFact.objects.values_list("code", flat=True)) == {"OK-1", "OK-2"}


def test_authentication_is_required_and_per_deployment(
    client: Client, agencies: dict[str, Agency], token: str
) -> None:
    body = json.dumps({"data": [record()]})
    assert client.post(DOSSIERS, body, content_type="application/json").status_code == 401
    wrong = client.post(
        DOSSIERS, body, content_type="application/json", HTTP_AUTHORIZATION="Bearer nope"
    )
    assert wrong.status_code == 401
    SyncClient.objects.update(is_active=False)
    revoked = client.post(
        DOSSIERS, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert revoked.status_code == 401
    assert not DossierFact.objects.exists()


def test_a_batch_has_at_most_1000_records(push: Callable[..., dict[str, Any]]) -> None:
    answer = push([record(f"X-{i}") for i in range(1001)], status=422)
    assert answer["code"] == "invalid_input"
    assert push([record(f"X-{i}") for i in range(1000)])["applied"] == 1000


def test_resending_a_batch_changes_nothing(push: Callable[..., dict[str, Any]]) -> None:
    batch = [record("R-1"), record("R-2", TrangThaiHoSo=10, NgayTra="20240108090000")]
    push(batch)
    before = count_rows()
    assert push(batch) == {"received": 2, "applied": 0, "unchanged": 2, "rejected": []}
    assert count_rows() == before
    assert DossierFact.objects.count() == 2


def test_later_updates_win_by_timestamp_whatever_the_order_of_arrival(
    push: Callable[..., dict[str, Any]], agencies: dict[str, Agency]
) -> None:
    newer = record(
        TrangThaiHoSo=10,
        NgayKetThucXuLy="20240108090000",
        NgayTra="20240109090000",
        ThoiDiemCapNhat="20240109090000",
    )
    push([newer])
    # The "received" state, sent earlier but arriving late, does not undo the return.
    assert push([record()])["unchanged"] == 1
    fact = DossierFact.objects.get()
    assert (fact.status, fact.on_time) == (10, True)
    assert year(agencies[WARD])["on_time_rate"] == Decimal("100.00")


def test_progress_updates_move_a_synced_dossier_and_arrive_in_any_order(
    push: Callable[..., dict[str, Any]], agencies: dict[str, Agency]
) -> None:
    push([record()])
    late_first = {
        "MaDonVi": WARD,
        "MaHoSo": record()["MaHoSo"],
        "TrangThai": 10,
        "ThoiDiemXuLy": "20240112090000",  # after NgayHenTra 10/01: late
    }
    earlier = {**late_first, "TrangThai": 4, "ThoiDiemXuLy": "20240106090000"}
    unknown = {**late_first, "MaHoSo": "NOPE"}
    answer = push([late_first, earlier, unknown], url=PROGRESS)
    assert answer["applied"] == 1 and answer["unchanged"] == 1
    assert [(r["index"], r["code"]) for r in answer["rejected"]] == [(2, "unknown_dossier")]
    fact = DossierFact.objects.get()
    assert fact.status == 10 and fact.on_time is False
    assert str(fact.returned_day) == "2024-01-12"
    assert year(agencies[WARD])["on_time_rate"] == Decimal("0.00")


def test_a_sync_cannot_overwrite_a_dossier_of_this_deployment(
    push: Callable[..., dict[str, Any]], make_dossier: Callable[..., Dossier]
) -> None:
    dossier = make_dossier(Status.RECEIVED)
    answer = push([record(dossier.code, ThoiDiemCapNhat="20990101000000")])
    assert answer["rejected"][0]["code"] == "local_dossier"
    assert DossierFact.objects.get(dossier_id=dossier.pk).source == "local"


STATES = st.fixed_dictionaries(
    {
        "code": st.sampled_from(["S-1", "S-2", "S-3"]),
        "unit": st.sampled_from([WARD, "000.00.01.H26", "000.00.32.H26"]),
        "stamp": st.integers(min_value=0, max_value=20),
        "status": st.sampled_from([1, 2, 3, 4, 9, 10]),
        "channel": st.sampled_from([0, 1, 2]),
        "received_day": st.integers(min_value=1, max_value=28),
        "month": st.sampled_from([1, 2]),
        "flags": st.booleans(),
        "rating": st.sampled_from([None, 1, 2, 3]),
        "payments": st.one_of(st.none(), st.tuples(st.integers(0, 3), st.integers(0, 3))),
        "results": st.sampled_from([None, (0, 0), (1, 0), (1, 1), (2, 1), (2, None)]),
    }
)


def test_a_dossier_another_batch_created_meanwhile_is_applied_as_an_update(
    push: Callable[..., dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    push([record("RACE-1")])
    real, lookups = sync._load_facts, []

    def first_look_predates_the_other_commit(keys: Any) -> Any:
        lookups.append(keys)
        return {} if len(lookups) == 1 else real(keys)

    monkeypatch.setattr(sync, "_load_facts", first_look_predates_the_other_commit)
    answer = push(
        [
            record(
                "RACE-1",
                TrangThaiHoSo=10,
                NgayKetThucXuLy="20240108090000",
                NgayTra="20240108100000",
                ThoiDiemCapNhat="20240108100000",
            )
        ]
    )
    assert answer["applied"] == 1 and len(lookups) == 2  # the insert collided, the retry updated
    assert DossierFact.objects.get(code="RACE-1").status == 10
    counted = counts(NATION, date(2024, 1, 1), date(2024, 12, 31))
    assert (counted["received"], counted["returned"]) == (1, 1)


def as_record(state: dict[str, Any]) -> dict[str, Any]:
    day = f"2024{state['month']:02d}{state['received_day']:02d}"
    transactions, results = {}, {}
    if state["results"] is not None:
        issued, electronic = state["results"]
        results = {"SoKetQua": issued}
        if electronic is not None:
            results["SoKetQuaDienTu"] = electronic
    if state["payments"] is not None:
        total, online = state["payments"]
        transactions = {
            "SoGiaoDichThanhToan": max(total, online),
            "SoGiaoDichThanhToanTrucTuyen": online,
        }
    done = f"2024{state['month'] + 1:02d}01080000"
    return record(
        state["code"],
        MaDonVi=state["unit"],
        TrangThaiHoSo=state["status"],
        HinhThuc=state["channel"],
        NgayTiepNhan=f"{day}090000",
        NgayKetThucXuLy=done if state["status"] in (9, 10) else None,
        NgayTra=done if state["status"] == 10 else None,
        SoHoa=state["flags"],
        KetQuaDienTu=state["flags"],
        TaiSuDung=not state["flags"],
        MucDoHaiLong=state["rating"] if state["status"] == 10 else None,
        DanhSachLePhi=[{"HinhThucThu": 2 if state["flags"] else 1, "TrangThaiThanhToan": 1}],
        ThoiDiemCapNhat=f"202403{state['stamp'] + 1:02d}000000",
        **transactions,
        **results,
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(STATES, min_size=1, max_size=12), st.randoms(use_true_random=False))
def test_incremental_counts_equal_a_rebuild_and_do_not_depend_on_arrival_order(
    push: Callable[..., dict[str, Any]], states: list[dict[str, Any]], shuffler: Any
) -> None:
    DossierFact.objects.all().delete()
    from egov.insights.models import DailyCount

    DailyCount.objects.all().delete()
    records = [as_record(s) for s in states]
    # Deduplicate equal timestamps per dossier: "later wins" needs an order among them.
    newest: dict[tuple[str, str], dict[str, Any]] = {}
    for r in records:
        key = (r["MaDonVi"], r["MaHoSo"])
        if key not in newest or r["ThoiDiemCapNhat"] >= newest[key]["ThoiDiemCapNhat"]:
            newest[key] = r
    stamps = [(r["MaDonVi"], r["MaHoSo"], r["ThoiDiemCapNhat"]) for r in records]
    unique = [r for r, s in zip(records, stamps, strict=True) if stamps.count(s) == 1]
    for r in records:
        if r not in unique and newest[(r["MaDonVi"], r["MaHoSo"])] is r:
            unique.append(r)
    shuffler.shuffle(unique)
    for r in unique:
        push([r])
    incremental = count_rows()
    rebuild_counts()
    assert count_rows() == incremental
    # The same records sent once each in timestamp order give the same counts.
    DossierFact.objects.all().delete()
    DailyCount.objects.all().delete()
    push(sorted(unique, key=lambda r: r["ThoiDiemCapNhat"]))
    assert count_rows() == incremental
