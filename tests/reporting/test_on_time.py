"""The on-time rate has one owner, insights: the leader's dashboard reads it, and gives the
indicator's figure on the same data, across Tết (one working day from the Friday before Tết
2026 ends on the Monday after it, ten days later)."""

from collections.abc import Callable
from datetime import date

import pytest
import time_machine
from django.test import Client

from egov.core.models import Agency
from egov.dossiers import services as dossier_services
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.identity.models import User
from egov.insights import services as insights
from egov.reporting import selectors
from tests.conftest import log_in, vn

pytestmark = pytest.mark.django_db


def test_the_dashboard_and_the_indicator_agree_across_tet(
    make_dossier: Callable[..., Dossier], staff: dict[str, User], ward: Agency
) -> None:
    with time_machine.travel(vn(2026, 2, 13, 10), tick=False):  # Friday before Tết
        early = make_dossier(Status.RESULT_READY)
        late = make_dossier(Status.RESULT_READY)
    assert early.due_at == late.due_at == vn(2026, 2, 23, 10)  # one working day
    with time_machine.travel(vn(2026, 2, 23, 9), tick=False):  # ten days on, yet on time
        dossier_services.return_result(early.pk, staff["receiver"])
    with time_machine.travel(vn(2026, 2, 24, 10), tick=False):
        dossier_services.return_result(late.pk, staff["receiver"])
        client = Client()
        log_in(client, staff["approver"])
        page = client.get("/reporting/dashboard/")
    february = (date(2026, 2, 1), date(2026, 2, 28))
    owner = insights.on_time(ward, *february)
    assert (owner.on_time, owner.returned, owner.rate) == (1, 2, 50)
    assert insights.indicator_values(ward, *february)["on_time_rate"] == owner.rate
    assert selectors.on_time_this_month(ward, date(2026, 2, 24)) == owner
    assert page.context["on_time"] == owner
    rate = page.content.decode().split('id="on-time-rate"')[1].split("</p>")[0]
    assert "<strong>50,00%</strong>" in rate and "(1 trên 2 " in rate
