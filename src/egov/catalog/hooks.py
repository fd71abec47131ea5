"""Where other parts add to the catalogue's pages (``egov.core.hooks``; registered in their
``AppConfig.ready()``)."""

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString

from egov.core.hooks import HookPoint

from .models import Procedure

procedure_panels: HookPoint[Callable[[HttpRequest, Procedure], list[SafeString]]] = HookPoint(
    "catalog.procedure_panels",
    "(request, procedure) -> [HTML] panels shown on the procedure page (the questions asked about "
    "it and their published answers).",
)
