"""Receipt codes `{unit}-{yyyymmdd}-{7-digit sequence}`: unique and sequential per receiving unit."""

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import IntegrityError, transaction

from egov.catalog.models import Procedure
from egov.core.models import Agency
from egov.dossiers import services
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.identity.models import User
from tests.conftest import BIRTH_FORM, birth_files, vn

CODE = re.compile(r"^[0-9A-Z.]+-\d{8}-\d{7}$")


def submit(citizen: User, birth: Procedure, agency: Agency) -> Dossier:
    dossier, _ = services.submit_online(citizen, birth, agency, BIRTH_FORM, birth_files())
    return dossier


@pytest.mark.parametrize(
    ("code", "unit"),
    [
        ("000.00.20.G09", "G09.20"),  # the national example G09.20-20260609-0092637
        ("000.00.00.G01", "G01"),
        ("000.00.31.H26", "H26.31"),
        ("000.31.04.H26", "H26.04.31"),
        ("H26", "H26"),
    ],
)
def test_unit_codes(code: str, unit: str) -> None:
    assert Agency(code=code).unit_code == unit


def test_codes_run_per_agency(
    birth: Procedure, ward: Agency, other_ward: Agency, citizen: User, other_citizen: User
) -> None:
    with time_machine.travel(vn(2026, 2, 13, 10), tick=False):
        codes = [
            submit(citizen, birth, ward).code,
            submit(other_citizen, birth, ward).code,
            submit(citizen, birth, other_ward).code,
            submit(citizen, birth, ward).code,
        ]
    assert codes == [
        "H26.31-20260213-0000001",
        "H26.31-20260213-0000002",
        "H26.32-20260213-0000001",
        "H26.31-20260213-0000003",
    ]
    assert all(CODE.match(code or "") for code in codes)


def test_the_date_is_the_submission_day_in_vietnam(
    birth: Procedure, ward: Agency, citizen: User
) -> None:
    # 23:30 UTC on 12/2 is 06:30 on 13/2 in Hà Nội.
    with time_machine.travel(datetime(2026, 2, 12, 23, 30, tzinfo=UTC), tick=False):
        assert submit(citizen, birth, ward).code == "H26.31-20260213-0000001"


def test_the_sequence_does_not_restart_each_day(
    birth: Procedure, ward: Agency, citizen: User
) -> None:
    with time_machine.travel(vn(2026, 2, 13, 10), tick=False):
        first = submit(citizen, birth, ward)
    with time_machine.travel(vn(2026, 2, 23, 10), tick=False):
        second = submit(citizen, birth, ward)
    assert (first.code, second.code) == ("H26.31-20260213-0000001", "H26.31-20260223-0000002")


def test_drafts_have_no_code_and_do_not_collide(
    make_dossier: Callable[..., Dossier],
) -> None:
    drafts = [make_dossier(Status.DRAFT) for _ in range(3)]
    assert [d.code for d in drafts] == [None, None, None]


def test_counter_and_online_dossiers_share_the_sequence(
    birth: Procedure, ward: Agency, citizen: User, staff: dict[str, User]
) -> None:
    with time_machine.travel(vn(2026, 3, 2, 8), tick=False):
        online = submit(citizen, birth, ward)
        counter = services.submit_at_counter(
            staff["receiver"], citizen, birth, ward, BIRTH_FORM, birth_files()
        )
    assert (online.code, counter.code) == ("H26.31-20260302-0000001", "H26.31-20260302-0000002")


def test_the_database_refuses_a_duplicate_code_in_one_agency(
    birth: Procedure, ward: Agency, other_ward: Agency, citizen: User
) -> None:
    first = submit(citizen, birth, ward)
    second = submit(citizen, birth, other_ward)
    Dossier.objects.filter(pk=second.pk).update(code=first.code)  # allowed: another agency
    third = submit(citizen, birth, ward)
    with pytest.raises(IntegrityError), transaction.atomic():
        Dossier.objects.filter(pk=third.pk).update(code=first.code)
