"""Every table of the dashboard as plain data: the page renders it, the exports write it.

Cells hold numbers as numbers (Decimal percentages, int counts; None for "no denominator"), so a
CSV or XLSX file keeps them machine-readable and a page formats them for its language.
"""

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook

from egov.core.models import Agency

from . import selectors
from .constants import COUNTER_NAMES, GROUPS
from .definitions import indicators


@dataclass
class Table:
    """A titled table: column headings, rows of cells, and a link per row (drill-down)."""

    slug: str
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    links: list[str | None] = field(default_factory=list)
    #: The column whose cell links to the row's agency page.
    link_column: int = 1

    @property
    def lines(self) -> list[tuple[list[Any], str | None]]:
        return list(zip(self.rows, self.links, strict=True))


def _name(agency: Agency | None) -> str:
    if agency is None:
        return _("Whole country")
    return agency.name_en if get_language() == "en" and agency.name_en else agency.name


def indicator_headers() -> list[str]:
    return [i.name(get_language() or "vi") for i in indicators()]


def group_headers() -> list[str]:
    return [f"{name} ({weight})" for weight, name in GROUPS.values()]


def _figures(row: selectors.Row) -> list[Any]:
    return [
        *(row.values[i.key] for i in indicators()),
        *(row.scores[g] for g in GROUPS),
        row.total,
    ]


def ranking(level: str, period: selectors.Period) -> Table:
    """Ministries or provinces, ranked by their Decision 766 total."""
    title = _("Ministries and sectors") if level == "ministries" else _("Provinces and cities")
    agencies = list(selectors.top_agencies(selectors.LEVELS[level]))
    table = Table(
        level,
        _("%(title)s: ranking — %(period)s") % {"title": title, "period": period.label},
        [_("Rank"), _("Agency"), *indicator_headers(), *group_headers(), _("Total (100)")],
    )
    for row in selectors.table(agencies, period):
        table.rows.append([row.rank, _name(row.agency), *_figures(row)])
        table.links.append(row.agency.code if row.agency else None)
    return table


def units(agency: Agency, period: selectors.Period) -> Table:
    """The units directly below ``agency``, each with everything below it."""
    table = Table(
        "units",
        _("Units of %(agency)s — %(period)s") % {"agency": _name(agency), "period": period.label},
        [_("Rank"), _("Agency"), *indicator_headers(), *group_headers(), _("Total (100)")],
    )
    for row in selectors.table(selectors.children(agency), period):
        table.rows.append([row.rank, _name(row.agency), *_figures(row)])
        table.links.append(row.agency.code if row.agency else None)
    return table


def trend(agency: Agency | None, period: selectors.Period) -> Table:
    """Each month of the year with every indicator (the chart's data, as a table)."""
    table = Table(
        "trend",
        _("Monthly trend — %(agency)s — %(year)s") % {"agency": _name(agency), "year": period.year},
        [_("Month"), *indicator_headers()],
    )
    for month, values in selectors.trend(agency, period):
        table.rows.append(
            [f"{month.month:02d}/{month.year}", *(values[i.key] for i in indicators())]
        )
        table.links.append(None)
    return table


def summary(agency: Agency | None, period: selectors.Period) -> Table:
    """One agency (or the nation, or all ministries / all provinces) with its numerators and
    denominators next to each indicator."""
    rows: list[tuple[str, selectors.Row]]
    if agency is None:
        rows = [
            (_("Whole country"), selectors.scope_row(None, period)),
            (_("Ministries and sectors"), selectors.level_row("central", period)),
            (_("Provinces and cities"), selectors.level_row("province", period)),
        ]
    else:
        rows = [(_name(agency), selectors.scope_row(agency, period))]
    language = get_language() or "vi"
    headers = [_("Indicator"), *(name for name, _row in rows)]
    title = _("Indicators — %(period)s") % {"period": period.label}
    table = Table("summary", title, headers)
    for indicator in indicators():
        table.rows.append(
            [indicator.name(language), *(row.values[indicator.key] for _label, row in rows)]
        )
        table.links.append(None)
    for group, (weight, name) in GROUPS.items():
        table.rows.append([f"{name} ({weight})", *(row.scores[group] for _n, row in rows)])
        table.links.append(None)
    table.rows.append([_("Total (100)"), *(row.total for _n, row in rows)])
    table.links.append(None)
    return table


def counts(agency: Agency | None, period: selectors.Period) -> Table:
    """Numerators and denominators behind the indicators (what each percentage is made of), and
    what each of them counts, so that anyone can redo the division."""
    row = selectors.scope_row(agency, period)
    language = get_language() or "vi"
    table = Table(
        "counts",
        _("Numerators and denominators — %(agency)s — %(period)s")
        % {"agency": _name(agency), "period": period.label},
        [_("Indicator"), _("Numerator"), _("Denominator"), _("Rate (%)"), _("Counted")],
    )
    for indicator in indicators():
        counted = f"{COUNTER_NAMES[indicator.numerator]} / {COUNTER_NAMES[indicator.denominator]}"
        table.rows.append(
            [
                indicator.name(language),
                row.counts[indicator.numerator],
                row.counts[indicator.denominator],
                row.values[indicator.key],
                counted,
            ]
        )
        table.links.append(None)
    return table


# --- files ------------------------------------------------------------------------------------


def _plain(cell: Any) -> Any:
    if cell is None:
        return ""
    if isinstance(cell, Decimal):
        return f"{cell:.2f}"
    return cell


def to_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read Vietnamese correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_plain(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = table.slug[:31]
    sheet.append([table.title])
    sheet.append(table.headers)
    for row in table.rows:
        sheet.append([float(c) if isinstance(c, Decimal) else c for c in row])
    for cells in sheet.iter_rows(min_row=3):
        for cell in cells:
            if isinstance(cell.value, float):
                cell.number_format = "0.00"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
