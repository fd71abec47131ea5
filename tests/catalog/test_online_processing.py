"""Shortened processing for dossiers filed online, as a province's policy in the catalogue:
validated on load, applied to the due date of online dossiers only, shown to the citizen."""

from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client
from pydantic import ValidationError

from egov.catalog.definitions import ProcedureDefinition
from egov.catalog.models import Procedure
from egov.core.models import Agency
from egov.dossiers import services
from egov.dossiers.constants import Channel, Status
from egov.dossiers.models import Dossier
from egov.dossiers.selectors import next_steps
from egov.dossiers.services import legal_deadline
from egov.identity.models import User
from tests.conftest import BIRTH_CHECKLIST, BIRTH_FORM, birth_files, vn

pytestmark = pytest.mark.django_db

POLICY = {
    "days": 0,
    "legal_basis": {"number": "01/2026/QĐ-UBND", "title": "Quyết định", "title_en": "Decision"},
}


@pytest.fixture
def shortened(birth: Procedure) -> Procedure:
    """Birth registration (1 working day) within the day when filed online."""
    birth.definition = {**birth.definition, "online_processing": POLICY}
    birth.save(update_fields=["definition"])
    return birth


def test_the_catalogue_refuses_a_policy_that_does_not_shorten(birth: Procedure) -> None:
    for days in (1, 5):  # processing_days is 1
        with pytest.raises(ValidationError, match="fewer than processing_days"):
            ProcedureDefinition.model_validate(
                {**birth.definition, "online_processing": {**POLICY, "days": days}}
            )
    with pytest.raises(ValidationError, match="not filed online"):
        ProcedureDefinition.model_validate(
            {**birth.definition, "online_level": "none", "online_processing": POLICY}
        )
    assert ProcedureDefinition.model_validate(
        {**birth.definition, "online_processing": POLICY}
    ).online_processing


def test_an_online_dossier_is_due_sooner_and_a_counter_one_is_not(
    shortened: Procedure,
    ward: Agency,
    citizen: User,
    staff: dict[str, User],
    make_dossier: Callable[..., Dossier],
) -> None:
    with time_machine.travel(vn(2026, 3, 10, 9), tick=False):
        online = make_dossier(Status.SUBMITTED)
        services.receive(online.pk, staff["receiver"], BIRTH_CHECKLIST)
        counter = services.submit_at_counter(
            staff["receiver"], citizen, shortened, ward, BIRTH_FORM, birth_files()
        )
    online.refresh_from_db()
    counter.refresh_from_db()
    assert counter.channel == Channel.COUNTER
    assert online.due_at == legal_deadline(vn(2026, 3, 10, 9), 0) == vn(2026, 3, 10, 17)
    assert counter.due_at == legal_deadline(vn(2026, 3, 10, 9), 1) == vn(2026, 3, 11, 9)


def test_the_citizen_sees_the_shortened_time_before_and_after_submitting(
    client: Client,
    catalog: dict[str, Any],
    shortened: Procedure,
    make_dossier: Callable[..., Dossier],
) -> None:
    page = client.get("/procedures/2.000488/").content.decode()
    assert "7 ngày làm việc khi nộp trực tuyến" in page
    listed = client.get("/api/v1/procedures/2.000488").json()
    assert listed["processing_days"] == 10 and listed["online_processing_days"] == 7
    assert client.get("/api/v1/procedures/1.001193").json()["online_processing_days"] == 0
    steps = next_steps(make_dossier(Status.SUBMITTED))
    assert steps is not None and steps.processing_days == 0
