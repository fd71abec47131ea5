"""Named reads of interconnected applications."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.urls import reverse
from django.utils import timezone

from egov.catalog.models import Procedure, ProcedureGroup
from egov.core.models import Agency
from egov.dossiers import tracking

from .constants import ApplicationStatus
from .models import Activation, Application

#: An application has ended with a result for the applicant (not withdrawn).
FINISHED = [ApplicationStatus.COMPLETED, ApplicationStatus.PARTLY, ApplicationStatus.REFUSED]


@dataclass
class Offer:
    group: ProcedureGroup
    places: list[Agency]


def offers() -> list[Offer]:
    """Each current group and where it can be filed now."""
    today = timezone.localdate()
    routes: dict[str, set[str]] = {}
    for activation in Activation.objects.filter(since__lte=today):
        routes.setdefault(activation.group_code, set()).update(activation.routes)
    agencies = {a.code: a for a in Agency.objects.filter(code__in=set().union(*routes.values()))}
    return [
        Offer(
            group,
            sorted(
                (agencies[c] for c in routes.get(group.code, ()) if c in agencies),
                key=lambda a: a.code,
            ),
        )
        for group in ProcedureGroup.objects.filter(is_current=True).order_by("code")
    ]


def parts_of(application: Application) -> list[dict[str, Any]]:
    """Each part with its procedure, for the application's page."""
    parts = list(application.parts.select_related("agency"))
    procedures = {
        p.code: p
        for p in Procedure.objects.filter(
            is_current=True, code__in=[part.procedure_code for part in parts]
        )
    }
    return [{"part": part, "procedure": procedures.get(part.procedure_code)} for part in parts]


def _by_code(code: str) -> Application | None:
    return Application.objects.select_related("group", "applicant").filter(code=code).first()


def _check_digits(application: Application) -> list[str]:
    return tracking.last_digits(application.applicant.personal_id or "")


def track(address: str, code: str, check: str = "") -> tracking.Tracked[Application] | None:
    """Public tracking by the application's code, under the dossiers' limits and rules: the
    code alone shows the application's status and each part's state; with the last 4 digits of
    the applicant's personal ID number also the group, each part's procedure, agency, receipt
    code and dates. Never a name, a form field or a document."""
    return tracking.lookup(address, code.strip().upper()[:48], check, _by_code, _check_digits)


def tracking_address(code: str) -> str:
    """The dossiers' tracking hook: an application's code is tracked on this part's page."""
    return reverse("interconnected:track") if code.strip().upper().startswith("LT-") else ""


@dataclass
class GroupFigures:
    group: ProcedureGroup
    provinces: int
    agencies: int
    submitted: int
    finished: int
    on_time: int

    @property
    def on_time_rate(self) -> float | None:
        """Applications finished by the group's own deadline, of those finished (%)."""
        return round(100 * self.on_time / self.finished, 2) if self.finished else None


def group_figures(agency_ids: list[int] | None, start: date, end: date) -> list[GroupFigures]:
    """Per current group: the provinces and agencies running it (of ``agency_ids`` when given),
    the applications filed there in the period, and how many of them finished on time."""
    rows = []
    for group in ProcedureGroup.objects.filter(is_current=True).order_by("code"):
        activations = list(Activation.objects.filter(group_code=group.code))
        codes = {
            code
            for activation in activations
            for place, route in activation.routes.items()
            for code in [place, *route.values()]
        }
        running = Agency.objects.filter(code__in=codes)
        applications = Application.objects.filter(
            group__code=group.code,
            submitted_at__date__gte=start,
            submitted_at__date__lte=end,
        )
        if agency_ids is not None:
            running = running.filter(pk__in=agency_ids)
            applications = applications.filter(place_id__in=agency_ids)
            activations = [a for a in activations if a.province_id in agency_ids]
        finished = list(applications.filter(status__in=FINISHED).only("finished_at", "due_at"))
        rows.append(
            GroupFigures(
                group=group,
                provinces=len({a.province_id for a in activations}),
                agencies=running.count(),
                submitted=applications.count(),
                finished=len(finished),
                on_time=sum(not application.returned_late for application in finished),
            )
        )
    return rows
