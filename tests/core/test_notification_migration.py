"""The dossiers part's notifications move to the kernel with their ids, so that a task queued
before the move still delivers its notification; a pending one gets its text."""

from collections.abc import Callable

import pytest

from egov.core.models import Notification
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier, DossierEvent
from egov.identity.models import User
from tests.migrations import latest, migrate

BEFORE = [("dossiers", "0010_payment_held_step"), ("core", "0006_notification")]
AFTER = [("dossiers", "0011_notifications_to_core")]


@pytest.mark.django_db(transaction=True)
def test_rows_move_with_their_ids(make_dossier: Callable[..., Dossier], citizen: User) -> None:
    dossier = make_dossier(Status.RECEIVED)
    received = DossierEvent.objects.get(dossier=dossier, kind="received")
    submitted = DossierEvent.objects.get(dossier=dossier, kind="submitted")
    Notification.objects.all().delete()  # the kernel's table is new when the rows move
    try:
        old = migrate(BEFORE).get_model("dossiers", "Notification")
        old.objects.create(
            pk=41,
            dossier_id=dossier.pk,
            event_id=received.pk,
            channel="email",
            status="sent",
            attempts=1,
        )
        old.objects.create(
            pk=42,
            dossier_id=dossier.pk,
            event_id=received.pk,
            channel="sms",
            status="pending",
            attempts=2,
            last_error="Timeout",
        )
        old.objects.create(
            pk=43,
            dossier_id=dossier.pk,
            event_id=submitted.pk,
            channel="email",
            status="failed",
            attempts=5,
            last_error="recipient_not_authorised",
        )
    finally:
        migrate(AFTER)
        migrate(latest())
    moved = {n.pk: n for n in Notification.objects.filter(pk__in=[41, 42, 43])}
    assert {pk: (n.channel, n.status, n.attempts, n.topic) for pk, n in moved.items()} == {
        41: ("email", "sent", 1, "received"),
        42: ("sms", "pending", 2, "received"),
        43: ("email", "failed", 5, "submitted"),
    }
    for notification in moved.values():
        assert notification.recipient_id == citizen.pk
        assert (notification.object_type, notification.object_id) == ("dossier", str(dossier.pk))
    assert moved[42].address == citizen.phone and moved[42].last_error == "Timeout"
    assert moved[42].key == f"dossier_event:{received.pk}"
    assert dossier.code is not None and dossier.code in moved[42].text  # still to be sent
    assert moved[41].text == ""  # sent before the move: nothing left to send
