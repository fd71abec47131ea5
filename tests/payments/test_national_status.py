"""One national status: the dossier API, the public tracking, the payments API and the national
sync (the fact pushed as ``TrangThaiHoSo``) give the same code at every step, 6 ("payment
requested") included while unpaid fees hold a dossier back."""

from collections.abc import Callable

import pytest
from django.test import Client

from egov.dossiers import services as dossier_services
from egov.dossiers.constants import NationalStatus
from egov.dossiers.models import Dossier, DossierEvent
from egov.identity.models import User
from egov.insights.constants import NATION
from egov.insights.models import DailyCount, DossierFact
from egov.insights.push import record_of
from egov.payments import services
from egov.payments.models import Payment
from tests.conftest import BUSINESS_CHECKLIST, bearer

from .conftest import bank_says

pytestmark = pytest.mark.django_db


def national_codes(client: Client, dossier: Dossier, citizen: User) -> set[int | None]:
    """The code each reader gives for ``dossier`` now."""
    fact = DossierFact.objects.get(dossier_id=dossier.pk)
    headers = bearer(citizen)
    return {
        client.get(f"/api/v1/dossiers/{dossier.pk}", headers=headers).json()["national_status"],
        client.get(f"/api/v1/tracking/{dossier.code}").json()["national_status"],
        client.get(f"/api/v1/payments/dossiers/{dossier.pk}/fees", headers=headers).json()[
            "national_status"
        ],
        fact.status,
        record_of(fact, dossier.agency.code)["TrangThaiHoSo"],
        Dossier.objects.get(pk=dossier.pk).national_status,
    }


def kinds(dossier: Dossier) -> list[str]:
    return list(
        DossierEvent.objects.filter(dossier=dossier, kind__startswith="payment_")
        .order_by("id")
        .values_list("kind", flat=True)
    )


def test_fees_due_at_submission_all_readers_say_6_until_paid(
    client: Client,
    copies_dossier: Callable[..., Dossier],
    citizen: User,
    start_payment: Callable[..., Payment],
) -> None:
    dossier = copies_dossier()
    assert national_codes(client, dossier, citizen) == {NationalStatus.PAYMENT_REQUESTED}
    assert kinds(dossier) == ["payment_requested"]
    services.handle_callback("sandbox", bank_says(start_payment(dossier, citizen)), "notification")
    assert national_codes(client, dossier, citizen) == {NationalStatus.SUBMITTED}
    assert kinds(dossier) == ["payment_requested", "payment_request_closed"]


def test_fees_due_before_the_result_all_readers_say_6_once_the_result_is_ready(
    client: Client, business_dossier: Dossier, citizen: User, staff: dict[str, User]
) -> None:
    dossier = business_dossier
    # Owed, but nothing waits for the fees yet: the dossier's own code.
    assert national_codes(client, dossier, citizen) == {NationalStatus.SUBMITTED}
    dossier_services.receive(dossier.pk, staff["receiver"], BUSINESS_CHECKLIST)
    assert national_codes(client, dossier, citizen) == {NationalStatus.RECEIVED}
    dossier_services.assign(dossier.pk, staff["receiver"], staff["processor"])
    dossier_services.propose(dossier.pk, staff["processor"])
    assert national_codes(client, dossier, citizen) == {NationalStatus.PROCESSING}
    dossier_services.approve(dossier.pk, staff["approver"])
    assert national_codes(client, dossier, citizen) == {NationalStatus.PAYMENT_REQUESTED}
    services.record_counter_payment(staff["receiver"], dossier.pk, "card")
    assert national_codes(client, dossier, citizen) == {NationalStatus.PROCESSED}
    dossier_services.return_result(dossier.pk, staff["receiver"])
    assert national_codes(client, dossier, citizen) == {NationalStatus.RETURNED}


def test_a_refund_requests_the_payment_again(
    client: Client, copies_dossier: Callable[..., Dossier], citizen: User, staff: dict[str, User]
) -> None:
    dossier = copies_dossier()
    payment = services.record_counter_payment(staff["receiver"], dossier.pk, "cash")
    assert national_codes(client, dossier, citizen) == {NationalStatus.SUBMITTED}
    services.refund(staff["agency_admin"], payment.reference, "Nộp nhầm")
    assert national_codes(client, dossier, citizen) == {NationalStatus.PAYMENT_REQUESTED}


def test_a_withdrawn_dossier_is_withdrawn_whatever_it_owes(
    client: Client, copies_dossier: Callable[..., Dossier], citizen: User
) -> None:
    dossier = copies_dossier()
    dossier_services.withdraw(dossier.pk, citizen)
    assert national_codes(client, dossier, citizen) == {NationalStatus.WITHDRAWN}


def test_a_result_waiting_for_its_fees_still_counts_as_resolved(
    business_dossier: Dossier, staff: dict[str, User]
) -> None:
    dossier = business_dossier
    dossier_services.receive(dossier.pk, staff["receiver"], BUSINESS_CHECKLIST)
    dossier_services.assign(dossier.pk, staff["receiver"], staff["processor"])
    dossier_services.propose(dossier.pk, staff["processor"])
    dossier_services.approve(dossier.pk, staff["approver"])
    fact = DossierFact.objects.get(dossier_id=dossier.pk)
    assert fact.status == NationalStatus.PAYMENT_REQUESTED
    resolved = sum(DailyCount.objects.filter(scope=NATION).values_list("resolved", flat=True))
    assert resolved == 1
