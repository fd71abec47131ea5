"""A dossier whose legal time was extended because it needed verification is on time against
its new due date, not the first one (it is not an apology slip, whose promised date does not
count). Two birth registrations received on Tuesday 28/4/2026 at 09:00 (due Wednesday 29/4,
1 working day) are both returned on Wednesday 6/5: the one extended to 5 working days (due
Thursday 7/5, after the 30/4 and 1/5 holidays and the weekend) on time, the other late."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
import time_machine

from egov.core.models import Agency
from egov.dossiers import services as dossiers
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.identity.models import User
from egov.insights.models import DossierFact
from egov.insights.services import indicator_values, on_time
from tests.conftest import vn

pytestmark = pytest.mark.django_db


def test_on_time_counts_against_the_extended_due_date(
    make_dossier: Callable[..., Dossier], ward: Agency, staff: dict[str, User]
) -> None:
    with time_machine.travel(vn(2026, 4, 28, 9), tick=False):
        extended, plain = make_dossier(Status.PROCESSING), make_dossier(Status.PROCESSING)
    with time_machine.travel(vn(2026, 4, 29, 8), tick=False):
        dossiers.extend_for_verification(extended.pk, staff["processor"], "Xác minh nơi sinh")
    fact = DossierFact.objects.get(dossier_id=extended.pk)
    assert fact.due_at == vn(2026, 5, 7, 9)  # the indicators' fact follows the new date
    with time_machine.travel(vn(2026, 5, 6, 10), tick=False):
        for dossier in (extended, plain):
            dossiers.propose(dossier.pk, staff["processor"])
            dossiers.approve(dossier.pk, staff["approver"])
            dossiers.return_result(dossier.pk, staff["receiver"])
    facts = {
        f.dossier_id: f for f in DossierFact.objects.filter(dossier_id__in=[extended.pk, plain.pk])
    }
    assert (facts[extended.pk].on_time, facts[extended.pk].due_at) == (True, vn(2026, 5, 7, 9))
    assert (facts[plain.pk].on_time, facts[plain.pk].due_at) == (False, vn(2026, 4, 29, 9))
    returned = extended.events.get(kind="returned")
    assert returned.data == {"on_time": True}
    day = date(2026, 5, 6)
    counted = on_time(ward, day, day)
    assert (counted.on_time, counted.returned) == (1, 2)
    assert indicator_values(ward, day, day)["on_time_rate"] == Decimal("50.00")
