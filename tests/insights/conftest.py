from typing import Any

from egov.insights.constants import COUNTERS
from egov.insights.models import DailyCount


def count_rows() -> dict[tuple[int, Any], tuple[int, ...]]:
    """Every non-zero daily count, for comparing the incremental path with a rebuild."""
    return {
        (row["scope"], row["day"]): tuple(row[c] for c in COUNTERS)
        for row in DailyCount.objects.values("scope", "day", *COUNTERS)
        if any(row[c] for c in COUNTERS)
    }
