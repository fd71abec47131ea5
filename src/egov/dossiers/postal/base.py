"""The interface every postal provider implements: quote a fee, book a consignment, read a
signed status callback."""

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: The weight egov declares for a result sent by post: an A4 envelope of a few sheets.
RESULT_WEIGHT_GRAMS = 100


@dataclass(frozen=True)
class Place:
    """Where a parcel goes from or to, as written on it."""

    province: str
    commune: str = ""
    street: str = ""


@dataclass(frozen=True)
class Parcel:
    """What egov books: one result, from the agency to the recipient."""

    order_code: str
    sender_name: str
    sender_phone: str
    sender: Place
    recipient_name: str
    recipient_phone: str
    recipient: Place
    content: str
    callback_url: str
    weight_grams: int = RESULT_WEIGHT_GRAMS


@dataclass(frozen=True)
class Booking:
    """The provider's answer to a booking: the consignment number (S10, e.g. EG123456785VN)."""

    consignment: str
    fee: int
    #: False when the provider already had this order code (a retried booking).
    created: bool = True


@dataclass(frozen=True)
class StatusReport:
    """A verified status callback: what happened to which consignment, and when."""

    event_id: str
    consignment: str
    status: str
    occurred_at: datetime
    note: str = ""


class ProviderError(Exception):
    """The provider could not be reached, or refused the request; the caller may retry."""


class InvalidCallback(Exception):
    """A callback that cannot be trusted: bad or missing signature, stale, malformed."""

    def __init__(self, reason: str, consignment: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.consignment = consignment[:40]


class PostalProvider(ABC):
    """One postal provider behind egov's delivery of results."""

    name = ""

    @abstractmethod
    def quote(self, sender: Place, recipient: Place, weight_grams: int) -> int:
        """The fee in VND to carry a parcel; ProviderError when it cannot say."""

    @abstractmethod
    def book(self, parcel: Parcel) -> Booking:
        """Book the consignment; the same ``order_code`` again returns the same consignment."""

    @abstractmethod
    def parse_callback(self, body: bytes, headers: Mapping[str, str]) -> StatusReport:
        """Verify and read a status callback; raise InvalidCallback."""

    def callback_answer(self, outcome: str) -> tuple[int, dict[str, Any]]:
        """The HTTP status and JSON body answering a callback."""
        return (200 if outcome in ("applied", "kept") else 400), {"outcome": outcome}
