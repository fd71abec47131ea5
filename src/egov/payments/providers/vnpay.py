"""The VNPay payment gateway protocol, version 2.1.0 (sandbox.vnpayment.vn/apis/docs/thanh-toan-pay/pay.html).

The payer is sent to ``VNPAY_URL`` with the ``vnp_*`` parameters signed by HMAC-SHA512 with the
terminal's hash secret over the URL-encoded parameters sorted by name; VNPay sends them back to
the return URL and calls the IPN URL with the result, signed the same way.
"""

import hashlib
import hmac
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

from django.utils import timezone

from egov.core.calendar import VIETNAM

from .base import Callback, InvalidCallback, PaymentProvider

if TYPE_CHECKING:
    from egov.payments.constants import Outcome
    from egov.payments.models import Payment

VERSION = "2.1.0"
#: IPN answers (RspCode, Message) of the VNPay specification.
IPN_ANSWERS = {
    "settled": ("00", "Confirm Success"),
    "failed": ("00", "Confirm Success"),
    "not_found": ("01", "Order not found"),
    "already": ("02", "Order already confirmed"),
    "invalid_amount": ("04", "Invalid amount"),
    "invalid_signature": ("97", "Invalid signature"),
}
UNKNOWN_ERROR = ("99", "Unknown error")
#: Order types of VNPay's list; "other" for fees and charges.
ORDER_TYPE = "other"


def canonical(params: Mapping[str, str]) -> str:
    """``k=v&…`` over the ``vnp_`` parameters sorted by name, values URL-encoded (spaces as
    "+"), without the signature fields: the string VNPay signs."""
    return "&".join(
        f"{key}={quote_plus(str(params[key]))}"
        for key in sorted(params)
        if key.startswith("vnp_")
        and key not in ("vnp_SecureHash", "vnp_SecureHashType")
        and params[key] != ""
    )


def sign(params: Mapping[str, str], secret: str) -> str:
    return hmac.new(secret.encode(), canonical(params).encode(), hashlib.sha512).hexdigest()


def vn_time(moment: Any) -> str:
    """yyyyMMddHHmmss in GMT+7, as VNPay dates are written."""
    return moment.astimezone(VIETNAM).strftime("%Y%m%d%H%M%S")


class VnpayProvider(PaymentProvider):
    name = "vnpay"

    def __init__(self, *, tmn_code: str, hash_secret: str, url: str):
        self.tmn_code, self.hash_secret, self.url = tmn_code, hash_secret, url

    def request_params(
        self, payment: "Payment", *, return_url: str, client_ip: str
    ) -> dict[str, str]:
        created = timezone.now()
        expires = payment.expires_at or created + timedelta(minutes=15)
        return {
            "vnp_Version": VERSION,
            "vnp_Command": "pay",
            "vnp_TmnCode": self.tmn_code,
            "vnp_Amount": str(int(payment.amount) * 100),
            "vnp_CurrCode": payment.currency,
            "vnp_TxnRef": payment.reference,
            # ASCII only: some banks' pages do not show accented text in the order information.
            "vnp_OrderInfo": f"Thanh toan phi le phi ho so {payment.order_label}",
            "vnp_OrderType": ORDER_TYPE,
            "vnp_Locale": "vn",
            "vnp_ReturnUrl": return_url,
            "vnp_IpAddr": client_ip or "127.0.0.1",
            "vnp_CreateDate": vn_time(created),
            "vnp_ExpireDate": vn_time(expires),
        }

    def payment_url(self, payment: "Payment", *, return_url: str, client_ip: str) -> str:
        params = self.request_params(payment, return_url=return_url, client_ip=client_ip)
        query = canonical(params)
        return f"{self.url}?{query}&vnp_SecureHash={sign(params, self.hash_secret)}"

    def parse_callback(self, params: Mapping[str, str]) -> Callback:
        reference = str(params.get("vnp_TxnRef", ""))
        given = str(params.get("vnp_SecureHash", "")).lower()
        if not given or not hmac.compare_digest(given, sign(params, self.hash_secret)):
            raise InvalidCallback("invalid_signature", reference)
        if params.get("vnp_TmnCode") != self.tmn_code:
            raise InvalidCallback("wrong_merchant", reference)
        raw_amount = str(params.get("vnp_Amount", ""))
        if not raw_amount.isdigit() or int(raw_amount) % 100:
            raise InvalidCallback("malformed_amount", reference)
        if not reference:
            raise InvalidCallback("missing_reference", reference)
        response = str(params.get("vnp_ResponseCode", ""))
        status = str(params.get("vnp_TransactionStatus", ""))
        return Callback(
            reference=reference,
            amount=int(raw_amount) // 100,
            # VNPay's result carries no currency: the terminal settles in VND only.
            currency=str(params.get("vnp_CurrCode", "VND")),
            success=response == "00" and status == "00",
            provider_transaction=str(params.get("vnp_TransactionNo", "")),
            response_code=response,
        )

    def notification_answer(self, outcome: "Outcome") -> dict[str, Any]:
        code, message = IPN_ANSWERS.get(outcome.value, UNKNOWN_ERROR)
        return {"RspCode": code, "Message": message}
