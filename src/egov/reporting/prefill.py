"""Where a report field's suggested value comes from: sources by key.

A source computes one figure for an agency *and every agency below it* over a period of dates.
``count:*`` sources count the platform's dossier events; ``indicator:*`` sources are the
percentages of the indicators part (``egov.insights.services.indicator_values``, one per
indicator of ``egov/insights/indicators.yaml``). The form shows the suggestion; the agency may
change it, and the revision keeps both. Another part adds sources through the
``reporting.prefill_source`` hook (``reporting.hooks``), as this part adds its own.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from egov.core.models import Agency
from egov.core.selectors import subtree_ids
from egov.dossiers.constants import Channel
from egov.dossiers.models import Dossier, DossierEvent
from egov.insights.definitions import Indicator, indicators
from egov.insights.services import indicator_values

from .hooks import Compute, Source, prefill_source
from .periods import bounds


def _events(agency: Agency, start: date, end: date, kind: str) -> Q:
    since, until = bounds(start, end)
    return Q(kind=kind, at__gte=since, at__lt=until, dossier__agency_id__in=subtree_ids(agency))


def _count_events(kind: str, **data: object) -> Compute:
    def compute(agency: Agency, start: date, end: date) -> Decimal:
        events = DossierEvent.objects.filter(_events(agency, start, end, kind))
        for name, value in data.items():
            events = events.filter(**{f"data__{name}": value})
        return Decimal(events.count())

    return compute


def _online_submitted(agency: Agency, start: date, end: date) -> Decimal:
    events = DossierEvent.objects.filter(
        _events(agency, start, end, "submitted"), dossier__channel=Channel.ONLINE
    )
    return Decimal(events.count())


def _overdue_at_end(agency: Agency, start: date, end: date) -> Decimal:
    """Received dossiers not finished when the period ended although due before then."""
    _since, until = bounds(start, end)
    unfinished = Q(finished_at__isnull=True) | Q(finished_at__gte=until)
    dossiers = Dossier.objects.filter(
        unfinished,
        agency_id__in=subtree_ids(agency),
        received_at__lt=until,
        due_at__lt=until,
    )
    return Decimal(dossiers.count())


INDICATOR = "indicator:"


def _indicator(key: str) -> Compute:
    def compute(agency: Agency, start: date, end: date) -> Decimal | None:
        return indicator_values(agency, start, end).get(key)

    return compute


def _indicator_label(indicator: Indicator) -> StrOrPromise:
    return lazy(lambda: f"{indicator.name(get_language() or 'vi')} (%)", str)()


def own_sources() -> list[Source]:
    """Reporting's own sources: counts of the platform's dossier events, and the indicators."""
    counts = [
        Source("count:received", _("Dossiers received"), _count_events("received")),
        Source("count:online_submitted", _("Dossiers submitted online"), _online_submitted),
        Source("count:returned", _("Results returned"), _count_events("returned")),
        Source(
            "count:returned_on_time",
            _("Results returned on time"),
            _count_events("returned", on_time=True),
        ),
        Source(
            "count:returned_late",
            _("Results returned late"),
            _count_events("returned", on_time=False),
        ),
        Source(
            "count:overdue_at_end",
            _("Dossiers overdue at the end of the period"),
            _overdue_at_end,
        ),
    ]
    percentages = [
        Source(
            INDICATOR + found.key,
            _indicator_label(found),
            _indicator(found.key),
            is_percentage=True,
        )
        for found in indicators()
    ]
    return counts + percentages


def sources() -> dict[str, Source]:
    """Every source by key, from every part (``reporting.prefill_source``)."""
    return {source.key: source for offer in prefill_source for source in offer()}


def choices() -> list[tuple[str, str]]:
    return [(key, str(source.label)) for key, source in sorted(sources().items())]


def suggest(
    codes_and_keys: Iterable[tuple[str, str]], agency: Agency, start: date, end: date
) -> dict[str, Decimal | None]:
    """The suggested value of each field code from its source key (unknown keys give None).
    The indicators are read once for all the fields that quote them."""
    found: dict[str, Decimal | None] = {}
    percentages: dict[str, Decimal | None] | None = None
    known = sources()
    for code, key in codes_and_keys:
        source = known.get(key)
        if source is None:
            found[code] = None
        elif key.startswith(INDICATOR):
            if percentages is None:
                percentages = indicator_values(agency, start, end)
            found[code] = percentages.get(key.removeprefix(INDICATOR))
        else:
            found[code] = source.compute(agency, start, end)
    return found
