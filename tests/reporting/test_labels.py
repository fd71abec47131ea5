"""A report's deadline is a deadline to submit ("Hạn nộp báo cáo"), not a dossier's promised
result date ("Hẹn trả"), on every reporting page that shows it."""

from collections.abc import Callable

import pytest
import time_machine
from django.test import Client

from egov.identity.models import User
from egov.reporting.models import Regime, Report
from tests.conftest import log_in, vn

from .conftest import WARD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["index", "report", "dashboard"])
def test_report_deadlines_are_labelled_as_deadlines(
    make_regime: Callable[..., Regime], ward_admin: User, staff: dict[str, User], page: str
) -> None:
    with time_machine.travel(vn(2026, 11, 3, 9), tick=False):
        regime = make_regime()
        report = Report.objects.get(regime=regime, agency__code=WARD)
        client = Client()
        log_in(client, ward_admin if page != "dashboard" else staff["approver"])
        url = {
            "index": "/reporting/",
            "report": f"/reporting/reports/{report.pk}/",
            "dashboard": "/reporting/dashboard/",
        }[page]
        html = client.get(url).content.decode()
    assert "Hạn nộp báo cáo" in html
    # "Hẹn trả" names a dossier's result date; on the dashboard it heads the dossier tables only.
    assert html.count("Hẹn trả") == (2 if page == "dashboard" else 0)
