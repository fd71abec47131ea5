"""Thông báo: everything the portal tells a person is in their notification centre, read or
unread, theirs only; email and SMS as they choose; the same by the API."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from egov.core import notify
from egov.core.models import Notification, NotificationStatus
from egov.core.sms import MemorySmsBackend
from egov.dossiers import services
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.identity.models import User
from tests.conftest import BIRTH_CHECKLIST, bearer, log_in

pytestmark = pytest.mark.django_db


def test_a_portal_notification_is_there_at_once_and_queues_nothing(
    citizen: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        told = notify.notify(citizen, notify.PORTAL, subject="Chào", text="Xin chào", topic="t")
    assert told is not None and told.status == NotificationStatus.SENT and told.sent_at
    assert callbacks == [] and notify.unread(citizen) == 1


def test_the_centre_lists_what_the_agency_said_marks_it_read_and_links_the_dossier(
    client: Client,
    citizen: User,
    other_citizen: User,
    make_dossier: Callable[..., Dossier],
    staff: dict[str, User],
) -> None:
    dossier = make_dossier(Status.SUBMITTED)
    services.receive(dossier.pk, staff["receiver"], BIRTH_CHECKLIST)
    notify.notify(other_citizen, notify.PORTAL, subject="Riêng tư", text="x", topic="t")
    log_in(client, citizen)
    header = client.get("/").content.decode()
    assert "Thông báo (1 chưa đọc)" in header or "Notifications (1 unread)" in header

    page = client.get("/account/notifications/").content.decode()
    assert dossier.code in page and f'href="/dossiers/{dossier.pk}/"' in page
    assert "Riêng tư" not in page  # another person's
    assert notify.unread(citizen) == 0 and notify.unread(other_citizen) == 1
    assert "chưa đọc" not in client.get("/").content.decode()


def test_email_and_sms_follow_the_persons_choice(
    client: Client,
    citizen: User,
    make_dossier: Callable[..., Dossier],
    staff: dict[str, User],
    django_capture_on_commit_callbacks: Any,
    mailoutbox: list[Any],
) -> None:
    log_in(client, citizen)
    saved = client.post("/account/notifications/", {"notify_by_email": "on"})  # no SMS
    assert saved.status_code == 302
    citizen.refresh_from_db()
    assert citizen.notify_by_email and not citizen.notify_by_sms

    dossier = make_dossier(Status.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        services.receive(dossier.pk, staff["receiver"], BIRTH_CHECKLIST)
    channels = Notification.objects.filter(topic="received", recipient=citizen).values_list(
        "channel", flat=True
    )
    assert sorted(channels) == ["email", "portal"]
    assert len(mailoutbox) == 1 and MemorySmsBackend.outbox == []


def test_the_api_lists_and_marks_read_the_callers_own_only(
    client: Client, citizen: User, other_citizen: User
) -> None:
    first = notify.notify(citizen, notify.PORTAL, subject="Một", text="1", topic="t")
    notify.notify(citizen, notify.PORTAL, subject="Hai", text="2", topic="t")
    theirs = notify.notify(other_citizen, notify.PORTAL, subject="Ba", text="3", topic="t")
    assert first is not None and theirs is not None
    listed = client.get("/api/v1/account/notifications", headers=bearer(citizen)).json()
    assert listed["count"] == 2 and [n["subject"] for n in listed["items"]] == ["Hai", "Một"]
    marked = client.post(
        "/api/v1/account/notifications/read",
        {"ids": [first.pk, theirs.pk]},
        content_type="application/json",
        headers=bearer(citizen),
    ).json()
    assert marked == {"marked": 1, "unread": 1}  # not another person's
    assert notify.unread(other_citizen) == 1
    everything = client.post(
        "/api/v1/account/notifications/read",
        {},
        content_type="application/json",
        headers=bearer(citizen),
    ).json()
    assert everything == {"marked": 1, "unread": 0}
