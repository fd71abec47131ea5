"""Template filters of the payments part: ``{% load payments %}``."""

from typing import Any

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def dong(amount: Any) -> str:
    """3000 -> '3.000 ₫' (Vietnamese grouping); zero stays a number, unlike ``vnd``'s "free"."""
    return f"{number_format(int(amount or 0), force_grouping=True)} ₫"
