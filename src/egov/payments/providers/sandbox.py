"""The built-in sandbox bank, for trials: its own payment page where the tester approves or
declines, then a signed return redirect and a server-to-server notification, as a real gateway
sends. Signed with a key derived from SECRET_KEY; it never moves money."""

import hashlib
import hmac
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from .base import Callback, InvalidCallback, PaymentProvider

if TYPE_CHECKING:
    from egov.payments.constants import Outcome
    from egov.payments.models import Payment

FIELDS = ("reference", "amount", "currency", "result", "transaction", "return_url")


def _key() -> bytes:
    return hashlib.sha256(f"egov.payments.sandbox:{settings.SECRET_KEY}".encode()).digest()


def sign(params: Mapping[str, str]) -> str:
    message = "&".join(f"{name}={params.get(name, '')}" for name in FIELDS)
    return hmac.new(_key(), message.encode(), hashlib.sha256).hexdigest()


def signed(params: Mapping[str, str]) -> dict[str, str]:
    return {**params, "signature": sign(params)}


def verify(params: Mapping[str, str]) -> bool:
    return hmac.compare_digest(str(params.get("signature", "")), sign(params))


class SandboxProvider(PaymentProvider):
    name = "sandbox"

    def payment_url(self, payment: "Payment", *, return_url: str, client_ip: str) -> str:
        request = signed(
            {
                "reference": payment.reference,
                "amount": str(payment.amount),
                "currency": payment.currency,
                "return_url": return_url,
            }
        )
        return f"{reverse('payments:sandbox_bank')}?{urlencode(request)}"

    def parse_callback(self, params: Mapping[str, str]) -> Callback:
        reference = str(params.get("reference", ""))
        if not verify(params) or params.get("result") not in ("approved", "declined"):
            raise InvalidCallback("invalid_signature", reference)
        amount = str(params.get("amount", ""))
        if not amount.isdigit():
            raise InvalidCallback("malformed_amount", reference)
        return Callback(
            reference=reference,
            amount=int(amount),
            currency=str(params.get("currency", "")),
            success=params.get("result") == "approved",
            provider_transaction=str(params.get("transaction", "")),
            response_code="00" if params.get("result") == "approved" else "24",
        )

    def notification_answer(self, outcome: "Outcome") -> dict[str, Any]:
        return {"code": outcome.value}
