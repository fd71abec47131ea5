"""Deadlines in working days: set at intake, stopped while a supplement is awaited, derived overdue,
and the back-office queue filters built on them. Time is frozen; every date was counted by hand."""

from collections.abc import Callable
from datetime import datetime

import pytest
import time_machine
from django.test import Client

from egov.catalog.models import Procedure
from egov.core.models import Agency
from egov.dossiers import selectors, services
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.dossiers.services import legal_deadline
from egov.identity.models import User
from tests.conftest import (
    BUSINESS_CHECKLIST,
    BUSINESS_FORM,
    bearer,
    birth_files,
    business_files,
    log_in,
    pdf_upload,
    vn,
)

MakeDossier = Callable[..., Dossier]


@pytest.fixture
def business_dossier(
    business: Procedure, ward: Agency, citizen: User, staff: dict[str, User]
) -> Callable[..., Dossier]:
    """A household-business registration (3 working days), received now unless told otherwise."""

    def make(status: str = Status.RECEIVED) -> Dossier:
        dossier, _ = services.submit_online(
            citizen, business, ward, BUSINESS_FORM, business_files()
        )
        if status != Status.SUBMITTED:
            dossier = services.receive(dossier.pk, staff["receiver"], BUSINESS_CHECKLIST)
        if status == Status.PROCESSING:
            dossier = services.assign(dossier.pk, staff["receiver"], staff["processor"])
        dossier.refresh_from_db()
        assert dossier.status == status
        return dossier

    return make


def at(moment: datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


def test_received_before_tet_is_due_after_it(
    business_dossier: Callable[..., Dossier], make_dossier: MakeDossier
) -> None:
    with at(vn(2026, 2, 13, 10)):  # Friday before Tết 2026
        business = business_dossier()
        birth = make_dossier(Status.RECEIVED)
    assert business.received_at == vn(2026, 2, 13, 10)
    # Sat, Sun, Tết Mon–Fri (16–20/2), Sat, Sun, then Mon 23, Tue 24, Wed 25.
    assert business.due_at == vn(2026, 2, 25, 10)
    assert birth.due_at == vn(2026, 2, 23, 10)  # one working day
    assert business.code is not None and "-20260213-" in business.code


def test_received_on_a_non_working_day_counts_from_the_next_working_morning(
    business_dossier: Callable[..., Dossier],
) -> None:
    with at(vn(2026, 2, 14, 9)):  # Saturday, first day of the Tết weekend
        dossier = business_dossier()
    assert dossier.due_at == vn(2026, 2, 26, 8)  # Mon 23/2 08:00 + 3 working days


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (vn(2026, 3, 10, 9), vn(2026, 3, 10, 17)),  # within the day
        (vn(2026, 3, 10, 17), vn(2026, 3, 10, 17)),
        (vn(2026, 3, 10, 17, 1), vn(2026, 3, 11, 17)),  # after office hours: next working day
        (vn(2026, 2, 13, 18), vn(2026, 2, 23, 17)),  # Friday evening before Tết
        (vn(2026, 3, 14, 10), vn(2026, 3, 16, 17)),  # Saturday
    ],
)
def test_a_procedure_within_the_day_is_due_at_the_end_of_office_hours(
    received: datetime, due: datetime
) -> None:
    assert legal_deadline(received, 0) == due


def test_the_clock_stops_during_a_supplement_and_restarts_with_the_days_left(
    business_dossier: Callable[..., Dossier], staff: dict[str, User], citizen: User
) -> None:
    with at(vn(2026, 2, 13, 10)):
        dossier = business_dossier()  # due Wed 25/2 10:00
    with at(vn(2026, 2, 23, 10)):  # two working days left
        services.request_supplement(dossier.pk, staff["receiver"], "Bổ sung bản sao căn cước")
    dossier.refresh_from_db()
    assert dossier.clock_stopped_at == vn(2026, 2, 23, 10)
    with at(vn(2026, 2, 26, 12)):  # past the old due date, but the clock is stopped
        dossier.refresh_from_db()
        assert dossier.is_overdue is False
        assert dossier not in selectors.agency_queue(
            dossier.agency_id, staff["receiver"], "overdue"
        )
    with at(vn(2026, 2, 27, 15)):  # Friday afternoon
        services.provide_supplement(
            dossier.pk, citizen, None, {"GIAY_TO_PHAP_LY": pdf_upload("Căn cước rõ")}
        )
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED
    assert dossier.due_at == vn(2026, 3, 3, 15)  # Mon 2/3, Tue 3/3
    event = dossier.events.get(kind="supplemented")
    assert event.data["due_at"] == "2026-03-03T15:00:00+07:00"
    with at(vn(2026, 3, 3, 14, 59)):
        dossier.refresh_from_db()
        assert dossier.is_overdue is False


def test_a_part_of_a_working_day_left_counts_as_a_whole_day(
    business_dossier: Callable[..., Dossier], staff: dict[str, User], citizen: User
) -> None:
    with at(vn(2026, 3, 2, 10)):  # Monday
        dossier = business_dossier()  # due Thu 5/3 10:00
    with at(vn(2026, 3, 3, 14)):  # Tuesday 14:00: one whole working day and 20 hours left
        services.request_supplement(dossier.pk, staff["processor"], "Sai ngành nghề")
    with at(vn(2026, 3, 9, 9)):
        services.provide_supplement(dossier.pk, citizen, None, {})
    dossier.refresh_from_db()
    assert dossier.due_at == vn(2026, 3, 11, 9)  # two working days from Monday 9/3 09:00


def test_a_supplement_to_an_overdue_dossier_is_due_the_same_day(
    business_dossier: Callable[..., Dossier], staff: dict[str, User], citizen: User
) -> None:
    with at(vn(2026, 3, 2, 10)):
        dossier = business_dossier()  # due Thu 5/3 10:00
    with at(vn(2026, 3, 6, 10)):  # already overdue: no working day left
        services.request_supplement(dossier.pk, staff["processor"], "Bổ sung")
    with at(vn(2026, 3, 9, 9)):
        services.provide_supplement(dossier.pk, citizen, None, {})
    dossier.refresh_from_db()
    assert dossier.due_at == vn(2026, 3, 9, 17)


def test_a_supplement_before_intake_sets_no_deadline(
    business_dossier: Callable[..., Dossier], staff: dict[str, User], citizen: User
) -> None:
    dossier = business_dossier(Status.SUBMITTED)
    services.request_supplement(dossier.pk, staff["receiver"], "Thiếu giấy đề nghị")
    back = services.provide_supplement(dossier.pk, citizen, None, {})
    back.refresh_from_db()
    assert (back.status, back.due_at, back.received_at) == (Status.SUBMITTED, None, None)


def test_overdue_is_derived_while_the_clock_runs(
    make_dossier: MakeDossier, staff: dict[str, User]
) -> None:
    with at(vn(2026, 3, 10, 9)):
        received = make_dossier(Status.RECEIVED)  # due Wed 11/3 09:00
        result_ready = make_dossier(Status.RESULT_READY)
        returned = make_dossier(Status.RETURNED)
        rejected = make_dossier(Status.REJECTED)
        assert received.due_at == vn(2026, 3, 11, 9)
    with at(vn(2026, 3, 11, 9)):
        assert Dossier.objects.get(pk=received.pk).is_overdue is False  # due, not yet late
    with at(vn(2026, 3, 11, 9, 1)):
        assert Dossier.objects.get(pk=received.pk).is_overdue is True
        assert Dossier.objects.get(pk=result_ready.pk).is_overdue is True
        assert Dossier.objects.get(pk=returned.pk).is_overdue is False
        assert Dossier.objects.get(pk=rejected.pk).is_overdue is False


def test_the_back_office_queue_filters(
    business_dossier: Callable[..., Dossier],
    make_dossier: MakeDossier,
    staff: dict[str, User],
    citizen: User,
    birth: Procedure,
    other_ward: Agency,
) -> None:
    with at(vn(2026, 3, 2, 9)):  # Monday
        overdue = make_dossier(Status.RECEIVED)  # due Tue 3/3 09:00
        due_soon = business_dossier()  # due Thu 5/3 09:00
        returned = make_dossier(Status.RETURNED)  # assigned to the processor, but finished
    with at(vn(2026, 3, 4, 9)):  # Wednesday
        later = business_dossier()  # due Mon 9/3 09:00
    with at(vn(2026, 3, 4, 9, 30)):
        mine = business_dossier(Status.PROCESSING)  # due Mon 9/3 09:30, assigned to the processor
        new = make_dossier(Status.SUBMITTED)
        draft = make_dossier(Status.DRAFT)
        elsewhere, _ = services.submit_online(
            citizen, birth, other_ward, new.form_data, birth_files()
        )
    ward_id = new.agency_id

    def queue(which: str, user: User = staff["receiver"]) -> list[int]:
        return [d.pk for d in selectors.agency_queue(ward_id, user, which)]

    with at(vn(2026, 3, 4, 10)):  # due soon = before Fri 6/3 10:00
        assert set(queue("all")) == {
            overdue.pk,
            due_soon.pk,
            returned.pk,
            later.pk,
            mine.pk,
            new.pk,
        }
        assert queue("new") == [new.pk]
        assert queue("mine", staff["processor"]) == [mine.pk]
        assert queue("mine", staff["receiver"]) == []
        assert queue("due_soon") == [due_soon.pk]
        assert queue("overdue") == [overdue.pk]
        assert draft.pk not in queue("all") and elsewhere.pk not in queue("all")
    with at(vn(2026, 3, 9, 10)):  # Monday after: due_soon and later are both late now
        assert queue("overdue") == [overdue.pk, due_soon.pk, later.pk, mine.pk]  # by due date
        assert queue("due_soon") == []


def test_the_queue_api_and_page_apply_the_filters(
    make_dossier: MakeDossier, staff: dict[str, User], client: Client
) -> None:
    with at(vn(2026, 3, 2, 9)):
        overdue = make_dossier(Status.RECEIVED)
        new = make_dossier(Status.SUBMITTED)
    headers = bearer(staff["receiver"])
    with at(vn(2026, 3, 4, 10)):
        response = client.get("/api/v1/backoffice/dossiers", {"filter": "overdue"}, headers=headers)
        assert response.status_code == 200
        [row] = response.json()["items"]
        assert (row["id"], row["code"], row["is_overdue"]) == (overdue.pk, overdue.code, True)
        response = client.get("/api/v1/backoffice/dossiers", {"filter": "new"}, headers=headers)
        assert [row["id"] for row in response.json()["items"]] == [new.pk]
        bad = client.get("/api/v1/backoffice/dossiers", {"filter": "everything"}, headers=headers)
        assert bad.status_code == 422

        log_in(client, staff["receiver"])
        page = client.get("/backoffice/", {"filter": "overdue"})
        assert page.status_code == 200
        assert [d.pk for d in page.context["page"].object_list] == [overdue.pk]
        assert overdue.code in page.content.decode()
        assert new.code not in page.content.decode()
