"""Where other parts add to the indicators' pages (``egov.core.hooks``; registered in their
``AppConfig.ready()``)."""

from collections.abc import Callable
from datetime import date

from django.http import HttpRequest
from django.utils.safestring import SafeString

from egov.core.hooks import HookPoint
from egov.core.models import Agency

dashboard_panels: HookPoint[
    Callable[[HttpRequest, Agency | None, date, date], list[SafeString]]
] = HookPoint(
    "insights.dashboard_panels",
    "(request, agency or None for the whole deployment, first day, last day) -> [HTML] panels "
    "shown on the dashboard and each agency's page (official documents sent and received).",
)
