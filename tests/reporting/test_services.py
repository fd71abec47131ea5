"""Regimes, opening periods, pre-fill, draft / submit / correction, lateness, reminders and the
roll-up, at the service boundary."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from egov.core.models import AuditEntry
from egov.dossiers.models import Dossier
from egov.identity.models import User
from egov.reporting import selectors, services
from egov.reporting.models import Regime, Reminder, Report, ReportRevision
from egov.reporting.services import InvalidInput, NotAllowed, WrongState
from tests.conftest import vn

from .conftest import CITY, COMMUNE, OTHER_WARD, WARD

pytestmark = pytest.mark.django_db

NOVEMBER_2026 = vn(2026, 11, 23, 10)


def report_of(regime: Regime, code: str, start: date = date(2026, 10, 1)) -> Report:
    return Report.objects.get(regime=regime, agency__code=code, period_start=start)


# --- regimes and periods ------------------------------------------------------------------------


@time_machine.travel(NOVEMBER_2026, tick=False)
def test_defining_opens_the_ended_periods_for_the_chosen_agencies(
    make_regime: Callable[..., Regime],
) -> None:
    regime = make_regime()
    reports = Report.objects.filter(regime=regime).order_by("period_start", "agency__code")
    # October has ended, November has not.
    assert [(r.agency.code, r.period_start, r.due_date) for r in reports] == [
        (WARD, date(2026, 10, 1), date(2026, 11, 6)),
        (OTHER_WARD, date(2026, 10, 1), date(2026, 11, 6)),
    ]
    assert services.open_periods() == 0  # idempotent
    assert AuditEntry.objects.filter(action="reporting_regime_defined").count() == 1


def test_periods_open_at_month_quarter_and_year_ends(
    make_regime: Callable[..., Regime],
) -> None:
    with time_machine.travel(vn(2026, 11, 29, 12), tick=False):
        monthly = make_regime()
        quarterly = make_regime(period="quarterly", first_period_start=date(2026, 7, 1))
        yearly = make_regime(period="yearly", first_period_start=date(2026, 1, 1))
    assert set(Report.objects.filter(regime=quarterly).values_list("period_start", flat=True)) == {
        date(2026, 7, 1)
    }
    assert not Report.objects.filter(regime=yearly).exists()
    assert services.open_periods(today=date(2026, 11, 30)) == 2  # November, both wards
    assert services.open_periods(today=date(2026, 12, 31)) == 2 + 2 + 2  # Dec, Q4, 2026
    assert set(Report.objects.filter(regime=monthly).values_list("period_start", flat=True)) == {
        date(2026, 10, 1),
        date(2026, 11, 1),
        date(2026, 12, 1),
    }
    assert report_of(yearly, WARD, date(2026, 1, 1)).period_end == date(2026, 12, 31)
    assert services.open_periods(today=date(2026, 12, 31)) == 0


@time_machine.travel(NOVEMBER_2026, tick=False)
def test_subordinates_are_every_agency_below(
    make_regime: Callable[..., Regime], city: object, make_official: Callable[..., User]
) -> None:
    admin = make_official(city, "agency_admin", username="quantri.thanhpho")
    regime = make_regime(actor=admin, agency=city, scope="subordinates", chosen=[])
    codes = set(Report.objects.filter(regime=regime).values_list("agency__code", flat=True))
    assert {WARD, OTHER_WARD, COMMUNE, "000.31.04.H26", "000.00.01.H26"} <= codes
    assert CITY not in codes


def test_only_the_agencys_admins_define_its_regimes(
    make_regime: Callable[..., Regime], ward_admin: User, staff: dict[str, User]
) -> None:
    with pytest.raises(NotAllowed):
        make_regime(actor=ward_admin)
    with pytest.raises(NotAllowed):
        make_regime(actor=staff["approver"])


def test_fields_are_checked(make_regime: Callable[..., Regime]) -> None:
    with pytest.raises(InvalidInput) as caught:
        make_regime(
            fields=[
                {"code": "1bad", "label": "", "kind": "integer"},
                {"code": "x", "label": "X", "kind": "text", "prefill": "count:received"},
                {
                    "code": "x",
                    "label": "Y",
                    "kind": "decimal",
                    "aggregate": "ratio",
                    "ratio_of": ["x"],
                },
                {"code": "z", "label": "Z", "kind": "integer", "prefill": "nope"},
            ],
            deadline_value=99,
        )
    assert set(caught.value.errors) == {
        "fields.0.code",
        "fields.0.label",
        "fields.1.prefill",
        "fields.2.code",
        "fields.2.ratio_of",
        "fields.3.prefill",
        "deadline_value",
    }


# --- pre-fill, draft, submission, correction ---------------------------------------------------


def test_prefill_counts_the_wards_dossiers_of_the_period(
    make_regime: Callable[..., Regime], make_dossier: Callable[..., Dossier]
) -> None:
    with time_machine.travel(vn(2026, 10, 12, 9), tick=False):
        make_dossier("received")
        make_dossier("returned")  # received and returned the same day, on time
    with time_machine.travel(vn(2026, 11, 3, 9), tick=False):
        make_dossier("received")  # November: not October's
        regime = make_regime()
        report = report_of(regime, WARD)
        assert services.initial_values(report) == {"received": 2, "returned": 1, "on_time": 1}
        assert services.initial_values(report_of(regime, OTHER_WARD)) == {
            "received": 0,
            "returned": 0,
            "on_time": 0,
        }


def test_prefill_from_the_indicators_and_their_default_rollup(
    make_regime: Callable[..., Regime], make_dossier: Callable[..., Dossier], ward_admin: User
) -> None:
    with time_machine.travel(vn(2026, 10, 12, 9), tick=False):
        make_dossier("returned")  # online, received and returned on time the same day
    fields = [
        {"code": "online", "label": "Tỷ lệ hồ sơ trực tuyến (%)", "kind": "decimal",
         "prefill": "indicator:online_dossier_rate"},
        {"code": "on_time", "label": "Tỷ lệ đúng hạn (%)", "kind": "decimal",
         "prefill": "indicator:on_time_rate"},
        {"code": "satisfaction", "label": "Tỷ lệ hài lòng (%)", "kind": "decimal",
         "prefill": "indicator:satisfaction_rate"},
    ]  # fmt: skip
    with time_machine.travel(vn(2026, 11, 3, 9), tick=False):
        regime = make_regime(fields=fields)
        assert [f["aggregate"] for f in regime.fields] == ["mean", "mean", "mean"]
        assert services.initial_values(report_of(regime, WARD)) == {
            "online": "100.00",
            "on_time": "100.00",
        }  # nobody rated: no satisfaction figure to suggest
    with pytest.raises(InvalidInput) as caught:
        make_regime(fields=[{**fields[0], "kind": "integer"}])
    assert set(caught.value.errors) == {"fields.0.prefill"}


@time_machine.travel(vn(2026, 11, 4, 9), tick=False)
def test_draft_submit_then_immutable_except_by_a_revision_with_a_reason(
    make_regime: Callable[..., Regime], ward_admin: User
) -> None:
    report = report_of(make_regime(), WARD)
    report = services.save_draft(
        report.pk, ward_admin, {"received": "12", "notes": "Đang tổng hợp"}
    )
    assert report.status == "draft"
    assert report.values["received"] == 12
    with pytest.raises(InvalidInput) as caught:
        services.submit(report.pk, ward_admin)
    assert set(caught.value.errors) == {"returned", "on_time"}
    report = services.submit(
        report.pk,
        ward_admin,
        {"received": "12", "returned": "10", "on_time": "9", "satisfaction": "95,5"},
    )
    assert (report.status, report.revision, report.is_late) == ("submitted", 1, False)
    assert report.values == {
        "received": 12,
        "returned": 10,
        "on_time": 9,
        "on_time_rate": None,
        "satisfaction": "95.5",
        "notes": None,
    }
    with pytest.raises(WrongState):
        services.save_draft(report.pk, ward_admin, {"received": "13"})
    with pytest.raises(InvalidInput) as caught:
        services.submit(report.pk, ward_admin, {"received": "13", "returned": "10", "on_time": "9"})
    assert "reason" in caught.value.errors
    first = ReportRevision.objects.get(report=report, number=1)
    with pytest.raises(ValueError, match="immutable"):
        first.save()
    report = services.submit(
        report.pk,
        ward_admin,
        {"received": "13", "returned": "10", "on_time": "9"},
        reason="Bỏ sót một hồ sơ",
    )
    assert report.revision == 2 and report.values["received"] == 13
    assert list(report.revisions.values_list("number", "values__received", "reason")) == [
        (1, 12, ""),
        (2, 13, "Bỏ sót một hồ sơ"),
    ]
    assert list(
        AuditEntry.objects.filter(object_type="report", object_id=str(report.pk)).values_list(
            "action", flat=True
        )
    ) == ["report_draft_saved", "report_submitted", "report_corrected"]


def test_values_are_checked(make_regime: Callable[..., Regime], ward_admin: User) -> None:
    with time_machine.travel(NOVEMBER_2026, tick=False):
        report = report_of(make_regime(), WARD)
    with pytest.raises(InvalidInput) as caught:
        services.save_draft(report.pk, ward_admin, {"received": "1,5", "satisfaction": "abc"})
    assert set(caught.value.errors) == {"received", "satisfaction"}


def test_a_submission_after_the_due_day_is_late_and_a_correction_does_not_change_it(
    make_regime: Callable[..., Regime], ward_admin: User, other_ward_admin: User
) -> None:
    values = {"received": "1", "returned": "1", "on_time": "1"}
    with time_machine.travel(vn(2026, 11, 6, 23, 30), tick=False):  # the due day
        regime = make_regime()
        on_time = services.submit(report_of(regime, WARD).pk, ward_admin, values)
    with time_machine.travel(vn(2026, 11, 9, 8), tick=False):  # the next working day
        late = services.submit(report_of(regime, OTHER_WARD).pk, other_ward_admin, values)
        corrected = services.submit(on_time.pk, ward_admin, values, reason="Sửa số liệu")
    assert not on_time.is_late and late.is_late
    assert not corrected.is_late  # judged on the first submission
    assert corrected.revisions.get(number=2).is_late


def test_only_the_obligated_agencys_reporters_fill_in(
    make_regime: Callable[..., Regime],
    other_ward_admin: User,
    dept_admin: User,
    staff: dict[str, User],
) -> None:
    with time_machine.travel(NOVEMBER_2026, tick=False):
        report = report_of(make_regime(), WARD)
    for outsider in (other_ward_admin, dept_admin, staff["receiver"], staff["processor"]):
        with pytest.raises(NotAllowed):
            services.save_draft(report.pk, outsider, {"received": "1"})
    # The ward's approver (the leader who signs reports off) may.
    services.save_draft(report.pk, staff["approver"], {"received": "1"})


# --- who has submitted, reminders, roll-up ----------------------------------------------------------


@pytest.fixture
def october(
    make_regime: Callable[..., Regime],
    ward_admin: User,
    other_ward_admin: User,
    agencies: dict[str, object],
) -> Regime:
    """Ba Đình on time, Hoàn Kiếm late, Sóc Sơn missing."""
    with time_machine.travel(vn(2026, 11, 2, 9), tick=False):
        regime = make_regime(chosen=[agencies[WARD], agencies[OTHER_WARD], agencies[COMMUNE]])
        services.submit(
            report_of(regime, WARD).pk,
            ward_admin,
            {"received": "40", "returned": "30", "on_time": "27", "satisfaction": "90",
             "notes": "Ổn định"},
        )  # fmt: skip
    with time_machine.travel(vn(2026, 11, 10, 9), tick=False):
        services.submit(
            report_of(regime, OTHER_WARD).pk,
            other_ward_admin,
            {"received": "10", "returned": "10", "on_time": "5", "satisfaction": "70,5",
             "on_time_rate": "50"},
        )  # fmt: skip
    return regime


def test_who_has_and_has_not_submitted_and_the_rollup(october: Regime) -> None:
    summary = selectors.rollup(october, date(2026, 10, 1))
    assert [(r.agency.code, r.standing) for r in summary.reports] == [  # type: ignore[attr-defined]
        (WARD, "on_time"),
        (OTHER_WARD, "late"),
        (COMMUNE, "missing"),
    ]
    assert summary.counts == {"on_time": 1, "late": 1, "missing": 1}
    assert summary.totals == {
        "received": Decimal(50),
        "returned": Decimal(40),
        "on_time": Decimal(32),
        # Recomputed from the sums: 32 / 40, not the mean of 90% and 50%.
        "on_time_rate": Decimal("80.00"),
        # The documented average of the agencies' values: (90 + 70.5) / 2.
        "satisfaction": Decimal("80.25"),
        "notes": None,
    }


def test_reminders_go_to_those_who_have_not_submitted(
    october: Regime,
    dept_admin: User,
    ward_admin: User,
    make_official: Callable[..., User],
    agencies: dict,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    commune_admin = make_official(agencies[COMMUNE], "agency_admin", username="quantri.socson")
    commune_admin.email = "quantri.socson@example.gov.vn"
    commune_admin.save(update_fields=["email"])
    mail.outbox.clear()
    for outsider in (commune_admin, ward_admin):
        with pytest.raises(NotAllowed):
            services.send_reminders(october.pk, outsider, date(2026, 10, 1))
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        reminders = services.send_reminders(
            october.pk, dept_admin, date(2026, 10, 1), message="Đề nghị gửi trước ngày 20/11."
        )
    assert [r.report.agency.code for r in reminders] == [COMMUNE]
    reminder = Reminder.objects.get()
    assert reminder.delivered_at is not None and reminder.emails_sent == 1
    assert [m.to for m in mail.outbox] == [["quantri.socson@example.gov.vn"]]
    assert "Báo cáo tình hình giải quyết TTHC" in mail.outbox[0].subject
