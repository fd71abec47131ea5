"""Template helpers: money in VND, statuses, bilingual names, page links."""

import contextlib
from datetime import date
from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def vnd(amount: Any) -> str:
    """1200000 -> '1.200.000 ₫' (Vietnamese) or '1,200,000 ₫' (English); 0 -> free."""
    if amount in (None, ""):
        return ""
    if int(amount) == 0:
        return _("Free")
    return f"{number_format(int(amount), force_grouping=True)} ₫"


@register.filter
def localized(obj: Any, attr: str = "name") -> str:
    """The English variant of ``attr`` on English pages when there is one."""
    getter = (
        obj.get if isinstance(obj, dict) else lambda key, default="": getattr(obj, key, default)
    )
    if get_language() == "en":
        english = getter(f"{attr}_en", "")
        if english:
            return str(english)
    return str(getter(attr, ""))


@register.filter
def as_date(value: Any) -> Any:
    """An ISO date kept in form data ("2026-10-30") as a date, for the ``date`` filter."""
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return date.fromisoformat(value)
    return value


@register.simple_tag(takes_context=True)
def page_url(context: template.Context, page: Any, number: int) -> str:
    """``?…`` of the current page with ``page``'s parameter (see ``page_of``) set to ``number``,
    the filters and the other lists' pages kept."""
    query = context["request"].GET.copy()
    query[getattr(page, "param", "page")] = str(number)
    return f"?{query.urlencode()}"
