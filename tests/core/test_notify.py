"""The one ``notify``: queued with the caller's transaction, sent after it by a task, without a
lock, each outcome recorded, retried, never sent twice to a recipient already served, and no
personal data in the logs."""

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from egov.core import notify
from egov.core.models import Notification, NotificationStatus
from egov.core.sms import MemorySmsBackend
from egov.core.tasks import deliver_notification
from egov.identity.models import User


class RefusingEmailBackend(BaseEmailBackend):
    """A mail server that refuses the addresses in ``refused`` (and records the others)."""

    refused: set[str] = set()

    def send_messages(self, email_messages: Any) -> int:
        for message in email_messages:
            if set(message.to) & self.refused:
                raise ConnectionRefusedError(f"refused {message.to[0]}")
            mail.outbox.append(message)
        return len(email_messages)


def tell(person: User, channel: str = "email", **extra: Any) -> Notification | None:
    fields: dict[str, Any] = {
        "subject": "Thông báo",
        "text": "Nội dung cho " + person.full_name,
        "topic": "test",
    }
    return notify.notify(person, channel, **(fields | extra))


@pytest.mark.django_db(transaction=True)
def test_sent_after_the_commit_and_recorded(citizen: User) -> None:
    with transaction.atomic():
        notification = tell(citizen, about=("dossier", 7))
        assert notification is not None
        assert mail.outbox == []  # not before the commit
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.last_error) == (
        NotificationStatus.SENT,
        1,
        "",
    )
    assert notification.sent_at is not None and notification.address == citizen.email
    assert (notification.object_type, notification.object_id) == ("dossier", "7")
    [email] = mail.outbox
    assert email.to == [citizen.email] and email.body.endswith(citizen.full_name)


@pytest.mark.django_db(transaction=True)
def test_nothing_is_queued_when_the_caller_rolls_back(citizen: User) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        tell(citizen)
        raise RuntimeError("the caller fails")
    assert not Notification.objects.exists() and mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_sent_without_a_lock_or_a_transaction(
    citizen: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    real = notify._send

    def watching(notification: Notification) -> None:
        seen.append(connection.in_atomic_block)
        real(notification)

    monkeypatch.setattr(notify, "_send", watching)
    tell(citizen)
    tell(citizen, "sms")
    assert seen == [False, False]
    assert len(mail.outbox) == 1 and len(MemorySmsBackend.outbox) == 1


@pytest.mark.django_db(transaction=True)
@override_settings(EMAIL_BACKEND="tests.core.test_notify.RefusingEmailBackend")
def test_a_failure_is_recorded_retried_and_given_up_after_the_last_attempt(
    citizen: User, caplog: pytest.LogCaptureFixture
) -> None:
    RefusingEmailBackend.refused = {citizen.email}
    caplog.set_level(logging.WARNING, logger="egov.notify")
    notification = tell(citizen, secret=True)
    assert notification is not None
    for attempt in range(2, notify.MAX_ATTEMPTS + 1):
        notification.refresh_from_db()
        assert notification.status == NotificationStatus.PENDING
        assert notification.last_error == f"ConnectionRefusedError: refused {citizen.email}"
        deliver_notification.call(notification.pk)  # the retry the worker would run later
        assert Notification.objects.get(pk=notification.pk).attempts == attempt
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert notification.attempts == notify.MAX_ATTEMPTS
    assert notification.text == ""  # a secret is not kept once given up
    assert deliver_notification.call(notification.pk) == NotificationStatus.FAILED
    assert Notification.objects.get(pk=notification.pk).attempts == notify.MAX_ATTEMPTS
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "notification_failed" in logged
    assert citizen.email not in logged and citizen.full_name not in logged


@pytest.mark.django_db(transaction=True)
def test_a_secret_is_erased_once_sent(citizen: User) -> None:
    notification = tell(citizen, "sms", text="Mã xác thực 123456", secret=True)
    assert notification is not None
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT and notification.text == ""
    assert MemorySmsBackend.outbox == [(citizen.phone, "Mã xác thực 123456")]


@pytest.mark.django_db(transaction=True)
def test_sent_once_however_often_it_is_delivered_or_asked_for(citizen: User) -> None:
    first = tell(citizen, key="event:1")
    assert first is not None
    assert tell(citizen, key="event:1") is None  # the caller retried
    assert deliver_notification.call(first.pk) == NotificationStatus.SENT  # a duplicate task
    assert len(mail.outbox) == 1
    assert Notification.objects.get().attempts == 1


@pytest.mark.django_db(transaction=True)
@override_settings(EMAIL_BACKEND="tests.core.test_notify.RefusingEmailBackend")
def test_one_recipient_failing_is_retried_alone(make_citizen: Callable[..., User]) -> None:
    served, unlucky = make_citizen(), make_citizen()
    RefusingEmailBackend.refused = {unlucky.email}
    for person in (served, unlucky):
        tell(person, key="reminder:1")
    assert [m.to for m in mail.outbox] == [[served.email]]
    RefusingEmailBackend.refused = set()
    failed = Notification.objects.get(recipient=unlucky)
    assert deliver_notification.call(failed.pk) == NotificationStatus.SENT
    for person in (served, unlucky):  # the caller runs again: nobody hears twice
        assert tell(person, key="reminder:1") is None
    assert [m.to for m in mail.outbox] == [[served.email], [unlucky.email]]


@pytest.mark.django_db(transaction=True)
def test_a_refused_recipient_is_recorded_not_sent(citizen: User) -> None:
    notification = tell(citizen, refused="recipient_not_authorised")
    assert notification is not None
    notification.refresh_from_db()
    assert (notification.status, notification.last_error) == (
        NotificationStatus.FAILED,
        "recipient_not_authorised",
    )
    assert mail.outbox == []


def test_no_address_no_notification(make_citizen: Callable[..., User]) -> None:
    assert tell(make_citizen(phone=""), "sms") is None
    assert not Notification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_claim_left_by_a_dead_worker_is_looked_at_again_when_it_expires(
    citizen: User,
) -> None:
    """A worker killed while sending leaves the message claimed; the task run again after the
    worker's lease finds the claim and must not drop the message: it looks again at expiry."""
    notification = tell(citizen, key="event:dead-worker")
    assert notification is not None
    claimed_at = timezone.now() - timedelta(minutes=1)
    Notification.objects.filter(pk=notification.pk).update(
        status=NotificationStatus.SENDING, claimed_at=claimed_at
    )
    mail.outbox.clear()
    dummy = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with override_settings(TASKS=dummy):
        assert deliver_notification.call(notification.pk) == NotificationStatus.SENDING
        [again] = deliver_notification.get_backend().results  # type: ignore[attr-defined]
    assert again.args == [notification.pk]
    # When the claim expires (give or take the milliseconds of the call).
    assert abs(again.task.run_after - (claimed_at + notify.CLAIM_LEASE)) < timedelta(seconds=1)
    assert mail.outbox == []
    # At expiry the claim is taken again and the message sent.
    with time_machine.travel(claimed_at + notify.CLAIM_LEASE + timedelta(seconds=1)):
        assert deliver_notification.call(notification.pk) == NotificationStatus.SENT
    assert len(mail.outbox) == 1
