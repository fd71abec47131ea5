"""The reporting pages: define a regime, fill in and submit, who has submitted, exports (parsed
back), reminders, and the leader's dashboard."""

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from egov.core.models import Agency
from egov.dossiers.models import Dossier
from egov.identity.models import User
from egov.reporting import services, views
from egov.reporting.models import Regime, Report
from tests.conftest import log_in, vn

from .conftest import COMMUNE, OTHER_WARD, WARD

pytestmark = pytest.mark.django_db
LATE_NOVEMBER = vn(2026, 11, 23, 10)


def client_for(user: User) -> Client:
    client = Client()
    log_in(client, user)
    return client


def field_rows(*rows: dict[str, str]) -> dict[str, str]:
    data = {"field_rows": str(len(rows))}
    for n, row in enumerate(rows):
        data.update({f"field-{n}-{key}": value for key, value in row.items()})
    return data


@time_machine.travel(LATE_NOVEMBER, tick=False)
def test_a_department_admin_defines_a_monthly_report(dept_admin: User) -> None:
    client = client_for(dept_admin)
    page = client.get("/reporting/regimes/new/")
    assert page.status_code == 200
    response = client.post(
        "/reporting/regimes/new/",
        {
            "agency": "000.00.01.H26",
            "title": "Báo cáo hộ tịch hằng tháng",
            "period": "monthly",
            "first_period_start": "2026-10-01",
            "deadline_kind": "day_of_month",
            "deadline_value": "10",
            "scope": "chosen",
            "chosen": [WARD, OTHER_WARD],
            **field_rows(
                {
                    "code": "births",
                    "label": "Số ca đăng ký khai sinh",
                    "kind": "integer",
                    "required": "on",
                    "prefill": "count:received",
                },
                {"code": "notes", "label": "Ghi chú", "kind": "text"},
            ),
        },
    )
    regime = Regime.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/reporting/regimes/{regime.pk}/"
    )
    assert [f["code"] for f in regime.fields] == ["births", "notes"]
    assert regime.fields[0]["aggregate"] == "sum" and regime.fields[1]["aggregate"] == "none"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["summary"].counts == {"on_time": 0, "late": 0, "missing": 2}
    assert str(Report.objects.filter(regime=regime).first().due_date) == "2026-11-10"


@time_machine.travel(LATE_NOVEMBER, tick=False)
def test_a_bad_definition_is_shown_with_its_errors(dept_admin: User) -> None:
    response = client_for(dept_admin).post(
        "/reporting/regimes/new/",
        {"title": "", "period": "monthly", "deadline_kind": "working_days",
         "deadline_value": "5", "scope": "chosen", **field_rows({"code": "1x", "label": "X"})},
    )  # fmt: skip
    assert response.status_code == 422
    assert set(response.context["errors"]) == {"title", "chosen", "fields.0.code"}
    assert not Regime.objects.exists()


def test_the_ward_fills_saves_submits_and_corrects(
    make_regime: Callable[..., Regime],
    ward_admin: User,
    make_dossier: Callable[..., Dossier],
) -> None:
    with time_machine.travel(vn(2026, 10, 20, 9), tick=False):
        make_dossier("received")
    with time_machine.travel(vn(2026, 11, 3, 9), tick=False):
        regime = make_regime()
        report = Report.objects.get(regime=regime, agency__code=WARD)
        client = client_for(ward_admin)
        page = client.get(f"/reporting/reports/{report.pk}/")
        assert page.status_code == 200
        # Pre-filled from the platform's count, editable.
        assert 'name="received" inputmode="numeric" value="1"' in page.content.decode()
        saved = client.post(f"/reporting/reports/{report.pk}/", {"action": "save", "received": "2"})
        assert saved.status_code == 302
        refused = client.post(
            f"/reporting/reports/{report.pk}/", {"action": "submit", "received": "2"}
        )
        assert refused.status_code == 422
        assert set(refused.context["errors"]) == {"returned", "on_time"}
        values = {"received": "2", "returned": "0", "on_time": "0", "satisfaction": "88,5"}
        done = client.post(f"/reporting/reports/{report.pk}/", {"action": "submit", **values})
        assert done.status_code == 302
        report.refresh_from_db()
        assert (report.status, report.values["received"], report.values["satisfaction"]) == (
            "submitted",
            2,
            "88.5",
        )
        no_reason = client.post(f"/reporting/reports/{report.pk}/", {"action": "submit", **values})
        assert no_reason.status_code == 422 and "reason" in no_reason.context["errors"]
        corrected = client.post(
            f"/reporting/reports/{report.pk}/",
            {"action": "submit", **values, "received": "3", "reason": "Bổ sung"},
        )
        assert corrected.status_code == 302
        report.refresh_from_db()
        assert report.revision == 2 and report.values["received"] == 3


@pytest.fixture
def october(
    make_regime: Callable[..., Regime],
    ward_admin: User,
    agencies: dict[str, Agency],
) -> Regime:
    with time_machine.travel(vn(2026, 11, 2, 9), tick=False):
        regime = make_regime(chosen=[agencies[WARD], agencies[OTHER_WARD], agencies[COMMUNE]])
        report = Report.objects.get(regime=regime, agency__code=WARD)
        services.submit(
            report.pk,
            ward_admin,
            {"received": "1234", "returned": "30", "on_time": "27", "satisfaction": "90",
             "notes": "Thời gian: 5, đúng \"hạn\""},
        )  # fmt: skip
    return regime


def test_the_department_sees_who_has_submitted_and_downloads_the_rollup(
    october: Regime, dept_admin: User
) -> None:
    client = client_for(dept_admin)
    page = client.get(f"/reporting/regimes/{october.pk}/")
    assert page.context["summary"].counts == {"on_time": 1, "late": 0, "missing": 2}
    text = page.content.decode()
    assert "1234" in text
    response = client.get(f"/reporting/regimes/{october.pk}/export.csv?period=2026-10-01")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Mã cơ quan", "Cơ quan", "Tình trạng", "Thời điểm gửi", "Lần gửi"]
    assert rows[0][5] == "Hồ sơ tiếp nhận (received)"
    assert rows[1][0] == WARD and rows[1][5] == "1234"
    assert rows[1][-1] == 'Thời gian: 5, đúng "hạn"'
    assert [r[0] for r in rows[2:4]] == [OTHER_WARD, COMMUNE]
    assert rows[2][5] == ""  # missing: nothing reported
    assert rows[-1][5:9] == ["1234", "30", "27", "90.00"]
    response = client.get(f"/reporting/regimes/{october.pk}/export.xlsx?period=2026-10-01")
    assert response["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == october.title
    assert values[2][0] == WARD and values[2][5] == 1234
    assert values[-1][5:9] == [1234, 30, 27, 90]


def test_reminders_from_the_page(
    october: Regime,
    dept_admin: User,
    make_official: Callable[..., Any],
    agencies: dict[str, Agency],
    django_capture_on_commit_callbacks: Any,
) -> None:
    commune_admin = make_official(agencies[COMMUNE], "agency_admin", username="quantri.socson")
    commune_admin.email = "socson@example.gov.vn"
    commune_admin.save(update_fields=["email"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(dept_admin).post(
            f"/reporting/regimes/{october.pk}/remind/",
            {"period": "2026-10-01", "agency": [COMMUNE], "message": "Khẩn"},
        )
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["socson@example.gov.vn"]]
    report = Report.objects.get(regime=october, agency__code=COMMUNE)
    page = client_for(commune_admin).get(f"/reporting/reports/{report.pk}/")
    assert "Khẩn" in page.content.decode()


def test_the_leaders_dashboard(
    make_dossier: Callable[..., Dossier], staff: dict[str, User], october: Regime
) -> None:
    overdue = make_dossier("processing")
    soon = make_dossier("received")
    Dossier.objects.filter(pk=overdue.pk).update(due_at=timezone.now() - timedelta(days=1))
    returned = make_dossier("returned")
    page = client_for(staff["approver"]).get("/reporting/dashboard/?days=30")
    assert page.status_code == 200
    assert list(page.context["overdue"]) == [overdue]
    assert soon in list(page.context["due_soon"])
    counts = {status: n for status, _label, n in page.context["counts"]}
    assert counts["processing"] == 1 and counts["received"] == 1 and counts["returned"] == 1
    assert page.context["on_time"].returned == 1 and page.context["on_time"].rate == 100
    text = page.content.decode()
    assert f'href="/dossiers/{overdue.pk}/"' in text
    assert returned.code not in text  # finished: neither overdue nor due soon
    assert [r.regime for r in page.context["obligations"]] == []  # the ward submitted October


def test_the_index_pages_each_of_its_lists(
    make_regime: Callable[..., Regime], ward_admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No list of the index is cut: each is paged on its own, and a list's links keep the other
    list's page."""
    monkeypatch.setattr(views, "PER_PAGE", 2)
    with time_machine.travel(vn(2026, 11, 2, 9), tick=False):
        regimes = [make_regime(title=f"Báo cáo số {n}") for n in range(6)]
        for regime in regimes[:3]:
            report = Report.objects.get(regime=regime, agency__code=WARD)
            services.submit(report.pk, ward_admin, {"received": "4", "returned": "3",
                                                    "on_time": "2", "satisfaction": "90"})  # fmt: skip
    client = client_for(ward_admin)
    first = client.get("/reporting/")
    assert len(first.context["open_reports"]) == len(first.context["submitted_reports"]) == 2
    text = first.content.decode()
    assert 'href="?open=2"' in text and 'href="?submitted=2"' in text
    assert 'aria-label="Phân trang: Báo cáo đã gửi"' in text
    second = client.get("/reporting/?open=2&submitted=2")
    assert 'href="?open=1&amp;submitted=2"' in second.content.decode()
    seen_open = [*first.context["open_reports"], *second.context["open_reports"]]
    seen_submitted = [*first.context["submitted_reports"], *second.context["submitted_reports"]]
    assert sorted(r.regime_id for r in seen_open) == sorted(r.pk for r in regimes[3:])
    assert sorted(r.regime_id for r in seen_submitted) == sorted(r.pk for r in regimes[:3])


def test_the_dashboard_pages_its_dossier_lists(
    make_dossier: Callable[..., Dossier], staff: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "PER_PAGE", 1)
    late = [make_dossier("processing") for _ in range(2)]
    Dossier.objects.filter(pk__in=[d.pk for d in late]).update(
        due_at=timezone.now() - timedelta(days=1)
    )
    client = client_for(staff["approver"])
    first = client.get("/reporting/dashboard/?days=30")
    assert first.context["overdue"].paginator.count == 2
    assert 'href="?days=30&amp;overdue=2"' in first.content.decode()
    second = client.get("/reporting/dashboard/?days=30&overdue=2")
    assert {*first.context["overdue"], *second.context["overdue"]} == set(late)
    assert 'href="?days=30&amp;overdue=1"' in second.content.decode()
