"""The interface every payment provider implements."""

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from egov.payments.constants import Outcome
    from egov.payments.models import Payment


@dataclass(frozen=True)
class Callback:
    """A provider's verified word on one payment (return redirect or notification)."""

    reference: str
    amount: int  # VND
    currency: str
    success: bool
    provider_transaction: str = ""
    response_code: str = ""


class InvalidCallback(Exception):
    """The callback cannot be trusted (bad or missing signature, wrong merchant, malformed)."""

    def __init__(self, reason: str, reference: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.reference = reference[:32]


class PaymentProvider(ABC):
    """One payment gateway: where to send the payer, and how to read what comes back."""

    name = ""

    @abstractmethod
    def payment_url(self, payment: "Payment", *, return_url: str, client_ip: str) -> str:
        """The address of the provider's payment page for ``payment``."""

    @abstractmethod
    def parse_callback(self, params: Mapping[str, str]) -> Callback:
        """Verify and read a return redirect or notification; raise InvalidCallback."""

    def notification_answer(self, outcome: "Outcome") -> dict[str, Any]:
        """The JSON body answering a server-to-server notification."""
        return {"outcome": outcome.value}
