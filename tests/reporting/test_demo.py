"""The demo load defines one monthly regime whose reports of last month are open."""

from datetime import date

import pytest
import time_machine
from django.core.management import call_command

from egov.reporting.models import Regime, Report
from tests.conftest import vn

pytestmark = pytest.mark.django_db


@time_machine.travel(vn(2026, 11, 23, 10), tick=False)
def test_demo_regime_is_loaded_once_with_last_months_reports() -> None:
    call_command("load_demo")
    call_command("load_demo")
    regime = Regime.objects.get()
    assert regime.agency.code == "000.00.01.H26"
    reports = Report.objects.filter(regime=regime)
    assert sorted(reports.values_list("agency__code", flat=True)) == [
        "000.00.31.H26",
        "000.00.32.H26",
        "000.00.33.H26",
    ]
    assert {r.period_start for r in reports} == {date(2026, 10, 1)}
