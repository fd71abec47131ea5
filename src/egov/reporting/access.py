"""Who may do what with reporting regimes and reports: the one place that decides. Pages, API
and services ask here; ``tests/reporting/test_permissions.py`` checks it as a matrix.

- define or edit a regime of an agency: its agency administrators, or a platform administrator;
- follow a regime (who has submitted, the roll-up, exports, reminders to read): the officials of
  the defining agency (any role), and whoever may edit it; reminders are sent by its leaders
  (agency administrator, approver) and by whoever may edit it;
- see a report: the officials of the obligated agency, and whoever follows its regime;
- fill in, save and submit a report: the obligated agency's reporters (``REPORTERS``: agency
  administrator and approver) — nobody outside that agency, not even a platform administrator;
- read the leader's dashboard of an agency: its leaders (``LEADERS``).

A regime or report someone may not see is reported as not found (404), so its existence is not
revealed; refusals of existing objects are audited as ``permission_denied``.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from egov.core import audit
from egov.core.models import Agency
from egov.identity.access import is_platform_admin
from egov.identity.models import User

from .constants import LEADERS, OFFICIAL_ROLES, REGIME_MANAGERS, REPORTERS
from .models import Regime, Report


def _official(user: Any) -> User | None:
    if isinstance(user, User) and user.is_authenticated and user.is_active and user.is_official:
        return user
    return None


def _holds(user: Any, agency_id: int, roles: frozenset[str]) -> bool:
    person = _official(user)
    return bool(person and person.roles_in(agency_id) & roles)


def _agencies_where(user: Any, roles: frozenset[str]) -> list[int]:
    person = _official(user)
    if person is None:
        return []
    held = person.official_roles.filter(role__in=roles).values_list("agency_id", flat=True)
    return sorted(set(held))


def can_define(user: Any, agency: Agency | int) -> bool:
    """May define and edit the regimes of ``agency``."""
    agency_id = agency if isinstance(agency, int) else agency.pk
    return _holds(user, agency_id, REGIME_MANAGERS) or is_platform_admin(_official(user))


def definable_agencies(user: Any) -> QuerySet[Agency]:
    """The agencies whose regimes ``user`` may define."""
    if is_platform_admin(_official(user)):
        return Agency.objects.filter(is_active=True)
    return Agency.objects.filter(pk__in=_agencies_where(user, REGIME_MANAGERS))


def can_manage(user: Any, regime: Regime) -> bool:
    return can_define(user, regime.agency_id)


def can_follow(user: Any, regime: Regime) -> bool:
    """Sees who has submitted, the submissions and the roll-up."""
    return _holds(user, regime.agency_id, OFFICIAL_ROLES) or can_manage(user, regime)


def can_remind(user: Any, regime: Regime) -> bool:
    return _holds(user, regime.agency_id, LEADERS) or can_manage(user, regime)


def can_view_report(user: Any, report: Report) -> bool:
    return _holds(user, report.agency_id, OFFICIAL_ROLES) or can_follow(user, report.regime)


def can_fill(user: Any, report: Report) -> bool:
    """Fills in, saves and submits (or corrects) the report of its agency."""
    return _holds(user, report.agency_id, REPORTERS)


def can_view_dashboard(user: Any, agency: Agency | int) -> bool:
    agency_id = agency if isinstance(agency, int) else agency.pk
    return _holds(user, agency_id, LEADERS)


def dashboard_agencies(user: Any) -> QuerySet[Agency]:
    return Agency.objects.filter(pk__in=_agencies_where(user, LEADERS))


def _deny(user: Any, object_type: str, object_id: int, action: str) -> None:
    audit.record(
        "permission_denied",
        actor=_official(user),
        object_type=object_type,
        object_id=object_id,
        data={"action": action},
    )


def access_regime(user: Any, regime_id: int, action: str = "view") -> Regime:
    """The regime if ``user`` follows it, else Http404 (audited when it exists)."""
    regime = Regime.objects.select_related("agency").filter(pk=regime_id).first()
    if regime is None:
        raise Http404
    if not can_follow(user, regime):
        _deny(user, "reporting_regime", regime.pk, action)
        raise Http404
    return regime


def access_report(user: Any, report_id: int, action: str = "view") -> Report:
    """The report if ``user`` may see it, else Http404 (audited when it exists)."""
    report = Report.objects.select_related("regime__agency", "agency").filter(pk=report_id).first()
    if report is None:
        raise Http404
    if not can_view_report(user, report):
        _deny(user, "report", report.pk, action)
        raise Http404
    return report


def followed_regimes(user: Any) -> QuerySet[Regime]:
    """Regimes ``user`` follows: those of their agencies (every one for a platform admin)."""
    regimes = Regime.objects.select_related("agency").order_by("agency__code", "title")
    if is_platform_admin(_official(user)):
        return regimes
    return regimes.filter(agency_id__in=_agencies_where(user, OFFICIAL_ROLES))


def own_reports(user: Any) -> QuerySet[Report]:
    """Reports owed by the agencies where ``user`` is an official, most urgent first."""
    return (
        Report.objects.filter(agency_id__in=_agencies_where(user, OFFICIAL_ROLES))
        .select_related("regime__agency", "agency")
        .order_by("status", "due_date", "regime__title")
    )
