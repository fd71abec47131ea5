"""Email and SMS to the applicant: one of each per notified event, sent by a task after commit."""

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.test import override_settings

from egov.core.models import Notification, NotificationStatus
from egov.core.sms import MemorySmsBackend
from egov.dossiers import services
from egov.dossiers.constants import NOTIFIED_EVENTS, Status
from egov.dossiers.models import Dossier
from egov.identity.models import User
from tests.conftest import BIRTH_CHECKLIST, vn

MakeDossier = Callable[..., Dossier]


class BrokenEmailBackend(BaseEmailBackend):
    """An SMTP server that is down."""

    def send_messages(self, email_messages: Any) -> int:
        raise ConnectionRefusedError("SMTP server unreachable")


#: event -> (status to start from, the action that writes the event)
NOTIFYING: dict[str, tuple[str, Callable[[Dossier, dict[str, User]], Any]]] = {
    "received": (
        Status.SUBMITTED,
        lambda d, s: services.receive(d.pk, s["receiver"], BIRTH_CHECKLIST),
    ),
    "supplement_requested": (
        Status.RECEIVED,
        lambda d, s: services.request_supplement(d.pk, s["receiver"], "Bổ sung giấy chứng sinh"),
    ),
    "refused": (
        Status.SUBMITTED,
        lambda d, s: services.refuse_intake(d.pk, s["receiver"], "Sai cơ quan"),
    ),
    "rejected": (
        Status.PROCESSING,
        lambda d, s: services.reject(d.pk, s["processor"], "Không đủ điều kiện"),
    ),
    # Approval signs the result (the immediate task backend signs at once): the applicant is
    # told when it is signed, and only then.
    "result_signed": (
        Status.AWAITING_APPROVAL,
        lambda d, s: services.approve(d.pk, s["approver"]),
    ),
    "apologised": (
        Status.PROCESSING,
        lambda d, s: services.apologise(d.pk, s["processor"], "Chờ xác minh", date(2026, 3, 16)),
    ),
    "extended_for_verification": (
        Status.PROCESSING,
        lambda d, s: services.extend_for_verification(
            d.pk, s["processor"], "Xác minh nơi sinh với cơ sở y tế"
        ),
    ),
}


def test_the_table_covers_every_notified_event() -> None:
    assert set(NOTIFYING) == NOTIFIED_EVENTS


@pytest.mark.parametrize("kind", sorted(NOTIFYING))
def test_each_notified_event_sends_an_email_and_an_sms_after_commit(
    make_dossier: MakeDossier,
    staff: dict[str, User],
    citizen: User,
    django_capture_on_commit_callbacks: Any,
    mailoutbox: list[Any],
    kind: str,
) -> None:
    start, act = NOTIFYING[kind]
    with time_machine.travel(vn(2026, 3, 10, 9), tick=False):
        dossier = make_dossier(start)
    assert mailoutbox == [] and MemorySmsBackend.outbox == []  # nothing was committed yet

    with (
        time_machine.travel(vn(2026, 3, 12, 9), tick=False),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        act(dossier, staff)
        # Inside the transaction nothing has gone out yet.
        assert mailoutbox == [] and MemorySmsBackend.outbox == []
        pending = Notification.objects.filter(
            topic=kind, object_type="dossier", object_id=str(dossier.pk)
        )
        assert set(pending.values_list("channel", "status")) == {
            ("portal", NotificationStatus.SENT),  # in the notification centre at once
            ("email", NotificationStatus.PENDING),
            ("sms", NotificationStatus.PENDING),
        }
    assert len(callbacks) == 2  # email and SMS are delivered after the commit

    sent = {
        n.channel: n
        for n in Notification.objects.filter(
            topic=kind, object_type="dossier", object_id=str(dossier.pk)
        )
    }
    assert set(sent) == {"portal", "email", "sms"}
    assert sent.pop("portal").text == sent["email"].text
    for notification in sent.values():
        assert notification.status == NotificationStatus.SENT
        assert notification.attempts == 1
        assert notification.sent_at == vn(2026, 3, 12, 9)
        assert notification.last_error == ""

    [email] = mailoutbox
    assert email.to == [citizen.email]
    assert dossier.code is not None and dossier.code in email.subject
    assert email.subject == f"Hồ sơ {dossier.code}: Đăng ký khai sinh"
    assert dossier.code in email.body
    assert f"/dossiers/{dossier.pk}/" in email.body
    [(phone, text)] = MemorySmsBackend.outbox
    assert phone == citizen.phone
    assert dossier.code in text
    assert text == email.body
    # Only this event's messages went out: the fixture's earlier events never reached a commit.
    assert (
        Notification.objects.filter(
            object_type="dossier",
            object_id=str(dossier.pk),
            status=NotificationStatus.SENT,
            channel__in=["email", "sms"],
        ).count()
        == 2
    )


def test_the_reason_reaches_the_applicant(
    make_dossier: MakeDossier,
    staff: dict[str, User],
    django_capture_on_commit_callbacks: Any,
    mailoutbox: list[Any],
) -> None:
    dossier = make_dossier(Status.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        services.refuse_intake(dossier.pk, staff["receiver"], "Sai cơ quan tiếp nhận")
    assert "Sai cơ quan tiếp nhận" in mailoutbox[0].body
    assert "Sai cơ quan tiếp nhận" in MemorySmsBackend.outbox[0][1]


def test_events_that_are_not_notified_send_nothing(
    make_dossier: MakeDossier,
    staff: dict[str, User],
    citizen: User,
    django_capture_on_commit_callbacks: Any,
    mailoutbox: list[Any],
) -> None:
    dossier = make_dossier(Status.RECEIVED)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.assign(dossier.pk, staff["receiver"], staff["processor"])
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw(dossier.pk, citizen, "Không cần nữa")
    assert callbacks == []
    assert mailoutbox == [] and MemorySmsBackend.outbox == []


def test_an_applicant_without_a_phone_gets_only_an_email(
    make_dossier: MakeDossier,
    staff: dict[str, User],
    make_citizen: Callable[..., User],
    django_capture_on_commit_callbacks: Any,
    mailoutbox: list[Any],
) -> None:
    applicant = make_citizen(phone="")
    dossier = make_dossier(Status.SUBMITTED, applicant=applicant)
    with django_capture_on_commit_callbacks(execute=True):
        services.receive(dossier.pk, staff["receiver"], BIRTH_CHECKLIST)
    assert list(
        Notification.objects.filter(object_type="dossier", object_id=str(dossier.pk)).values_list(
            "channel", flat=True
        )
    ) == ["portal", "email"]  # the notification centre, and the one contact it has
    assert len(mailoutbox) == 1 and MemorySmsBackend.outbox == []


def test_nothing_is_sent_when_the_transaction_rolls_back(
    make_dossier: MakeDossier,
    staff: dict[str, User],
    django_capture_on_commit_callbacks: Any,
    mailoutbox: list[Any],
) -> None:
    dossier = make_dossier(Status.SUBMITTED)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.receive(dossier.pk, staff["receiver"], BIRTH_CHECKLIST)
        raise RuntimeError("the caller's transaction fails after the receive")
    assert callbacks == []
    assert mailoutbox == [] and MemorySmsBackend.outbox == []
    assert not Notification.objects.filter(
        object_type="dossier", object_id=str(dossier.pk)
    ).exists()
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


def test_a_refused_action_sends_nothing(
    make_dossier: MakeDossier,
    staff: dict[str, User],
    django_capture_on_commit_callbacks: Any,
    mailoutbox: list[Any],
) -> None:
    dossier = make_dossier(Status.SUBMITTED)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(services.InvalidInput),
    ):
        services.receive(dossier.pk, staff["receiver"], {"TO_KHAI": (True, "")})
    assert callbacks == [] and mailoutbox == [] and MemorySmsBackend.outbox == []


@pytest.mark.django_db(transaction=True)
@override_settings(EMAIL_BACKEND="tests.dossiers.test_notifications.BrokenEmailBackend")
def test_a_failing_email_backend_leaves_the_notification_pending(
    make_dossier: MakeDossier, staff: dict[str, User]
) -> None:
    dossier = make_dossier(Status.SUBMITTED)
    services.receive(dossier.pk, staff["receiver"], BIRTH_CHECKLIST)  # commits: the task runs
    email = Notification.objects.get(
        object_type="dossier", object_id=str(dossier.pk), topic="received", channel="email"
    )
    assert email.status == NotificationStatus.PENDING
    assert email.attempts == 1
    assert email.last_error == "ConnectionRefusedError: SMTP server unreachable"
    assert email.sent_at is None
    sms = Notification.objects.get(
        object_type="dossier", object_id=str(dossier.pk), topic="received", channel="sms"
    )
    assert (sms.status, sms.attempts, sms.last_error) == (NotificationStatus.SENT, 1, "")
    assert len(MemorySmsBackend.outbox) == 1
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_a_notification_is_sent_once(make_dossier: MakeDossier, staff: dict[str, User]) -> None:
    from egov.core.tasks import deliver_notification

    dossier = make_dossier(Status.SUBMITTED)
    services.receive(dossier.pk, staff["receiver"], BIRTH_CHECKLIST)
    email = Notification.objects.get(
        object_type="dossier", object_id=str(dossier.pk), channel="email"
    )
    assert email.status == NotificationStatus.SENT and len(mail.outbox) == 1
    result = deliver_notification.enqueue(email.pk)  # a duplicate delivery of the task
    assert result.return_value == NotificationStatus.SENT
    assert len(mail.outbox) == 1
    assert Notification.objects.get(pk=email.pk).attempts == 1
