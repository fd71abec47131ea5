"""Concurrent settlement on PostgreSQL: the return redirect and the notification (or the same
notification twice) arriving at the same moment settle a payment once."""

from collections.abc import Callable

import pytest

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
