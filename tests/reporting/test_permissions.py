"""Who may do what, as a matrix over pages, API and services: only the defining agency's admins
(or a platform admin) define and edit regimes; only the obligated agency's reporters fill in and
submit its report; the defining agency's officials follow the submissions; nobody else sees
anything — not the city above the department, not another ward, not a citizen."""

import json
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client

from egov.core.models import Agency, AuditEntry
from egov.identity.models import User
from egov.reporting import access
from egov.reporting.models import Regime, Reminder, Report
from tests.conftest import bearer, log_in, vn

from .conftest import CITY, COMMUNE, DEPARTMENT, FIELDS, WARD

pytestmark = pytest.mark.django_db

ACTORS = (
    "dept_admin",
    "dept_receiver",
    "platform_admin",
    "ward_admin",
    "ward_approver",
    "ward_receiver",
    "commune_admin",
    "city_admin",
    "citizen",
)
#: actor: (follow the regime, edit it, remind, see the ward's report, fill it in, ward dashboard)
MATRIX = {
    "dept_admin": (True, True, True, True, False, False),
    "dept_receiver": (True, False, False, True, False, False),
    "platform_admin": (True, True, True, True, False, False),
    "ward_admin": (False, False, False, True, True, True),
    "ward_approver": (False, False, False, True, True, True),
    "ward_receiver": (False, False, False, True, False, False),
    "commune_admin": (False, False, False, False, False, False),
    "city_admin": (False, False, False, False, False, False),
    "citizen": (False, False, False, False, False, False),
}
VALUES = {"received": "1", "returned": "1", "on_time": "1"}
REGIME_BODY = {
    "agency": DEPARTMENT,
    "title": "Báo cáo quý",
    "period": "quarterly",
    "deadline_kind": "working_days",
    "deadline_value": 10,
    "scope": "chosen",
    "chosen": [WARD],
    "fields": FIELDS[:3],
    "first_period_start": "2026-07-01",
}


@pytest.fixture
def people(
    agencies: dict[str, Agency],
    make_official: Callable[..., User],
    dept_admin: User,
    staff: dict[str, User],
    citizen: User,
) -> dict[str, User]:
    return {
        "dept_admin": dept_admin,
        "dept_receiver": make_official(agencies[DEPARTMENT], "receiver", username="tn.sotuphap"),
        "platform_admin": make_official(agencies[CITY], "platform_admin", username="nentang"),
        "ward_admin": staff["agency_admin"],
        "ward_approver": staff["approver"],
        "ward_receiver": staff["receiver"],
        "commune_admin": make_official(agencies[COMMUNE], "agency_admin", username="qt.socson"),
        "city_admin": make_official(agencies[CITY], "agency_admin", username="qt.thanhpho"),
        "citizen": citizen,
    }


@pytest.fixture
def regime(make_regime: Callable[..., Regime]) -> Regime:
    with time_machine.travel(vn(2026, 11, 3, 9), tick=False):
        return make_regime()


def ward_report(regime: Regime) -> Report:
    return Report.objects.get(regime=regime, agency__code=WARD)


@pytest.mark.parametrize("who", ACTORS)
def test_access_rules(who: str, people: dict[str, User], regime: Regime) -> None:
    user, report = people[who], ward_report(regime)
    ward = report.agency
    assert (
        access.can_follow(user, regime),
        access.can_manage(user, regime),
        access.can_remind(user, regime),
        access.can_view_report(user, report),
        access.can_fill(user, report),
        access.can_view_dashboard(user, ward),
    ) == MATRIX[who]


@pytest.mark.parametrize("who", ACTORS)
def test_pages(who: str, people: dict[str, User], regime: Regime) -> None:
    follow, edit, remind, see, fill, dashboard = MATRIX[who]
    client = Client()
    log_in(client, people[who])
    report = ward_report(regime)
    assert client.get(f"/reporting/regimes/{regime.pk}/").status_code == (200 if follow else 404)
    assert client.get(f"/reporting/regimes/{regime.pk}/edit/").status_code == (200 if edit else 404)
    assert client.get(f"/reporting/regimes/{regime.pk}/export.csv").status_code == (
        200 if follow else 404
    )
    client.post(f"/reporting/regimes/{regime.pk}/remind/", {"period": "2026-10-01"})
    assert Reminder.objects.exists() == remind
    assert client.get(f"/reporting/reports/{report.pk}/").status_code == (200 if see else 404)
    response = client.post(f"/reporting/reports/{report.pk}/", {"action": "submit", **VALUES})
    assert response.status_code == (302 if fill else 404)
    report.refresh_from_db()
    assert (report.status == "submitted") == fill
    assert client.get(f"/reporting/dashboard/?agency={WARD}").status_code == (
        200 if dashboard else 404
    )
    may_define = who in {
        "dept_admin",
        "platform_admin",
        "ward_admin",
        "commune_admin",
        "city_admin",
    }
    assert client.get("/reporting/regimes/new/").status_code == (200 if may_define else 404)


@pytest.mark.parametrize("who", ACTORS)
def test_api(who: str, people: dict[str, User], regime: Regime) -> None:
    follow, edit, remind, see, fill, _dashboard = MATRIX[who]
    client, headers = Client(), bearer(people[who])
    report = ward_report(regime)
    base = "/api/v1/reporting"
    listed = client.get(f"{base}/regimes", headers=headers).json()["items"]
    assert [r["id"] for r in listed] == ([regime.pk] if follow else [])
    assert client.get(f"{base}/regimes/{regime.pk}", headers=headers).status_code == (
        200 if follow else 404
    )
    assert client.get(f"{base}/regimes/{regime.pk}/rollup", headers=headers).status_code == (
        200 if follow else 404
    )
    body = json.dumps({**REGIME_BODY, "title": "Sửa"})
    updated = client.put(
        f"{base}/regimes/{regime.pk}", body, content_type="application/json", headers=headers
    )
    assert updated.status_code == (200 if edit else 403 if follow else 404)
    created = client.post(
        f"{base}/regimes", json.dumps(REGIME_BODY), content_type="application/json", headers=headers
    )
    assert created.status_code == (201 if who in {"dept_admin", "platform_admin"} else 403)
    reminded = client.post(
        f"{base}/regimes/{regime.pk}/reminders",
        json.dumps({"period_start": "2026-10-01"}),
        content_type="application/json",
        headers=headers,
    )
    assert reminded.status_code == (200 if remind else 403 if follow else 404)
    assert client.get(f"{base}/reports/{report.pk}", headers=headers).status_code == (
        200 if see else 404
    )
    own = [r["id"] for r in client.get(f"{base}/reports", headers=headers).json()["items"]]
    assert (report.pk in own) == (who.startswith("ward_"))
    submitted = client.post(
        f"{base}/reports/{report.pk}/submit",
        json.dumps({"values": VALUES}),
        content_type="application/json",
        headers=headers,
    )
    assert submitted.status_code == (200 if fill else 403 if see else 404)
    assert submitted.json().get("code") != "forbidden" or not fill


def test_refusals_are_audited_without_revealing_existence(
    people: dict[str, User], regime: Regime
) -> None:
    client = Client()
    log_in(client, people["commune_admin"])
    missing = client.get("/reporting/reports/999999/")
    hidden = client.get(f"/reporting/reports/{ward_report(regime).pk}/")
    assert missing.status_code == hidden.status_code == 404
    denial = AuditEntry.objects.get(action="permission_denied", object_type="report")
    assert denial.actor_id == people["commune_admin"].pk
    assert denial.data == {"action": "view"}


def test_anonymous_is_sent_to_log_in_and_the_api_says_401(regime: Regime) -> None:
    client = Client()
    assert client.get("/reporting/").status_code == 302
    assert client.get(f"/reporting/regimes/{regime.pk}/").status_code == 302
    response = client.get("/api/v1/reporting/regimes")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_index_lists_only_ones_own(people: dict[str, User], regime: Regime) -> None:
    def listed(who: str) -> tuple[list[Any], list[Any]]:
        client = Client()
        log_in(client, people[who])
        response = client.get("/reporting/")
        if response.status_code == 404:
            return [], []
        return list(response.context["open_reports"]), list(response.context["regimes"])

    assert listed("ward_receiver") == ([ward_report(regime)], [])
    assert listed("dept_receiver") == ([], [regime])
    assert listed("commune_admin") == ([], [])
    assert listed("citizen") == ([], [])
