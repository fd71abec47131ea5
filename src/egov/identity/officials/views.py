"""Quản lý cán bộ: agency administrators manage the officials and roles of their own agency,
platform administrators those of every agency.

Views stay thin: they read with the selectors, write with the services (which check, again, who
may do what), and show refusals as messages.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from egov.core.errors import ServiceError
from egov.core.models import Agency
from egov.identity.auth import acting_user
from egov.identity.models import Role

from . import selectors
from .access import access_agency, access_official, assignable_roles
from .forms import NewOfficialForm, RoleChangeForm
from .services import create_official, grant_role, reset_devices, revoke_role


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The agencies the administrator manages (straight to the one, when there is one)."""
    agencies = list(selectors.manageable_agencies(acting_user(request)))
    if not agencies:
        raise PermissionDenied
    if len(agencies) == 1:
        return redirect("identity:officials_agency", agencies[0].code)
    return render(request, "identity/officials/index.html", {"agencies": agencies})


@login_required
def agency(request: HttpRequest, code: str) -> HttpResponse:
    """The agency's officials with their roles, and the form to grant one."""
    unit = access_agency(acting_user(request), code)
    return _render_agency(request, unit)


def _render_agency(
    request: HttpRequest, unit: Agency, form: RoleChangeForm | None = None, status: int = 200
) -> HttpResponse:
    actor = acting_user(request)
    officials = list(selectors.officials_of(unit))
    roles = assignable_roles(actor, unit)
    labels = dict(Role.choices)
    rows = [
        {
            "official": official,
            "roles": [(held.role, labels[held.role]) for held in official.roles_here],  # type: ignore[attr-defined]
            "enrolled": selectors.has_two_factor(official),
        }
        for official in officials
    ]
    return render(
        request,
        "identity/officials/agency.html",
        {
            "agency": unit,
            "rows": rows,
            "assignable": set(roles),
            "form": form or RoleChangeForm(officials=officials, roles=roles),
        },
        status=status,
    )


def _role_change(request: HttpRequest, code: str, grant: bool) -> HttpResponse:
    actor = acting_user(request)
    unit = access_agency(actor, code)
    officials = list(selectors.officials_of(unit))
    form = RoleChangeForm(request.POST, officials=officials, roles=assignable_roles(actor, unit))
    if not form.is_valid():
        messages.error(request, _("Choose an official and a role."))
        return _render_agency(request, unit, form if grant else None, status=422)
    official = next(o for o in officials if o.pk == form.cleaned_data["official"])
    role = form.cleaned_data["role"]
    try:
        if grant:
            grant_role(official, unit, role, by=actor)
        else:
            revoke_role(official, unit, role, by=actor)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _render_agency(request, unit, status=exc.http_status)
    message = (
        _("%(name)s now holds the role %(role)s.")
        if grant
        else _("%(name)s no longer holds the role %(role)s.")
    )
    messages.success(
        request, message % {"name": official.full_name, "role": dict(Role.choices)[role]}
    )
    return redirect("identity:officials_agency", unit.code)


@login_required
@require_POST
def grant(request: HttpRequest, code: str) -> HttpResponse:
    return _role_change(request, code, grant=True)


@login_required
@require_POST
def revoke(request: HttpRequest, code: str) -> HttpResponse:
    return _role_change(request, code, grant=False)


@login_required
@require_POST
def reset_two_factor(request: HttpRequest, code: str, user_id: int) -> HttpResponse:
    """The official lost their authenticator: they will enrol a new one at their next login."""
    actor = acting_user(request)
    unit = access_agency(actor, code)
    official = access_official(unit, user_id)
    try:
        reset_devices(official, unit, by=actor)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _render_agency(request, unit, status=exc.http_status)
    messages.success(
        request,
        _("%(name)s will set up a new authenticator app at their next login.")
        % {"name": official.full_name},
    )
    return redirect("identity:officials_agency", unit.code)


@login_required
def create(request: HttpRequest, code: str) -> HttpResponse:
    """Create an official account attached to the agency."""
    actor = acting_user(request)
    unit = access_agency(actor, code)
    form = NewOfficialForm(
        request.POST if request.method == "POST" else None, roles=assignable_roles(actor, unit)
    )
    if form.is_valid():
        data: dict[str, Any] = form.cleaned_data
        try:
            official = create_official(
                username=data["username"],
                full_name=data["full_name"],
                password=data["password"],
                email=data["email"],
                phone=data["phone"],
                agency=unit,
                roles=data["roles"],
                by=actor,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("The account %(username)s was created.") % {"username": official.username},
            )
            return redirect("identity:officials_agency", unit.code)
    return render(
        request,
        "identity/officials/create.html",
        {"agency": unit, "form": form},
        status=422 if form.errors else 200,
    )
