from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from egov.catalog.selectors import current_procedures


def home(request: HttpRequest) -> HttpResponse:
    """Trang chủ: search, the most used procedures, tracking."""
    return render(request, "core/home.html", {"procedures": current_procedures()[:8]})
