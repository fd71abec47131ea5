"""Fees paid once: one payment for the application; each member's share becomes a paid payment
of its dossier, with its agency's receipt, when that dossier is filed; the share of a member
never filed is refunded; nobody else pays or sees it."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from egov.core.errors import NotFound, WrongState
from egov.core.models import AuditEntry
from egov.dossiers.models import Dossier
from egov.identity.models import User
from egov.interconnected import fees, services
from egov.interconnected.constants import PartState
from egov.interconnected.models import Application, Part
from egov.payments import services as payments
from egov.payments.constants import PaymentStatus
from egov.payments.models import Payment
from egov.payments.providers import sandbox

from .conftest import BIRTH, HEALTH_CARD, RESIDENCE, WARD_POLICE, parts

pytestmark = pytest.mark.usefixtures("in_process_registry")

RESIDENCE_FEE = 10_000  # 20.000 đ, half when filed online (Circular 75/2022/TT-BTC) [U]


@pytest.fixture(autouse=True)
def _sandbox(settings: Any) -> None:
    settings.PAYMENT_PROVIDER = "sandbox"


@pytest.fixture
def pay(commit: Callable[[], Any]) -> Callable[..., Payment]:
    """``pay(application)``: the applicant pays once and the sandbox bank approves it."""

    def settle(application: Application, result: str = "approved") -> Payment:
        payment, _url = fees.pay(
            application.pk,
            application.applicant,
            return_url="http://testserver/payments/return/sandbox/",
            client_ip="127.0.0.1",
        )
        answer = sandbox.signed(
            {
                "reference": payment.reference,
                "amount": str(payment.amount),
                "currency": payment.currency,
                "result": result,
                "transaction": "SBX0000000042",
                "return_url": "",
            }
        )
        with commit():
            payments.handle_callback("sandbox", answer, "notification")
        payment.refresh_from_db()
        return payment

    return settle


def paid_events(dossier_id: int) -> list[str]:
    return list(
        Dossier.objects.get(pk=dossier_id)
        .events.filter(kind__in=["paid", "payment_requested"])
        .values_list("kind", flat=True)
    )


def test_the_members_fees_are_computed_and_paid_in_one_order(
    apply: Callable[..., Application], pay: Callable[..., Payment]
) -> None:
    application = apply()
    # The birth registration is free, the card under six too: one share, the residence's.
    due = fees.shares(application)
    assert [(share.key, share.amount) for share in due] == [(RESIDENCE, RESIDENCE_FEE)]
    payment = pay(application)
    assert payment.status == PaymentStatus.PAID and payment.dossier is None
    assert (payment.amount, payment.purpose) == (RESIDENCE_FEE, application.code)
    assert payment.receipt_number is None  # each agency gives its own, with the share
    with pytest.raises(WrongState):
        pay(application)  # nothing is taken twice
    assert payments.group_payments(application.code).count() == 1


def test_a_share_paid_before_its_dossier_is_filed_is_never_asked_for(
    apply: Callable[..., Application],
    pay: Callable[..., Payment],
    process: Callable[..., Dossier],
) -> None:
    application = apply()
    group = pay(application)
    assert not group.allocations.exists()  # the residence dossier is not filed yet
    process(parts(application)[BIRTH].dossier_id)
    residence = parts(application)[RESIDENCE]
    assert residence.state == PartState.FILED and residence.note == ""
    share = Payment.objects.get(group_payment=group)
    assert (share.dossier_id, share.share, share.amount) == (
        residence.dossier_id,
        RESIDENCE,
        RESIDENCE_FEE,
    )
    assert share.status == PaymentStatus.PAID and share.channel == "online"
    # The receipt is the agency's own: the commune police's series.
    assert share.receipt_series.startswith(
        Dossier.objects.get(pk=residence.dossier_id).agency.unit_code
    )
    dossier = Dossier.objects.get(pk=residence.dossier_id)
    assert dossier.agency.code == WARD_POLICE and not dossier.awaiting_payment
    assert paid_events(dossier.pk) == ["paid"]  # never asked, counted as paid online
    # Run again, nothing more is allocated.
    services.settle_fees(application)
    services.advance(application.pk)
    assert Payment.objects.filter(group_payment=group).count() == 1


def test_a_share_paid_after_its_dossier_is_filed_settles_it(
    apply: Callable[..., Application],
    pay: Callable[..., Payment],
    process: Callable[..., Dossier],
) -> None:
    application = apply()
    process(parts(application)[BIRTH].dossier_id)
    residence = parts(application)[RESIDENCE]
    assert Dossier.objects.get(pk=residence.dossier_id).awaiting_payment
    group = pay(application)
    assert group.amount == RESIDENCE_FEE
    dossier = Dossier.objects.get(pk=residence.dossier_id)
    assert not dossier.awaiting_payment
    assert paid_events(dossier.pk) == ["payment_requested", "paid"]
    assert parts(application)[RESIDENCE].note == ""


def test_a_member_paid_on_its_own_dossier_is_not_paid_again(
    apply: Callable[..., Application],
    process: Callable[..., Dossier],
    officials: Callable[[str], dict[str, User]],
) -> None:
    application = apply()
    process(parts(application)[BIRTH].dossier_id)
    residence = parts(application)[RESIDENCE]
    payments.record_counter_payment(
        officials(WARD_POLICE)["receiver"], residence.dossier_id, "cash"
    )
    assert fees.shares(application) == []
    with pytest.raises(WrongState):
        fees.pay(
            application.pk, application.applicant, return_url="http://x/", client_ip="127.0.0.1"
        )


def test_the_share_of_a_member_that_cannot_start_is_refunded_once(
    apply: Callable[..., Application],
    pay: Callable[..., Payment],
    officials: Callable[[str], dict[str, User]],
    commit: Callable[[], Any],
) -> None:
    from egov.dossiers import services as dossier_services

    application = apply()
    group = pay(application)
    birth = parts(application)[BIRTH]
    with commit():
        dossier_services.refuse_intake(
            birth.dossier_id, officials(birth.agency.code)["receiver"], "Giấy chứng sinh sai"
        )
    by_code = parts(application)
    assert by_code[RESIDENCE].state == PartState.CANCELLED
    assert by_code[HEALTH_CARD].state == PartState.CANCELLED
    refunds = group.events.filter(kind="share_refunded")
    assert [(e.data["share"], e.data["amount"]) for e in refunds] == [(RESIDENCE, RESIDENCE_FEE)]
    assert not group.allocations.exists()
    services.settle_fees(application)
    assert group.events.filter(kind="share_refunded").count() == 1
    # The refunded share is never allocated, even if asked.
    assert payments.allocate_share(group, RESIDENCE, birth.dossier_id) is None
    assert application.events.filter(kind="share_refunded").count() == 1


def test_withdrawing_refunds_the_unfiled_shares(
    apply: Callable[..., Application], pay: Callable[..., Payment], commit: Callable[[], Any]
) -> None:
    application = apply()
    group = pay(application)
    with commit():
        services.withdraw_application(application.pk, application.applicant, "Nộp nhầm")
    assert group.events.filter(kind="share_refunded", data__share=RESIDENCE).count() == 1


def test_nothing_to_pay_is_said_and_refused(
    apply: Callable[..., Application], client: Client
) -> None:
    application = apply()
    Part.objects.filter(application=application, procedure_code=RESIDENCE).update(
        state=PartState.CANCELLED
    )
    assert fees.shares(application) == []
    with pytest.raises(WrongState):
        fees.pay(
            application.pk, application.applicant, return_url="http://x/", client_ip="127.0.0.1"
        )


def test_the_page_pays_once_and_shows_each_agencys_receipt(
    apply: Callable[..., Application], client: Client, process: Callable[..., Dossier]
) -> None:
    application = apply()
    client.force_login(application.applicant)
    page = client.get(f"/lien-thong/ho-so/{application.pk}/").content.decode()
    assert "Lệ phí đăng ký thường trú" in page and "10.000" in page
    answer = client.post(f"/lien-thong/ho-so/{application.pk}/le-phi/")
    assert answer.status_code == 302 and "/payments/sandbox/bank/" in answer["Location"]
    bank = client.get(answer["Location"])
    assert bank.status_code == 200
    group = payments.group_payments(application.code).get()
    form = {
        "reference": group.reference,
        "amount": str(group.amount),
        "currency": group.currency,
        "return_url": "http://testserver/payments/return/sandbox/",
    }
    approved = client.post(
        "/payments/sandbox/bank/",
        {**form, "signature": sandbox.sign(form), "decision": "approve"},
    )
    back = client.get(approved["Location"])
    assert back.status_code == 302 and back["Location"] == f"/payments/{group.reference}/"
    detail = client.get(back["Location"]).content.decode()
    assert application.code in detail and f"/lien-thong/ho-so/{application.pk}/" in detail
    process(parts(application)[BIRTH].dossier_id)
    page = client.get(f"/lien-thong/ho-so/{application.pk}/").content.decode()
    share = Payment.objects.get(group_payment=group)
    assert share.receipt_label in page
    assert client.get(f"/payments/{share.reference}/receipt.pdf").status_code == 200


def test_nobody_else_pays_or_sees_the_payment(
    apply: Callable[..., Application],
    pay: Callable[..., Payment],
    client: Client,
    other_citizen: User,
) -> None:
    application = apply()
    group = pay(application)
    client.force_login(other_citizen)
    assert client.post(f"/lien-thong/ho-so/{application.pk}/le-phi/").status_code == 404
    assert client.get(f"/payments/{group.reference}/").status_code == 404
    assert AuditEntry.objects.filter(
        action="permission_denied", object_type="payment", object_id=group.reference
    ).exists()
    with pytest.raises(NotFound):
        fees.pay(application.pk, other_citizen, return_url="http://x/", client_ip="127.0.0.1")


def test_the_api_shows_and_pays_the_fees(apply: Callable[..., Application], client: Client) -> None:
    application = apply()
    client.force_login(application.applicant)
    url = f"/api/v1/interconnected/applications/{application.pk}"
    shown = client.get(f"{url}/fees").json()
    assert shown["due_total"] == RESIDENCE_FEE and shown["payment"] is None
    assert [d["procedure"] for d in shown["due"]] == [RESIDENCE]
    started = client.post(f"{url}/pay")
    assert started.status_code == 201, started.content
    body = started.json()
    assert body["amount"] == RESIDENCE_FEE and "/payments/sandbox/bank/" in body["redirect_url"]
    again = client.post(f"{url}/pay").json()
    assert again["payment"] == body["payment"]  # an open order for the same shares is reused
    assert client.get(f"{url}/fees").json()["payment_status"] == "pending"
