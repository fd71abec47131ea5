"""Concurrent work on a result sent by post, on PostgreSQL: bookings run at the same moment book
one consignment; the same callback arriving twice at once is applied once."""

from typing import Any

import pytest

from egov.catalog.models import Procedure
from egov.core.models import Agency
from egov.dossiers import services
from egov.dossiers.models import Delivery, DossierEvent, PostalCallback
from egov.identity.models import User

from .fake_vnpost import FakeVnpost
from .test_concurrency import run_together
from .test_delivery import pay, submit, to_result_ready

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def ready_unbooked(
    post_office: FakeVnpost, birth: Procedure, ward: Agency, citizen: User, staff: dict[str, User]
) -> Any:
    """A paid, signed result to be posted whose booking has not gone through yet."""
    dossier = submit(citizen, birth, ward)
    pay(dossier, citizen)
    post_office.unavailable = 10**6  # each commit on the way tries to book
    to_result_ready(dossier, staff)
    post_office.unavailable = 0
    assert Delivery.objects.get(dossier=dossier).consignment == ""
    return dossier


def test_bookings_at_the_same_moment_book_once(
    post_office: FakeVnpost, birth: Procedure, ward: Agency, citizen: User, staff: dict[str, User]
) -> None:
    dossier = ready_unbooked(post_office, birth, ward, citizen, staff)
    outcomes = run_together(*(lambda: services.book_consignment(dossier.pk) for _ in range(4)))
    assert sorted(outcomes).count("booked") == 1
    assert set(outcomes) <= {"booked", "already_booked"}
    assert len(post_office.orders) == 1
    assert DossierEvent.objects.filter(dossier=dossier, kind="consignment_booked").count() == 1


def test_the_same_callback_twice_at_once_is_applied_once(
    post_office: FakeVnpost, birth: Procedure, ward: Agency, citizen: User, staff: dict[str, User]
) -> None:
    dossier = ready_unbooked(post_office, birth, ward, citizen, staff)
    services.book_consignment(dossier.pk)
    consignment = Delivery.objects.get(dossier=dossier).consignment
    body, headers = post_office.status_message(consignment, "DELIVERED", event_id="ev-twice")
    outcomes = run_together(
        *(lambda: services.receive_callback("vnpost", body, headers) for _ in range(3))
    )
    assert sorted(outcomes) == ["applied", "replayed", "replayed"]
    assert PostalCallback.objects.filter(event_id="ev-twice").count() == 1
    assert DossierEvent.objects.filter(dossier=dossier, kind="returned").count() == 1
