"""The daily task and the command that open the reports of ended periods."""

from collections.abc import Callable
from datetime import date, datetime

import pytest
import time_machine
from django.core.management import call_command

from egov.core.calendar import VIETNAM
from egov.reporting.models import OpeningSchedule, Regime, Report
from egov.reporting.tasks import next_daily_run, open_reporting_periods
from tests.conftest import vn

pytestmark = pytest.mark.django_db


def test_next_run_is_just_after_midnight_in_hanoi() -> None:
    assert next_daily_run(vn(2026, 11, 30, 23, 59)) == datetime(2026, 12, 1, 0, 5, tzinfo=VIETNAM)
    assert next_daily_run(vn(2026, 12, 1, 0, 1)) == datetime(2026, 12, 2, 0, 5, tzinfo=VIETNAM)


def test_the_daily_task_opens_a_period_once_it_has_ended(
    make_regime: Callable[..., Regime],
) -> None:
    with time_machine.travel(vn(2026, 11, 20, 9), tick=False):
        regime = make_regime()
    assert Report.objects.filter(regime=regime).count() == 2  # October
    with time_machine.travel(vn(2026, 12, 1, 0, 5), tick=False):
        assert open_reporting_periods.enqueue().return_value == 2  # November
        # Enqueued again the same day (a second chain): it does nothing.
        assert open_reporting_periods.enqueue().return_value == 0
    assert OpeningSchedule.objects.get().next_run_at == datetime(2026, 12, 2, 0, 5, tzinfo=VIETNAM)
    november = Report.objects.filter(regime=regime, period_start=date(2026, 11, 1))
    assert sorted(november.values_list("due_date", flat=True)) == [date(2026, 12, 7)] * 2


def test_the_command_opens_periods(make_regime: Callable[..., Regime]) -> None:
    with time_machine.travel(vn(2026, 11, 20, 9), tick=False):
        regime = make_regime()
    with time_machine.travel(vn(2027, 1, 2, 9), tick=False):
        call_command("open_reporting_periods")
    assert sorted(
        set(Report.objects.filter(regime=regime).values_list("period_start", flat=True))
    ) == [date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)]
