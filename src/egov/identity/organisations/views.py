"""Pages of the organisations a person represents (Tổ chức của tôi): registering one, its
representatives, authorising and revoking. Views stay thin: services decide."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from egov.core.errors import ServiceError
from egov.identity.auth import acting_user
from egov.identity.forms import apply_errors
from egov.identity.models import IdentityLevel

from . import selectors, services
from .access import can_manage_representatives, organisation_for
from .forms import GrantForm, OrganisationForm


@login_required
def organisations(request: HttpRequest) -> HttpResponse:
    """Tổ chức của tôi: the organisations you represent, and registering a new one."""
    user = acting_user(request)
    form = OrganisationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                organisation = services.register_organisation(by=user, **form.cleaned_data)
            except ServiceError as exc:
                messages.error(request, exc.message)
                apply_errors(form, exc.errors)
                status = exc.http_status
            else:
                messages.success(request, _("The organisation is registered."))
                return redirect("identity:organisation", organisation.pk)
        else:
            status = 422
    mine = selectors.organisations_of(user)
    kinds = selectors.representation_kinds(user, mine)
    return render(
        request,
        "identity/account/organisations.html",
        {
            "rows": [(organisation, kinds.get(organisation.pk)) for organisation in mine],
            "form": form,
            "can_register": user.identity_level >= IdentityLevel.LEVEL_2,
        },
        status=status,
    )


@login_required
def organisation(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """One organisation: its representatives; its legal representatives grant and revoke."""
    user = acting_user(request)
    found = organisation_for(user, organisation_id)
    if found is None:
        raise Http404
    manage = can_manage_representatives(user, found)
    form = GrantForm(request.POST or None, prefix="grant")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.grant_by_personal_id(
                    found, form.cleaned_data["personal_id"], form.cleaned_data["kind"], by=user
                )
            except ServiceError as exc:
                messages.error(request, exc.message)
                apply_errors(form, exc.errors)
                status = exc.http_status
            else:
                messages.success(request, _("The person may now act for the organisation."))
                return redirect("identity:organisation", found.pk)
        else:
            status = 422
    return render(
        request,
        "identity/account/organisation.html",
        {
            "organisation": found,
            "representations": selectors.representations_of(found),
            "manage": manage,
            "form": form,
        },
        status=status,
    )


@require_POST
@login_required
def revoke(request: HttpRequest, organisation_id: int, representation_id: int) -> HttpResponse:
    """Thu hồi ủy quyền."""
    user = acting_user(request)
    found = organisation_for(user, organisation_id)
    representation = selectors.representation_in(found, representation_id) if found else None
    if found is None or representation is None:
        raise Http404
    try:
        services.revoke_representation(representation, by=user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The authorisation is revoked."))
    if not organisation_for(user, organisation_id):  # they revoked themselves
        return redirect("identity:organisations")
    return redirect("identity:organisation", organisation_id)
