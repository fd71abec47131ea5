"""The indicators, loaded from ``indicators.yaml`` and checked against the counters."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

import yaml

from .constants import COUNTERS, GROUPS

INDICATORS_FILE = Path(__file__).with_name("indicators.yaml")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Indicator:
    """Chỉ số: numerator / denominator, as a percentage."""

    key: str
    name_vi: str
    name_en: str
    numerator: str
    denominator: str
    group: str
    source: str

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_vi

    def value(self, counts: dict[str, int]) -> Decimal | None:
        return percentage(counts.get(self.numerator, 0), counts.get(self.denominator, 0))


def percentage(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator × 100, rounded half up to two decimals; None without denominator."""
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(CENT, ROUND_HALF_UP)


@cache
def indicators() -> tuple[Indicator, ...]:
    """Every indicator, in the order of the data file; the file is checked when loaded."""
    rows = yaml.safe_load(INDICATORS_FILE.read_text(encoding="utf-8"))
    loaded = tuple(Indicator(**row) for row in rows)
    for indicator in loaded:
        unknown = {indicator.numerator, indicator.denominator} - set(COUNTERS)
        if unknown or indicator.group not in GROUPS:
            raise ValueError(
                f"{INDICATORS_FILE}: {indicator.key}: unknown {unknown or indicator.group}"
            )
    if len({i.key for i in loaded}) != len(loaded):
        raise ValueError(f"{INDICATORS_FILE}: duplicate keys")
    return loaded
