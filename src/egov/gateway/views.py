"""The gateway's pages: the public catalogue of services with their documentation, and the
operator's page of the platform's use (the platform operator: every service; an agency
administrator: their agency's services)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from egov.core.pagination import page_of
from egov.identity.auth import acting_user

from . import access, selectors


def catalogue(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    page = page_of(request, selectors.catalogue(query), 30)
    return render(request, "gateway/catalogue.html", {"page": page, "q": query})


def service(request: HttpRequest, agency: str, system: str, code: str) -> HttpResponse:
    found = selectors.catalogue().filter(owner__code=f"{agency}/{system}", code=code).first()
    if found is None:
        raise Http404
    return render(
        request,
        "gateway/service.html",
        {
            "service": found,
            "operations": list(selectors.operations(found.openapi)),
            "address": f"{settings.GATEWAY_URL}{settings.GATEWAY_PREFIX}{found.owner.code}/{found.code}",
            "token_url": f"{settings.GATEWAY_URL}/api/v1/gateway/token",
        },
    )


@login_required
def operations(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    agencies = access.managed_agency_ids(user) if user.is_official else set()
    if agencies is not None and not agencies:
        raise Http404
    managed = None if agencies is None else [str(s) for s in access.services_for(user)]
    try:
        days = min(max(int(request.GET.get("days", 7)), 1), 90)
    except ValueError:
        days = 7
    usage = selectors.usage(days, managed)
    peak = max((day["calls"] for day in usage.days), default=0)
    return render(
        request,
        "gateway/operations.html",
        {"usage": usage, "days": days, "peak": peak, "everything": agencies is None},
    )
