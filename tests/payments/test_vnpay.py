"""The VNPay adapter: the signed payment URL, verification of the return redirect and the IPN,
and a whole payment against a local server that speaks the VNPay protocol over HTTP."""

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from django.utils import timezone

from egov.core.models import AuditEntry
from egov.dossiers.models import Dossier, DossierEvent
from egov.identity.models import User
from egov.payments import services
from egov.payments.constants import PaymentStatus
from egov.payments.models import Payment
from egov.payments.providers.vnpay import VnpayProvider, canonical, sign

from .fake_vnpay import FakeVnpay, vnpay_sign

TMN, SECRET = "EGOVTEST", "TESTSECRETTESTSECRETTESTSECRET12"


@pytest.fixture
def gateway(settings: Any) -> Iterator[FakeVnpay]:
    with FakeVnpay(TMN, SECRET) as fake:
        settings.PAYMENT_PROVIDER = "vnpay"
        settings.VNPAY_TMN_CODE, settings.VNPAY_HASH_SECRET = TMN, SECRET
        settings.VNPAY_URL = fake.url
        yield fake


def start(dossier: Dossier, payer: User, return_url: str) -> tuple[Payment, str]:
    return services.start_online_payment(
        payer, dossier.pk, return_url=return_url, client_ip="10.0.0.7"
    )


# --- the protocol, without a network --------------------------------------------------------------


@pytest.mark.django_db
def test_the_payment_url_carries_the_signed_parameters(
    gateway: FakeVnpay, copies_dossier: Callable[..., Dossier], citizen: User
) -> None:
    payment, url = start(
        copies_dossier(), citizen, "https://dichvucong.example.vn/payments/return/vnpay/"
    )
    assert url.startswith(gateway.url + "?")
    params = dict(parse_qsl(urlsplit(url).query))
    assert params["vnp_Amount"] == "300000"  # 3.000 đ × 100
    assert params["vnp_TxnRef"] == payment.reference
    assert params["vnp_ReturnUrl"] == "https://dichvucong.example.vn/payments/return/vnpay/"
    assert (params["vnp_Version"], params["vnp_Command"], params["vnp_CurrCode"]) == (
        "2.1.0",
        "pay",
        "VND",
    )
    assert params["vnp_IpAddr"] == "10.0.0.7" and params["vnp_Locale"] == "vn"
    assert re.fullmatch(r"\d{14}", params["vnp_CreateDate"])
    expires = timezone.localtime(payment.expires_at).strftime("%Y%m%d%H%M%S")
    assert params["vnp_ExpireDate"] == expires
    assert params["vnp_SecureHash"] == vnpay_sign(params, SECRET)
    assert gateway.check_request(params) == ""


def test_the_signed_string_is_sorted_and_url_encoded() -> None:
    params = {
        "vnp_b": "a b/c",
        "vnp_a": "Đ",
        "vnp_SecureHash": "x",
        "vnp_SecureHashType": "y",
        "other": "z",
    }
    assert canonical(params) == "vnp_a=%C4%90&vnp_b=a+b%2Fc"
    assert sign(params, SECRET) == vnpay_sign({"vnp_a": "Đ", "vnp_b": "a b/c"}, SECRET)


def _result(**changes: str) -> dict[str, str]:
    fake = FakeVnpay(TMN, SECRET)
    order = {"vnp_Amount": "300000", "vnp_OrderInfo": "x", "vnp_TxnRef": "R1"}
    params = fake.result(order, approve=True, **changes)
    fake.server.server_close()
    return params


def test_a_valid_result_is_read() -> None:
    callback = VnpayProvider(tmn_code=TMN, hash_secret=SECRET, url="").parse_callback(_result())
    assert (callback.reference, callback.amount, callback.currency, callback.success) == (
        "R1",
        3000,
        "VND",
        True,
    )


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (lambda p: p.update(vnp_Amount="100"), "invalid_signature"),  # tampered after signing
        (lambda p: p.update(vnp_SecureHash=vnpay_sign(p, "another secret")), "invalid_signature"),
        (lambda p: p.pop("vnp_SecureHash"), "invalid_signature"),
    ],
)
def test_forged_or_tampered_results_are_refused(tamper: Callable[[dict], Any], reason: str) -> None:
    from egov.payments.providers import InvalidCallback

    params = _result()
    tamper(params)
    with pytest.raises(InvalidCallback, match=reason):
        VnpayProvider(tmn_code=TMN, hash_secret=SECRET, url="").parse_callback(params)


def test_a_result_for_another_terminal_is_refused() -> None:
    from egov.payments.providers import InvalidCallback

    with pytest.raises(InvalidCallback, match="wrong_merchant"):
        VnpayProvider(tmn_code=TMN, hash_secret=SECRET, url="").parse_callback(
            _result(vnp_TmnCode="OTHER001")
        )


def test_success_needs_both_codes() -> None:
    provider = VnpayProvider(tmn_code=TMN, hash_secret=SECRET, url="")
    assert not provider.parse_callback(_result(vnp_TransactionStatus="01")).success
    assert not provider.parse_callback(_result(vnp_ResponseCode="24")).success


# --- over HTTP, against the local gateway ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_payment_through_the_gateway_with_ipn_and_return(
    gateway: FakeVnpay, live_server: Any, copies_dossier: Callable[..., Dossier], citizen: User
) -> None:
    gateway.ipn_url = f"{live_server.url}/payments/notify/vnpay/"
    dossier = copies_dossier()
    payment, url = start(dossier, citizen, f"{live_server.url}/payments/return/vnpay/")

    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and "30 VND" not in page.text and "3000 VND" in page.text
    token = re.search(r"token=(\w+)", page.text).group(1)
    back = requests.get(
        f"{gateway.url.rsplit('/', 1)[0]}/pay?token={token}&decision=approve",
        allow_redirects=False,
        timeout=10,
    )
    # The IPN came first and was confirmed; then the browser goes back to the portal.
    assert gateway.ipn_answers == [{"RspCode": "00", "Message": "Confirm Success"}]
    assert back.status_code == 302
    returned = requests.get(back.headers["Location"], allow_redirects=False, timeout=10)
    assert returned.status_code == 302
    assert returned.headers["Location"] == f"/payments/{payment.reference}/"

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.provider_transaction
    assert DossierEvent.objects.filter(dossier=dossier, kind="paid").count() == 1

    # The same IPN again: already confirmed, nothing changes.
    order = next(iter(gateway.orders.values()))
    again = dict(parse_qsl(urlsplit(back.headers["Location"]).query))
    assert gateway.notify(again) == {"RspCode": "02", "Message": "Order already confirmed"}
    assert DossierEvent.objects.filter(dossier=dossier, kind="paid").count() == 1
    assert order["vnp_TxnRef"] == payment.reference


@pytest.mark.django_db(transaction=True)
def test_ipn_answers_for_bad_notifications(
    gateway: FakeVnpay, live_server: Any, copies_dossier: Callable[..., Dossier], citizen: User
) -> None:
    gateway.ipn_url = f"{live_server.url}/payments/notify/vnpay/"
    payment, url = start(copies_dossier(), citizen, f"{live_server.url}/payments/return/vnpay/")
    order = dict(parse_qsl(urlsplit(url).query))

    tampered = gateway.result(order, approve=True)
    tampered["vnp_Amount"] = "100"
    assert gateway.notify(tampered) == {"RspCode": "97", "Message": "Invalid signature"}
    assert gateway.notify(gateway.result(order, approve=True, vnp_Amount="100")) == {
        "RspCode": "04",
        "Message": "Invalid amount",
    }
    assert gateway.notify(gateway.result(order, approve=True, vnp_TxnRef="20260101AAAAAAAAAA")) == {
        "RspCode": "01",
        "Message": "Order not found",
    }
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    reasons = list(
        AuditEntry.objects.filter(action="payment_callback_rejected").values_list(
            "data__reason", flat=True
        )
    )
    assert reasons == ["invalid_signature", "amount_mismatch", "unknown_order"]
    # The audit rows hold no personal data: references and reasons only.
    assert not AuditEntry.objects.filter(
        action="payment_callback_rejected", actor__isnull=False
    ).exists()

    declined = gateway.result(order, approve=False)
    assert gateway.notify(declined) == {"RspCode": "00", "Message": "Confirm Success"}
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED


@pytest.mark.django_db(transaction=True)
def test_a_forged_return_shows_an_error_and_changes_nothing(
    gateway: FakeVnpay, live_server: Any, copies_dossier: Callable[..., Dossier], citizen: User
) -> None:
    payment, url = start(copies_dossier(), citizen, f"{live_server.url}/payments/return/vnpay/")
    order = dict(parse_qsl(urlsplit(url).query))
    forged = gateway.result(order, approve=True)
    forged["vnp_SecureHash"] = "00" * 64
    response = requests.get(f"{live_server.url}/payments/return/vnpay/", params=forged, timeout=10)
    assert response.status_code == 400
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert payment.expires_at > timezone.now() + timedelta(minutes=10)
