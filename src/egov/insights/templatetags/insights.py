"""Formatting of indicator tables: percentages with two decimals, counts with grouping."""

from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def cell(value: Any) -> str:
    """59.57 → '59,57' (Vietnamese) or '59.57' (English); 1234 → '1.234'; None → '—'."""
    if value is None or value == "":
        return "—"
    if isinstance(value, Decimal):
        return number_format(value, 2, force_grouping=True)
    if isinstance(value, int):
        return number_format(value, force_grouping=True)
    return str(value)


@register.filter
def is_number(value: Any) -> bool:
    return isinstance(value, Decimal | int) or value is None


@register.filter
def has_gaps(table: Any) -> bool:
    """Whether any cell of the table is "—" (no data for its period and scope)."""
    return any(value is None for row in table.rows for value in row)


@register.filter
def row_header_column(table: Any) -> int:
    """The column that names a row: the agency in a ranking (the rank is no name), else the
    first."""
    return int(table.link_column) if any(table.links) else 0


@register.filter
def months_with_figures(table: Any) -> int:
    """Rows of a trend table with at least one figure: the points a line chart can draw."""
    return sum(1 for row in table.rows if any(value is not None for value in row[1:]))
