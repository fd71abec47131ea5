"""Dự tính phí, lệ phí: what a dossier of a procedure will owe, shown on the procedure page
before anything is submitted, at the counter and online side by side, for the number of copies
asked for and the exemptions the applicant expects to claim.

The amount charged is the payments part's to compute (``egov.payments.fees.compute_fees``, which
the catalogue may not import); this estimate follows the same published rules of the procedure
file — the best reduction applies, rounded down to the dong — and a test holds the two equal for
every procedure of the catalogue."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EstimateLine:
    """One fee at the counter and online: unit amount × quantity, less the best reduction."""

    code: str
    name: str
    name_en: str
    per_copy: bool
    quantity: int
    gross: int
    counter: int
    online: int
    #: The reduction that sets the online amount, when one does.
    online_reduction: Mapping[str, Any] | None


@dataclass(frozen=True)
class Estimate:
    lines: list[EstimateLine]
    copies: int
    claims: tuple[str, ...]

    @property
    def counter_total(self) -> int:
        return sum(line.counter for line in self.lines)

    @property
    def online_total(self) -> int:
        return sum(line.online for line in self.lines)


def copies_limit(definition: Mapping[str, Any]) -> int | None:
    """How many copies may be asked for, when a fee is charged per copy as the form says (else
    None): the smallest ``maximum`` of the form's copies fields, at most 100."""
    properties = definition["form"]["schema"]["properties"]
    limits = [
        int(properties[fee["copies_field"]].get("maximum", 100))
        for fee in definition.get("fees", [])
        if fee.get("per_copy") and fee.get("copies_field")
    ]
    return min([*limits, 100]) if limits else None


def _best(reductions: list[Mapping[str, Any]], fee_code: str) -> Mapping[str, Any] | None:
    eligible = [r for r in reductions if not r.get("fees") or fee_code in r["fees"]]
    return max(eligible, key=lambda r: (r["percent"], r["code"]), default=None)


def _after(gross: int, reduction: Mapping[str, Any] | None) -> int:
    return gross - gross * int(reduction["percent"]) // 100 if reduction else gross


def estimate(
    definition: Mapping[str, Any], *, copies: int = 1, claims: Collection[str] = ()
) -> Estimate:
    """The fees of a procedure ``definition`` for ``copies`` copies (of every per-copy fee) with
    the group reductions named in ``claims`` declared, at the counter and online."""
    limit = copies_limit(definition) or 1
    copies = min(max(1, copies), limit)
    group = [
        r
        for r in definition.get("reductions", [])
        if r["applies"] == "group" and r["code"] in claims
    ]
    online = group + [r for r in definition.get("reductions", []) if r["applies"] == "online"]
    lines = []
    for fee in definition.get("fees", []):
        # A per-copy fee without a copies field is charged once, as for a dossier.
        quantity = copies if fee.get("per_copy") and fee.get("copies_field") else 1
        gross = int(fee["amount"]) * quantity
        online_best = _best(online, fee["code"])
        lines.append(
            EstimateLine(
                code=fee["code"],
                name=fee["name"],
                name_en=fee.get("name_en", ""),
                per_copy=bool(fee.get("per_copy")),
                quantity=quantity,
                gross=gross,
                counter=_after(gross, _best(group, fee["code"])),
                online=_after(gross, online_best),
                online_reduction=online_best if online_best and gross else None,
            )
        )
    known = {r["code"] for r in definition.get("reductions", []) if r["applies"] == "group"}
    return Estimate(lines=lines, copies=copies, claims=tuple(c for c in claims if c in known))


def form_data_for(definition: Mapping[str, Any], copies: int) -> dict[str, int]:
    """The form data that asks for ``copies`` copies of every per-copy fee (to compare with the
    amount a dossier is charged)."""
    return {
        fee["copies_field"]: copies
        for fee in definition.get("fees", [])
        if fee.get("per_copy") and fee.get("copies_field")
    }
