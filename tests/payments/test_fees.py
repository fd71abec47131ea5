"""The one fee computation: fixed and per-copy amounts, online reductions, claimed exemptions;
amounts in Vietnamese words; the catalogue schema's checks on fees and reductions."""

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from egov.catalog.definitions import CatalogError, parse_procedure_file
from egov.payments.fees import compute_fees, reduce
from egov.payments.words import amount_in_words, number_in_words

CATALOG = Path(__file__).resolve().parents[2] / "catalog"

DEFINITION: dict[str, Any] = {
    "payment_due": "at_submission",
    "fees": [
        {"code": "LP", "name": "Lệ phí", "amount": 40000},
        {
            "code": "PHI",
            "name": "Phí bản sao",
            "amount": 8000,
            "per_copy": True,
            "copies_field": "copies",
        },
    ],
    "reductions": [
        {
            "code": "ONLINE",
            "name": "Giảm 50%",
            "applies": "online",
            "percent": 50,
            "legal_basis": "NQ",
        },
        {
            "code": "POOR",
            "name": "Miễn hộ nghèo",
            "applies": "group",
            "percent": 100,
            "fees": ["LP"],
            "legal_basis": "TT",
        },
    ],
}


def test_fixed_and_per_copy_fees_at_the_counter() -> None:
    breakdown = compute_fees(DEFINITION, channel="counter", form_data={"copies": 3})
    assert [(line.code, line.quantity, line.amount) for line in breakdown.lines] == [
        ("LP", 1, 40000),
        ("PHI", 3, 24000),
    ]
    assert breakdown.total == 64000
    assert breakdown.due == "at_submission"
    assert all(line.reduction is None for line in breakdown.lines)


def test_online_filing_halves_every_fee() -> None:
    breakdown = compute_fees(DEFINITION, channel="online", form_data={"copies": 3})
    assert breakdown.total == 20000 + 12000
    assert {line.reduction.code for line in breakdown.lines if line.reduction} == {"ONLINE"}


def test_a_claimed_exemption_beats_the_online_reduction_on_its_fees_only() -> None:
    breakdown = compute_fees(DEFINITION, channel="online", form_data={"copies": 1}, claims=["POOR"])
    lines = {line.code: line for line in breakdown.lines}
    assert lines["LP"].amount == 0 and lines["LP"].reduction.code == "POOR"
    assert lines["LP"].reduction.amount == 40000
    assert lines["PHI"].amount == 4000 and lines["PHI"].reduction.code == "ONLINE"


def test_an_unclaimed_group_reduction_does_not_apply() -> None:
    assert compute_fees(DEFINITION, channel="counter", form_data={}).total == 48000


@pytest.mark.parametrize("copies", [None, "x", 0, -2])
def test_copies_default_to_one(copies: Any) -> None:
    form = {} if copies is None else {"copies": copies}
    lines = compute_fees(DEFINITION, channel="counter", form_data=form).lines
    assert lines[1].quantity == 1


@given(
    amount=st.integers(min_value=0, max_value=10**9),
    copies=st.integers(min_value=1, max_value=50),
    percent=st.integers(min_value=1, max_value=100),
    online=st.booleans(),
)
def test_properties_of_the_amount(amount: int, copies: int, percent: int, online: bool) -> None:
    definition = {
        "fees": [
            {"code": "F", "name": "F", "amount": amount, "per_copy": True, "copies_field": "n"}
        ],
        "reductions": [
            {"code": "R", "name": "R", "applies": "online", "percent": percent, "legal_basis": "x"}
        ],
    }
    line = compute_fees(
        definition, channel="online" if online else "counter", form_data={"n": copies}
    ).lines[0]
    assert line.gross == amount * copies
    assert 0 <= line.amount <= line.gross
    if not online:
        assert line.amount == line.gross
    elif percent == 100:
        assert line.amount == 0
    else:
        # Exact to the dong: the reduction never exceeds its percentage.
        assert line.gross - line.amount == line.gross * percent // 100
    if line.reduction:
        assert line.reduction.amount + line.amount == line.gross


@given(
    gross=st.integers(min_value=0, max_value=10**12), a=st.integers(1, 100), b=st.integers(1, 100)
)
def test_a_larger_reduction_never_costs_more(gross: int, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert reduce(gross, high) <= reduce(gross, low)


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "không"),
        (5, "năm"),
        (15, "mười lăm"),
        (21, "hai mươi mốt"),
        (105, "một trăm linh năm"),
        (1000, "một nghìn"),
        (3000, "ba nghìn"),
        (20000, "hai mươi nghìn"),
        (40000, "bốn mươi nghìn"),
        (1_005_000, "một triệu không trăm linh năm nghìn"),
        (1_250_000, "một triệu hai trăm năm mươi nghìn"),
        (2_000_000_015, "hai tỷ không trăm mười lăm"),
    ],
)
def test_numbers_in_vietnamese_words(amount: int, words: str) -> None:
    assert number_in_words(amount) == words


def test_amount_in_words_as_on_a_receipt() -> None:
    assert amount_in_words(50000) == "Năm mươi nghìn đồng"


# --- the catalogue schema ---------------------------------------------------------------------


def _broken(tmp_path: Path, change: Any) -> CatalogError:
    source = CATALOG / "1.004194-dang-ky-tam-tru.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / source.name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        parse_procedure_file(path)
    return caught.value


def test_the_demo_catalogue_declares_fees_reductions_and_due_moments() -> None:
    definition = parse_procedure_file(CATALOG / "1.004194-dang-ky-tam-tru.yaml")
    assert definition.payment_due == "at_submission"
    assert {r.code: r.percent for r in definition.reductions} == {
        "GIAM_TRUC_TUYEN": 50,
        "MIEN_NHOM_UU_TIEN": 100,
    }
    assert definition.fees[0].legal_basis == "Thông tư 75/2022/TT-BTC"


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        (lambda d: d["reductions"][0].update(fees=["NOPE"]), "reductions", "unknown fee codes"),
        (
            lambda d: d["reductions"][1].update(proof_component="NOPE"),
            "reductions",
            "not a component",
        ),
        (
            lambda d: d["reductions"][0].update(percent=150),
            "reductions.0.percent",
            "less than or equal to 100",
        ),
        (
            lambda d: d["reductions"][0].update(applies="always"),
            "reductions.0.applies",
            "'online' or 'group'",
        ),
        (
            lambda d: d["reductions"][0].pop("legal_basis"),
            "reductions.0.legal_basis",
            "Field required",
        ),
        (
            lambda d: d.update(payment_due="later"),
            "payment_due",
            "'at_submission' or 'before_result'",
        ),
        (
            lambda d: d["fees"][0].update(per_copy=True, copies_field="full_name"),
            "form",
            "must name an integer property",
        ),
        (
            lambda d: d["fees"][0].update(copies_field="stay_months"),
            "fees.0",
            "only meaningful with per_copy",
        ),
    ],
)
def test_schema_errors_name_file_field_and_problem(
    tmp_path: Path, change: Any, field: str, problem: str
) -> None:
    error = _broken(tmp_path, change)
    assert any(
        file.endswith("1.004194-dang-ky-tam-tru.yaml") and where == field and problem in message
        for file, where, message in error.problems
    ), error.problems
