"""Where other parts add to reporting (``egov.core.hooks``; registered in ``AppConfig.ready()``)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django_stubs_ext import StrOrPromise

from egov.core.hooks import HookPoint
from egov.core.models import Agency

#: A figure for an agency and every agency below it, from a first to a last day (None: unknown).
Compute = Callable[[Agency, date, date], Decimal | None]


@dataclass(frozen=True)
class Source:
    """Where a report field's suggested value comes from."""

    key: str
    label: StrOrPromise
    compute: Compute
    #: A percentage (rolled up as an average of the agencies' values unless told otherwise).
    is_percentage: bool = False


prefill_source: HookPoint[Callable[[], Iterable[Source]]] = HookPoint(
    "reporting.prefill_source",
    "() -> [Source]: figures a report field may be prefilled with, each computed for an agency "
    "and every agency below it over a period (reporting's own: dossier counts and indicators).",
)
