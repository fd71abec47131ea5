"""Payments at the service boundary: intents, verified callbacks settled exactly once, counter
payments, reductions claimed, expiry, refunds, the step guards and the dossier event ``paid``."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from egov.core.models import AuditEntry
from egov.dossiers import services as dossier_services
from egov.dossiers.models import Dossier, DossierEvent
from egov.dossiers.services import WrongState as DossierWrongState
from egov.identity.models import User
from egov.payments import services
from egov.payments.constants import PaymentStatus
from egov.payments.models import FeeClaim, Payment, PaymentEvent
from egov.payments.providers import sandbox
from egov.payments.services import NotAllowed, NotFound, Outcome, WrongState
from tests.conftest import BUSINESS_CHECKLIST

from .conftest import bank_says

pytestmark = pytest.mark.django_db


def paid_events(dossier: Dossier) -> list[DossierEvent]:
    return list(DossierEvent.objects.filter(dossier=dossier, kind="paid"))


def test_the_breakdown_shown_is_the_amount_charged(
    copies_dossier: Callable[..., Dossier], citizen: User, start_payment: Callable[..., Payment]
) -> None:
    dossier = copies_dossier()
    breakdown = services.fees_of(dossier)
    assert breakdown.total == 3000  # 3 copies × 2.000 đ, halved online
    payment = start_payment(dossier, citizen)
    assert payment.amount == 3000
    assert payment.status == PaymentStatus.PENDING
    assert payment.lines == breakdown.as_json()
    assert [e.kind for e in payment.events.all()] == ["created", "redirected"]


def test_a_second_click_reuses_the_open_intent(
    copies_dossier: Callable[..., Dossier], citizen: User, start_payment: Callable[..., Payment]
) -> None:
    dossier = copies_dossier()
    assert start_payment(dossier, citizen).pk == start_payment(dossier, citizen).pk
    assert Payment.objects.filter(dossier=dossier).count() == 1


def test_an_approved_notification_settles_the_payment_and_records_the_dossier_event(
    copies_dossier: Callable[..., Dossier], citizen: User, start_payment: Callable[..., Payment]
) -> None:
    dossier = copies_dossier()
    payment = start_payment(dossier, citizen)
    outcome, reference = services.handle_callback("sandbox", bank_says(payment), "notification")
    assert (outcome, reference) == (Outcome.SETTLED, payment.reference)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert payment.receipt_number == 1 and payment.receipt_series == "H26.31-26E"
    [event] = paid_events(dossier)
    # The contract the indicators part reads.
    assert event.data == {"channel": "online", "amount": 3000, "payment": payment.reference}
    assert services.outstanding(dossier) == 0


@pytest.mark.parametrize(
    "order",
    [("notification", "notification"), ("return", "notification"), ("notification", "return")],
)
def test_the_same_success_twice_in_any_order_settles_once(
    copies_dossier: Callable[..., Dossier],
    citizen: User,
    start_payment: Callable[..., Payment],
    order: tuple[str, str],
) -> None:
    dossier = copies_dossier()
    payment = start_payment(dossier, citizen)
    params = bank_says(payment)
    first = services.handle_callback("sandbox", params, order[0])[0]
    second = services.handle_callback("sandbox", params, order[1])[0]
    assert (first, second) == (Outcome.SETTLED, Outcome.ALREADY)
    assert len(paid_events(dossier)) == 1
    assert PaymentEvent.objects.filter(payment=payment, kind="paid").count() == 1
    payment.refresh_from_db()
    assert payment.receipt_number == 1
    repeated = AuditEntry.objects.get(action="payment_callback_repeated")
    assert (repeated.object_id, repeated.data["source"]) == (payment.reference, order[1])


def test_a_forged_signature_changes_nothing_and_is_audited(
    copies_dossier: Callable[..., Dossier], citizen: User, start_payment: Callable[..., Payment]
) -> None:
    payment = start_payment(copies_dossier(), citizen)
    params = bank_says(payment)
    params["signature"] = "0" * 64
    assert (
        services.handle_callback("sandbox", params, "notification")[0] is Outcome.INVALID_SIGNATURE
    )
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    entry = AuditEntry.objects.filter(action="payment_callback_rejected").latest("id")
    assert entry.object_id == payment.reference
    assert entry.data == {
        "provider": "sandbox",
        "source": "notification",
        "reason": "invalid_signature",
    }


def test_a_tampered_amount_breaks_the_signature(
    copies_dossier: Callable[..., Dossier], citizen: User, start_payment: Callable[..., Payment]
) -> None:
    payment = start_payment(copies_dossier(), citizen)
    params = {**bank_says(payment), "amount": "1"}
    assert services.handle_callback("sandbox", params, "return")[0] is Outcome.INVALID_SIGNATURE
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_a_signed_callback_for_another_amount_or_currency_is_refused(
    copies_dossier: Callable[..., Dossier], citizen: User, start_payment: Callable[..., Payment]
) -> None:
    payment = start_payment(copies_dossier(), citizen)
    for change in ({"amount": "1000"}, {"currency": "USD"}):
        outcome = services.handle_callback("sandbox", bank_says(payment, **change), "notification")[
            0
        ]
        assert outcome is Outcome.INVALID_AMOUNT
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert not paid_events(payment.dossier)


def test_an_unknown_order_is_refused(db: None) -> None:
    params = sandbox.signed(
        {
            "reference": "NOPE",
            "amount": "1",
            "currency": "VND",
            "result": "approved",
            "transaction": "",
            "return_url": "",
        }
    )
    assert services.handle_callback("sandbox", params, "notification") == (
        Outcome.NOT_FOUND,
        "NOPE",
    )


def test_a_callback_for_a_provider_not_enabled_is_refused(
    copies_dossier: Callable[..., Dossier], citizen: User, start_payment: Callable[..., Payment]
) -> None:
    payment = start_payment(copies_dossier(), citizen)
    assert services.handle_callback("vnpay", {"vnp_TxnRef": payment.reference}, "notification")[
        0
    ] is (Outcome.INVALID_SIGNATURE)


def test_a_declined_payment_fails_and_a_new_one_can_start(
    copies_dossier: Callable[..., Dossier], citizen: User, start_payment: Callable[..., Payment]
) -> None:
    dossier = copies_dossier()
    payment = start_payment(dossier, citizen)
    assert (
        services.handle_callback("sandbox", bank_says(payment, "declined"), "return")[0]
        is Outcome.FAILED
    )
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert start_payment(dossier, citizen).pk != payment.pk
    # A decline repeated after a success does not undo it.
    again = Payment.objects.exclude(pk=payment.pk).get(dossier=dossier)
    services.handle_callback("sandbox", bank_says(again), "notification")
    assert (
        services.handle_callback("sandbox", bank_says(again, "declined"), "notification")[0]
        is Outcome.ALREADY
    )
    again.refresh_from_db()
    assert again.status == PaymentStatus.PAID


def test_others_cannot_pay_or_see(
    copies_dossier: Callable[..., Dossier], other_citizen: User, staff: dict[str, User]
) -> None:
    dossier = copies_dossier()
    with pytest.raises(NotFound):
        services.start_online_payment(other_citizen, dossier.pk, return_url="/", client_ip="")
    with pytest.raises(NotAllowed):
        services.start_online_payment(staff["receiver"], dossier.pk, return_url="/", client_ip="")


def test_online_payment_off_refuses_to_start(
    copies_dossier: Callable[..., Dossier], citizen: User, settings: object
) -> None:
    settings.PAYMENT_PROVIDER = ""  # type: ignore[attr-defined]
    with pytest.raises(WrongState):
        services.start_online_payment(citizen, copies_dossier().pk, return_url="/", client_ip="")


def test_nothing_to_pay_when_exempt(business_dossier: Dossier, citizen: User) -> None:
    services.claim_reduction(citizen, business_dossier.pk, "MIEN_HO_NGHEO", declared=True)
    assert services.outstanding(business_dossier) == 0
    with pytest.raises(WrongState):
        services.start_online_payment(citizen, business_dossier.pk, return_url="/", client_ip="")


def test_claims_need_the_declaration_the_proof_and_the_applicant(
    business_dossier: Dossier, citizen: User, other_citizen: User, catalog: dict
) -> None:
    with pytest.raises(services.InvalidInput):
        services.claim_reduction(citizen, business_dossier.pk, "MIEN_HO_NGHEO", declared=False)
    with pytest.raises(services.InvalidInput):
        services.claim_reduction(citizen, business_dossier.pk, "GIAM_TRUC_TUYEN", declared=True)
    with pytest.raises(NotFound):
        services.claim_reduction(other_citizen, business_dossier.pk, "MIEN_HO_NGHEO", declared=True)
    assert not FeeClaim.objects.exists()


def test_counter_payment_by_the_receiver(business_dossier: Dossier, staff: dict[str, User]) -> None:
    payment = services.record_counter_payment(staff["receiver"], business_dossier.pk, "cash")
    assert payment.status == PaymentStatus.PAID and payment.amount == 50000
    assert payment.recorded_by == staff["receiver"]
    [event] = paid_events(business_dossier)
    assert event.data == {"channel": "counter", "amount": 50000, "payment": payment.reference}
    with pytest.raises(WrongState):
        services.record_counter_payment(staff["receiver"], business_dossier.pk, "card")


def test_counter_payment_refused_to_others(
    business_dossier: Dossier,
    staff: dict[str, User],
    make_official: Callable[..., User],
    other_ward: object,
) -> None:
    with pytest.raises(NotAllowed):
        services.record_counter_payment(staff["processor"], business_dossier.pk, "cash")
    with pytest.raises(NotFound):
        services.record_counter_payment(
            make_official(other_ward, "receiver"), business_dossier.pk, "cash"
        )
    with pytest.raises(services.InvalidInput):
        services.record_counter_payment(staff["receiver"], business_dossier.pk, "cheque")
    assert not Payment.objects.exists()


def test_receipt_numbers_run_per_agency_and_year(
    copies_dossier: Callable[..., Dossier], staff: dict[str, User]
) -> None:
    numbers = [
        services.record_counter_payment(
            staff["receiver"], copies_dossier().pk, "cash"
        ).receipt_number
        for _ in range(3)
    ]
    assert numbers == [1, 2, 3]


def test_stale_intents_expire_and_a_late_success_still_counts(
    copies_dossier: Callable[..., Dossier], citizen: User, start_payment: Callable[..., Payment]
) -> None:
    payment = start_payment(copies_dossier(), citizen)
    assert services.expire_stale() == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert services.expire_stale() == 1
        assert services.expire_stale() == 0
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.EXPIRED
    assert payment.events.filter(kind="expired").count() == 1
    # The bank took the money just before the intent expired: its signed word counts.
    assert (
        services.handle_callback("sandbox", bank_says(payment), "notification")[0]
        is Outcome.SETTLED
    )


def test_the_expiry_command(
    copies_dossier: Callable[..., Dossier], citizen: User, start_payment: Callable[..., Payment]
) -> None:
    from django.core.management import call_command

    start_payment(copies_dossier(), citizen)
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        call_command("expire_payments")
    assert Payment.objects.get().status == PaymentStatus.EXPIRED


def test_refund_by_the_agency_admin_only(business_dossier: Dossier, staff: dict[str, User]) -> None:
    payment = services.record_counter_payment(staff["receiver"], business_dossier.pk, "cash")
    with pytest.raises(NotAllowed):
        services.refund(staff["receiver"], payment.reference, "Nộp nhầm")
    refunded = services.refund(staff["agency_admin"], payment.reference, "Nộp nhầm")
    assert refunded.status == PaymentStatus.REFUNDED
    assert services.outstanding(business_dossier) == 50000


# --- step guards -------------------------------------------------------------------------------


def test_fees_due_at_submission_hold_back_receiving(
    copies_dossier: Callable[..., Dossier],
    citizen: User,
    staff: dict[str, User],
    start_payment: Callable[..., Payment],
) -> None:
    dossier = copies_dossier()
    checklist = {"BAN_CHINH": (True, ""), "BAN_SAO": (True, "")}
    assert dossier.national_status == 6
    with pytest.raises(DossierWrongState, match=r"3\.000"):
        dossier_services.receive(dossier.pk, staff["receiver"], checklist)
    services.handle_callback("sandbox", bank_says(start_payment(dossier, citizen)), "notification")
    dossier.refresh_from_db()
    assert dossier.national_status == 1
    assert dossier_services.receive(dossier.pk, staff["receiver"], checklist).status == "received"


def test_fees_due_before_the_result_hold_back_returning_it(
    business_dossier: Dossier, staff: dict[str, User]
) -> None:
    dossier = dossier_services.receive(business_dossier.pk, staff["receiver"], BUSINESS_CHECKLIST)
    dossier = dossier_services.assign(dossier.pk, staff["receiver"], staff["processor"])
    dossier = dossier_services.propose(dossier.pk, staff["processor"])
    dossier = dossier_services.approve(dossier.pk, staff["approver"])
    assert dossier.national_status == 6
    with pytest.raises(DossierWrongState) as refused:
        dossier_services.return_result(dossier.pk, staff["receiver"])
    assert "50.000" in refused.value.message
    services.record_counter_payment(staff["receiver"], dossier.pk, "card")
    assert dossier_services.return_result(dossier.pk, staff["receiver"]).status == "returned"


def test_procedures_without_fees_are_not_held(make_dossier: Callable[..., Dossier]) -> None:
    assert make_dossier("returned").status == "returned"


def test_expiry_is_scheduled_after_the_deadline_and_re_enqueued(
    copies_dossier: Callable[..., Dossier],
    citizen: User,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django_tasks import default_task_backend

    from egov.payments.constants import EXPIRY_GRACE as GRACE
    from egov.payments.tasks import expire_payments

    dossier = copies_dossier()
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        payment, _url = services.start_online_payment(
            citizen, dossier.pk, return_url="http://testserver/", client_ip=""
        )
    [scheduled] = default_task_backend.results
    assert scheduled.task.name == "expire_payments"
    assert scheduled.task.run_after == payment.expires_at + GRACE
    # Run before the deadline: nothing expires, and it comes back for the open intent.
    default_task_backend.clear()
    assert expire_payments.call() == 0
    [again] = default_task_backend.results
    assert again.task.run_after == payment.expires_at + GRACE
