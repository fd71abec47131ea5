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
