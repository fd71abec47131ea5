"""Each member's dossier has its own legal deadline, in Vietnamese working days from when its
agency receives it, which is after the results it waits for, not from the application's
submission; the application has the group's own deadline. Around New Year 2027: 1 January
(a Friday) is a public holiday, then a weekend."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from egov.catalog.models import Procedure
from egov.core.calendar import VIETNAM, is_working_day
from egov.dossiers import services as dossier_services
from egov.dossiers.models import Dossier
from egov.dossiers.services import legal_deadline
from egov.identity.models import User
from egov.interconnected.constants import PartState
from egov.interconnected.models import Application, Part

from .conftest import BIRTH, HEALTH_CARD, RESIDENCE, WARD, parts

pytestmark = pytest.mark.usefixtures("in_process_registry")


def vn(*args: int) -> datetime:
    return datetime(*args, tzinfo=VIETNAM)


def test_each_member_is_due_in_working_days_from_its_own_start(
    apply: Callable[..., Application],
    process: Callable[..., Dossier],
    mother: User,
    client: Client,
) -> None:
    assert not is_working_day(vn(2027, 1, 1).date())  # New Year's Day, a Friday
    # Wednesday 30 December, 09:00: the mother files the birth group.
    with time_machine.travel(vn(2026, 12, 30, 9), tick=False):
        application = apply()
    # The group's promise, 3 working days: Thursday 31, (1 Jan, the weekend), Monday 4, Tuesday 5.
    assert application.due_at == vn(2027, 1, 5, 9)
    assert parts(application)[BIRTH].due_at is None  # submitted: no clock before intake
    # The ward receives the birth registration at 10:00 (1 working day) ...
    with time_machine.travel(vn(2026, 12, 30, 10), tick=False):
        process(parts(application)[BIRTH].dossier_id, until="received")
    assert parts(application)[BIRTH].due_at == vn(2026, 12, 31, 10)
    # ... and approves it the next day at 15:00: the two others are filed then, not before.
    with time_machine.travel(vn(2026, 12, 31, 15), tick=False):
        process(parts(application)[BIRTH].dossier_id)
    residence, card = parts(application)[RESIDENCE], parts(application)[HEALTH_CARD]
    assert residence.state == card.state == PartState.FILED
    for part in (residence, card):
        assert Dossier.objects.get(pk=part.dossier_id).submitted_at == vn(2026, 12, 31, 15)
        assert part.due_at is None  # filed; its clock starts when its agency receives it
    # Social insurance receives the card's dossier at 16:00 the same day: 5 working days,
    # across the holiday and the weekend (Mon 4, Tue 5, Wed 6, Thu 7, Fri 8).
    with time_machine.travel(vn(2026, 12, 31, 16), tick=False):
        process(card.dossier_id, until="received")
    # The police receive the residence dossier on Monday at 09:30, the first working day after:
    # 7 working days (5, 6, 7, 8, 11, 12, 13 January).
    with time_machine.travel(vn(2027, 1, 4, 9, 30), tick=False):
        process(residence.dossier_id, until="received")
    expected = {
        BIRTH: vn(2026, 12, 31, 10),
        HEALTH_CARD: vn(2027, 1, 8, 16),
        RESIDENCE: vn(2027, 1, 13, 9, 30),
    }
    for code, part in parts(application).items():
        dossier = Dossier.objects.get(pk=part.dossier_id)
        days = Procedure.objects.get(pk=dossier.procedure_id).processing_days_for("online")
        assert dossier.due_at == part.due_at == expected[code], code
        assert legal_deadline(dossier.received_at, days) == expected[code], code
    # Counted from the application's submission, the card would have been due on 7 January.
    assert legal_deadline(application.submitted_at, 5) == vn(2027, 1, 7, 9)
    assert application.due_at == vn(2027, 1, 5, 9)  # the group's own, unchanged
    # The applicant sees each agency's own deadline on the application's page.
    with time_machine.travel(vn(2027, 1, 4, 10), tick=False):
        client.force_login(mother)
        page = client.get(f"/lien-thong/ho-so/{application.pk}/").content.decode()
    for moment in ("10:00 31/12/2026", "16:00 08/01/2027", "09:30 13/01/2027", "09:00 05/01/2027"):
        assert moment in page, moment


def test_an_apology_moves_the_members_deadline_only(
    apply: Callable[..., Application],
    process: Callable[..., Dossier],
    officials: Callable[[str], dict[str, User]],
    commit: Any,
) -> None:
    """A late member's agency sets a new date (the apology slip): its part shows that date; the
    application keeps the group's deadline."""
    with time_machine.travel(vn(2026, 12, 30, 9), tick=False):
        application = apply()
        birth = parts(application)[BIRTH]
        process(birth.dossier_id, until="received")
    with time_machine.travel(vn(2027, 1, 4, 9), tick=False), commit():
        dossier_services.apologise(
            birth.dossier_id, officials(WARD)["receiver"], "Hồ sơ trễ hạn", vn(2027, 1, 6).date()
        )
    birth = Part.objects.get(pk=birth.pk)
    assert birth.due_at == vn(2027, 1, 6, 17)
    assert Application.objects.get(pk=application.pk).due_at == vn(2027, 1, 5, 9)


def test_verification_of_the_birth_moves_the_member_and_the_group_deadline(
    apply: Callable[..., Application],
    process: Callable[..., Dossier],
    officials: Callable[[str], dict[str, User]],
    mother: User,
    client: Client,
    commit: Any,
) -> None:
    """The birth registration needs verification: its dossier has at most 5 working days
    instead of 1, its part shows the new date, and the application the group's longer promise
    (at most 5 working days instead of 3), both counted across New Year and a weekend."""
    with time_machine.travel(vn(2026, 12, 30, 9), tick=False):
        application = apply()
    assert application.due_at == vn(2027, 1, 5, 9)
    birth = parts(application)[BIRTH]
    staff = officials(WARD)
    with time_machine.travel(vn(2026, 12, 30, 10), tick=False):
        process(birth.dossier_id, until="received")
        dossier_services.assign(birth.dossier_id, staff["receiver"], staff["processor"])
    with time_machine.travel(vn(2026, 12, 30, 11), tick=False), commit():
        dossier_services.extend_for_verification(
            birth.dossier_id, staff["processor"], "Xác minh thông tin người mẹ"
        )
    # The dossier: Thu 31, (Fri 1 January, the weekend), Mon 4, Tue 5, Wed 6, Thu 7, at 10:00.
    dossier = Dossier.objects.get(pk=birth.dossier_id)
    assert dossier.due_at == vn(2027, 1, 7, 10)
    assert Part.objects.get(pk=birth.pk).due_at == vn(2027, 1, 7, 10)
    # The application: 5 working days from its submission instead of 3.
    application.refresh_from_db()
    assert application.due_at == vn(2027, 1, 7, 9)
    assert (
        list(application.events.filter(part=BIRTH).values_list("kind", flat=True)).count(
            "deadline_extended"
        )
        == 1
    )
    with time_machine.travel(vn(2026, 12, 31, 9), tick=False):
        client.force_login(mother)
        page = client.get(f"/lien-thong/ho-so/{application.pk}/").content.decode()
    assert "10:00 07/01/2027" in page and "09:00 07/01/2027" in page
    # The birth result comes within the new time; the others follow, each with its own clock.
    with time_machine.travel(vn(2027, 1, 6, 15), tick=False):
        process(birth.dossier_id)
    assert parts(application)[RESIDENCE].state == PartState.FILED
    assert Application.objects.get(pk=application.pk).due_at == vn(2027, 1, 7, 9)
