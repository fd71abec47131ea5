"""The fees panel on the dossier page: ``{% load payments %}{% fees_panel dossier %}``."""

from typing import Any

from django import template
from django.utils.formats import number_format

from egov.dossiers import access

from ..services import fees_of, paid_total

register = template.Library()


@register.filter
def dong(amount: Any) -> str:
    """3000 -> '3.000 ₫' (Vietnamese grouping); zero stays a number, unlike ``vnd``'s "free"."""
    return f"{number_format(int(amount or 0), force_grouping=True)} ₫"


@register.inclusion_tag("payments/_dossier_panel.html", takes_context=True)
def fees_panel(context: dict[str, Any], dossier: Any) -> dict[str, Any]:
    total = fees_of(dossier).total
    paid = paid_total(dossier)
    user = context["request"].user
    return {
        "dossier": dossier,
        "fees": {
            "total": total,
            "paid": paid,
            "owed": max(0, total - paid),
            "is_applicant": access.acts_as_applicant(user, dossier),
        },
    }
