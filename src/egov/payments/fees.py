"""The amount a dossier owes: one function, :func:`compute_fees`, used by every page, API call,
payment and receipt, so that what the payer is shown is what they are charged."""

from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class AppliedReduction:
    code: str
    name: str
    name_en: str
    percent: int
    amount: int
    legal_basis: str


@dataclass(frozen=True)
class FeeLine:
    """One fee of the procedure as charged: unit amount × quantity, less the best reduction."""

    code: str
    name: str
    name_en: str
    kind: str
    unit_amount: int
    quantity: int
    gross: int
    reduction: AppliedReduction | None
    amount: int
    legal_basis: str = ""


@dataclass(frozen=True)
class FeeBreakdown:
    lines: list[FeeLine]
    due: str
    total: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", sum(line.amount for line in self.lines))

    def as_json(self) -> list[dict[str, Any]]:
        return [asdict(line) for line in self.lines]


def quantity_of(fee: Mapping[str, Any], form_data: Mapping[str, Any]) -> int:
    """How many units a fee is charged for: the copies asked for in the form, at least one."""
    if not fee.get("per_copy"):
        return 1
    value = form_data.get(fee.get("copies_field") or "", 1)
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1


def reduce(gross: int, percent: int) -> int:
    """What is left of ``gross`` after ``percent`` off. The reduction is rounded down to the
    dong, so a reduction never makes the payer owe a fraction, and 100% leaves nothing."""
    return gross - gross * percent // 100


#: The line of the postal fee when the result is sent by public postal service (Decision
#: 45/2016/QĐ-TTg): the provider's price, never reduced by the procedure's reductions.
POSTAL_FEE_CODE = "CUOC_BUU_CHINH"


def postal_line(amount: int) -> FeeLine:
    return FeeLine(
        code=POSTAL_FEE_CODE,
        name="Cước dịch vụ bưu chính công ích (gửi trả kết quả)",
        name_en="Postal fee (the result sent by public postal service)",
        kind="postal",
        unit_amount=amount,
        quantity=1,
        gross=amount,
        reduction=None,
        amount=amount,
        legal_basis="Quyết định 45/2016/QĐ-TTg",
    )


def compute_fees(
    definition: Mapping[str, Any],
    *,
    channel: str,
    form_data: Mapping[str, Any],
    claims: Collection[str] = (),
    postal_fee: int = 0,
) -> FeeBreakdown:
    """The fees of a procedure ``definition`` for a dossier filed through ``channel`` with
    ``form_data``, the applicant claiming the group reductions named in ``claims``, and the
    ``postal_fee`` when the result is sent by post (one line, paid with the fees).

    Online reductions apply to dossiers filed online; a group reduction applies when claimed.
    Reductions do not add up: each fee gets the largest one that applies to it; the postal fee
    is not reduced."""
    reductions = [
        r
        for r in definition.get("reductions", [])
        if (r["applies"] == "online" and channel == "online")
        or (r["applies"] == "group" and r["code"] in claims)
    ]
    lines = []
    for fee in definition.get("fees", []):
        quantity = quantity_of(fee, form_data)
        gross = int(fee["amount"]) * quantity
        eligible = [r for r in reductions if not r.get("fees") or fee["code"] in r["fees"]]
        best = max(eligible, key=lambda r: (r["percent"], r["code"]), default=None)
        amount = reduce(gross, best["percent"]) if best else gross
        applied = (
            AppliedReduction(
                code=best["code"],
                name=best["name"],
                name_en=best.get("name_en", ""),
                percent=best["percent"],
                amount=gross - amount,
                legal_basis=best.get("legal_basis", ""),
            )
            if best and gross
            else None
        )
        lines.append(
            FeeLine(
                code=fee["code"],
                name=fee["name"],
                name_en=fee.get("name_en", ""),
                kind=fee.get("kind", "fee"),
                unit_amount=int(fee["amount"]),
                quantity=quantity,
                gross=gross,
                reduction=applied,
                amount=amount,
                legal_basis=fee.get("legal_basis", ""),
            )
        )
    if postal_fee > 0:
        lines.append(postal_line(postal_fee))
    return FeeBreakdown(lines=lines, due=definition.get("payment_due", "before_result"))


def claimable_reductions(definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The group reductions an applicant may declare for this procedure."""
    return [r for r in definition.get("reductions", []) if r["applies"] == "group"]
