"""Real concurrency on PostgreSQL: two officials acting at the same moment, many submissions at once.

Each thread has its own database connection; a barrier releases them together.
"""

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test import Client, override_settings

from egov.catalog.models import Procedure
from egov.core.models import Agency, IdempotencyKey, Notification, NotificationStatus
from egov.core.tasks import deliver_notification
from egov.dossiers import services
from egov.dossiers.constants import Status
from egov.dossiers.models import (
    Dossier,
    DossierEvent,
)
from egov.dossiers.services import WrongState, steps
from egov.identity.models import User
from egov.records.models import ResultDocument
from tests.conftest import BIRTH_CHECKLIST, BIRTH_FORM, bearer, birth_files, pdf_bytes

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(*jobs: Callable[[], Any]) -> list[Any]:
    """Run every job in its own thread, released at the same moment; return result or exception."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[Any] = [None] * len(jobs)

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = job()
        except Exception as exc:  # recorded for the assertions
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def test_two_receivers_receive_the_same_dossier_once(
    make_dossier: Callable[..., Dossier], staff: dict[str, User], ward: Agency, make_official: Any
) -> None:
    dossier = make_dossier(Status.SUBMITTED)
    second = make_official(ward, "receiver", username="receiver.2")
    outcomes = run_together(
        lambda: services.receive(dossier.pk, staff["receiver"], BIRTH_CHECKLIST),
        lambda: services.receive(dossier.pk, second, BIRTH_CHECKLIST),
    )
    succeeded = [o for o in outcomes if isinstance(o, Dossier)]
    refused = [o for o in outcomes if isinstance(o, WrongState)]
    assert (len(succeeded), len(refused)) == (1, 1), outcomes
    assert DossierEvent.objects.filter(dossier=dossier, kind="received").count() == 1
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED
    assert dossier.version == 2  # submitted, received: not received twice


def test_two_approvers_approve_the_same_dossier_once(
    make_dossier: Callable[..., Dossier], staff: dict[str, User], ward: Agency, make_official: Any
) -> None:
    dossier = make_dossier(Status.AWAITING_APPROVAL)
    second = make_official(ward, "approver", username="approver.2")
    outcomes = run_together(
        lambda: services.approve(dossier.pk, staff["approver"], "Kết quả 1"),
        lambda: services.approve(dossier.pk, second, "Kết quả 2"),
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["Dossier", "WrongState"], outcomes
    assert DossierEvent.objects.filter(dossier=dossier, kind="result_ready").count() == 1
    winner = next(o for o in outcomes if isinstance(o, Dossier))
    dossier.refresh_from_db()
    assert dossier.status == Status.RESULT_READY
    assert dossier.result_note == winner.result_note
    assert ResultDocument.objects.filter(dossier=dossier).count() == 1


def test_concurrent_submissions_get_distinct_sequential_codes(
    birth: Procedure, other_ward: Agency, make_citizen: Callable[..., User]
) -> None:
    # An agency with no receipt sequence yet: the threads also race to create it.
    applicants = [make_citizen() for _ in range(6)]

    def submit(applicant: User) -> Callable[[], Dossier]:
        return lambda: services.submit_online(
            applicant, birth, other_ward, BIRTH_FORM, birth_files()
        )[0]

    outcomes = run_together(*(submit(applicant) for applicant in applicants))
    assert all(isinstance(o, Dossier) for o in outcomes), outcomes
    codes = sorted(o.code for o in outcomes)
    prefix = codes[0].rsplit("-", 1)[0]
    assert prefix.startswith("H26.32-")
    assert codes == [f"{prefix}-{n:07d}" for n in range(1, 7)]
    assert Dossier.objects.filter(agency=other_ward).count() == 6


def test_concurrent_retries_with_one_idempotency_key_make_one_dossier(
    birth: Procedure, ward: Agency, citizen: User
) -> None:
    headers = bearer(citizen) | {"Idempotency-Key": "same-key"}

    def submit() -> Any:
        body = {"procedure": birth.code, "agency": ward.code, "form": json.dumps(BIRTH_FORM)}
        for code, data in (("TO_KHAI", "Tờ khai"), ("GIAY_CHUNG_SINH", "Giấy chứng sinh")):
            body[code] = SimpleUploadedFile(f"{code}.pdf", pdf_bytes(data))
        return Client().post("/api/v1/dossiers", body, headers=headers)

    outcomes = run_together(submit, submit, submit)
    assert sorted(o.status_code for o in outcomes) == [200, 200, 201], outcomes
    assert len({o.json()["id"] for o in outcomes}) == 1
    assert Dossier.objects.filter(applicant=citizen).count() == 1
    assert IdempotencyKey.objects.filter(user=citizen).count() == 1


def test_acting_on_one_dossier_does_not_hold_up_another_of_the_same_agency(
    make_dossier: Callable[..., Dossier], staff: dict[str, User], monkeypatch: Any
) -> None:
    """Locking a dossier must lock that dossier only, not its agency, procedure or applicant:
    otherwise every transition at one agency waits for every other."""
    first = make_dossier(Status.SUBMITTED)
    second = make_dossier(Status.SUBMITTED)  # same agency, procedure and applicant
    inside, release = threading.Event(), threading.Event()
    real_deadline = services.legal_deadline

    def deadline_that_waits(start: Any, days: int) -> Any:
        # Called inside the receive transaction, after the dossier has been locked.
        if threading.current_thread().name == "first":
            inside.set()
            release.wait(timeout=30)
        return real_deadline(start, days)

    monkeypatch.setattr(steps, "legal_deadline", deadline_that_waits)  # where receive looks it up
    outcomes: dict[str, Any] = {}

    def receive(name: str, dossier: Dossier) -> None:
        try:
            with connection.cursor() as cursor:
                # Fail instead of waiting if a lock held by the first transaction is needed.
                cursor.execute("SET lock_timeout = '2s'")
            outcomes[name] = services.receive(dossier.pk, staff["receiver"], BIRTH_CHECKLIST)
        except Exception as exc:  # recorded for the assertions
            outcomes[name] = exc
        finally:
            connection.close()

    holder = threading.Thread(target=receive, args=("first", first), name="first")
    holder.start()
    assert inside.wait(timeout=30)
    other = threading.Thread(target=receive, args=("second", second), name="second")
    other.start()
    other.join(timeout=30)
    release.set()
    holder.join(timeout=30)
    assert isinstance(outcomes["second"], Dossier), outcomes["second"]
    assert isinstance(outcomes["first"], Dossier), outcomes["first"]
    assert set(Dossier.objects.values_list("status", flat=True)) == {Status.RECEIVED}


class SlowEmailBackend(BaseEmailBackend):
    """An SMTP server that keeps the thread named "first" waiting until it is released."""

    inside = threading.Event()
    release = threading.Event()

    def send_messages(self, email_messages: Any) -> int:
        if threading.current_thread().name == "first":
            self.inside.set()
            self.release.wait(timeout=30)
        return len(email_messages)


@override_settings(
    TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}},
    EMAIL_BACKEND="tests.dossiers.test_concurrency.SlowEmailBackend",
)
def test_sending_a_notification_holds_up_no_dossier(
    make_dossier: Callable[..., Dossier], staff: dict[str, User]
) -> None:
    """A slow mail server must not stop officials from working on the dossier, nor other
    notifications of the same procedure from going out."""
    first = make_dossier(Status.RECEIVED)  # notifications stay pending: tasks are not run
    second = make_dossier(Status.RECEIVED)
    email_of = {
        dossier.pk: Notification.objects.get(
            object_type="dossier", object_id=str(dossier.pk), channel="email"
        ).pk
        for dossier in (first, second)
    }
    SlowEmailBackend.inside.clear()
    SlowEmailBackend.release.clear()
    outcomes: dict[str, Any] = {}

    def run(name: str, job: Callable[[], Any]) -> None:
        try:
            with connection.cursor() as cursor:
                # Fail instead of waiting if a lock held by the slow sender is needed.
                cursor.execute("SET lock_timeout = '2s'")
            outcomes[name] = job()
        except Exception as exc:  # recorded for the assertions
            outcomes[name] = exc
        finally:
            connection.close()

    sender = threading.Thread(
        target=run,
        args=("first", lambda: deliver_notification.call(email_of[first.pk])),
        name="first",
    )
    sender.start()
    assert SlowEmailBackend.inside.wait(timeout=30)
    others = [
        threading.Thread(
            target=run,
            args=(
                "assign",
                lambda: services.assign(first.pk, staff["receiver"], staff["processor"]),
            ),
        ),
        threading.Thread(
            target=run, args=("other email", lambda: deliver_notification.call(email_of[second.pk]))
        ),
    ]
    for thread in others:
        thread.start()
        thread.join(timeout=30)
    SlowEmailBackend.release.set()
    sender.join(timeout=30)
    assert isinstance(outcomes["assign"], Dossier), outcomes["assign"]
    assert outcomes["other email"] == NotificationStatus.SENT, outcomes["other email"]
    assert outcomes["first"] == NotificationStatus.SENT, outcomes["first"]
    assert Dossier.objects.get(pk=first.pk).status == Status.PROCESSING
