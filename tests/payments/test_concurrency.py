"""Concurrent settlement on PostgreSQL: the return redirect and the notification (or the same
notification twice) arriving at the same moment settle a payment once."""

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from egov.dossiers import services as dossier_services
from egov.dossiers.models import Dossier, DossierEvent
from egov.identity.models import User
from egov.payments import services
from egov.payments.models import Payment, PaymentEvent
from egov.payments.services import Outcome
from tests.dossiers.test_concurrency import run_together

from .conftest import bank_says

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_callbacks_settle_once(
    copies_dossier: Callable[..., Dossier], citizen: User, start_payment: Callable[..., Payment]
) -> None:
    dossier = copies_dossier()
    payment = start_payment(dossier, citizen)
    params = bank_says(payment)
    sources = ["return", "notification", "notification", "return"]
    outcomes = run_together(
        *(
            lambda source=source: services.handle_callback("sandbox", params, source)[0]
            for source in sources
        )
    )
    assert sorted(o.value for o in outcomes) == sorted(
        [Outcome.SETTLED.value] + [Outcome.ALREADY.value] * 3
    )
    assert DossierEvent.objects.filter(dossier=dossier, kind="paid").count() == 1
    assert PaymentEvent.objects.filter(payment=payment, kind="paid").count() == 1


def test_concurrent_counter_payments_of_one_dossier_make_one(
    copies_dossier: Callable[..., Dossier], staff: dict[str, User]
) -> None:
    dossier = copies_dossier()
    outcomes = run_together(
        *(
            lambda: services.record_counter_payment(staff["receiver"], dossier.pk, "cash")
            for _ in range(3)
        )
    )
    assert sum(isinstance(o, Payment) for o in outcomes) == 1
    assert all(isinstance(o, (Payment, services.WrongState)) for o in outcomes)
    assert Payment.objects.filter(dossier=dossier, status="paid").count() == 1


def _wait_for_a_lock_waiter() -> None:
    """Until another connection of this database waits for a row lock."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError("the callback never waited for the dossier")


def test_a_callback_locks_the_dossier_before_the_payment(
    copies_dossier: Callable[..., Dossier], citizen: User, start_payment: Callable[..., Payment]
) -> None:
    """The order of every dossier step (the dossier, then its payments): a callback arriving
    while a step holds the dossier waits without holding the payment, so the step may still
    take the payment (supersede an intent, read it under lock) and neither deadlocks."""
    dossier = copies_dossier()
    payment = start_payment(dossier, citizen)
    params = bank_says(payment)
    holding, release = threading.Event(), threading.Event()
    outcomes: list[Any] = []

    def step_holding_the_dossier() -> None:
        try:
            with transaction.atomic():
                dossier_services.lock_dossier(dossier.pk)
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    def callback() -> None:
        try:
            outcomes.append(services.handle_callback("sandbox", params, "notification")[0])
        finally:
            connection.close()

    step = threading.Thread(target=step_holding_the_dossier)
    step.start()
    assert holding.wait(20)
    bank = threading.Thread(target=callback)
    bank.start()
    try:
        _wait_for_a_lock_waiter()
        with transaction.atomic():  # the payment row is free: NOWAIT does not fail
            Payment.objects.select_for_update(nowait=True).get(pk=payment.pk)
    finally:
        release.set()
        step.join(30)
        bank.join(30)
    assert outcomes == [Outcome.SETTLED]
    assert DossierEvent.objects.filter(dossier=dossier, kind="paid").count() == 1
