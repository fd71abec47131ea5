"""A VNPost-style postal protocol: JSON over HTTPS, each message signed with HMAC-SHA256.

egov calls ``{VNPOST_URL}/v1/quotes`` (the fee) and ``{VNPOST_URL}/v1/orders`` (book a
consignment under egov's order code; the same code again answers the same consignment), and
receives status callbacks at ``/postal/callback/vnpost/``. Every message, both ways, carries
``X-VNPost-Client`` (the customer code), ``X-VNPost-Timestamp`` (Unix seconds) and
``X-VNPost-Signature``: hex HMAC-SHA256 with the shared secret over ``{timestamp}.{body}``. A
callback older or newer than ``POSTAL_CALLBACK_MAX_AGE`` seconds is refused, and a callback's
``event_id`` is accepted once. What of this the real VNPost API does differently is listed in
docs/delivery.md ([U])."""

import contextlib
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import requests

from ..constants import PostalStatus
from .base import (
    Booking,
    InvalidCallback,
    Parcel,
    Place,
    PostalProvider,
    ProviderError,
    StatusReport,
)

#: The public postal service for administrative results ("bưu chính công ích", BCCI).
SERVICE = "BCCI"
TIMEOUT = 10
#: The protocol's status codes and egov's statuses.
STATUS_CODES = {
    "ACCEPTED": PostalStatus.ACCEPTED,
    "IN_TRANSIT": PostalStatus.IN_TRANSIT,
    "DELIVERED": PostalStatus.DELIVERED,
    "DELIVERY_FAILED": PostalStatus.FAILED,
    "RETURNED": PostalStatus.RETURNED,
}
#: Answers to a callback: (HTTP status, code, message).
ANSWERS = {
    "applied": (200, "00", "OK"),
    "kept": (200, "00", "OK"),
    "invalid_signature": (401, "97", "Invalid signature"),
    "stale": (401, "98", "Stale or future timestamp"),
    "malformed": (400, "99", "Malformed"),
    "unknown_consignment": (404, "01", "Consignment not found"),
    "replayed": (409, "02", "Event already received"),
}


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def signed_headers(
    client_code: str, secret: str, body: bytes, now: float | None = None
) -> dict[str, str]:
    timestamp = str(int(time.time() if now is None else now))
    return {
        "Content-Type": "application/json",
        "X-VNPost-Client": client_code,
        "X-VNPost-Timestamp": timestamp,
        "X-VNPost-Signature": sign(secret, timestamp, body),
    }


def _header(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    return next((str(v) for k, v in headers.items() if k.lower() == wanted), "")


class VnpostProvider(PostalProvider):
    name = "vnpost"

    def __init__(self, *, url: str, client_code: str, secret: str, max_age: int = 300):
        self.url, self.client_code, self.secret = url.rstrip("/"), client_code, secret
        self.max_age = max_age

    def _post(self, path: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        try:
            response = requests.post(
                self.url + path,
                data=body,
                headers=signed_headers(self.client_code, self.secret, body),
                timeout=TIMEOUT,
            )
        except requests.RequestException as exc:
            raise ProviderError(f"unreachable: {type(exc).__name__}") from exc
        if response.status_code >= 400:
            code = ""
            with contextlib.suppress(ValueError):
                code = str(response.json().get("code", ""))
            raise ProviderError(f"refused: HTTP {response.status_code} {code}".strip())
        try:
            answer = response.json()
        except ValueError as exc:
            raise ProviderError("malformed answer") from exc
        if not isinstance(answer, dict):
            raise ProviderError("malformed answer")
        return answer

    @staticmethod
    def _place(place: Place) -> dict[str, str]:
        return {"province": place.province, "commune": place.commune}

    def quote(self, sender: Place, recipient: Place, weight_grams: int) -> int:
        answer = self._post(
            "/v1/quotes",
            {
                "service": SERVICE,
                "weight_grams": weight_grams,
                "from": self._place(sender),
                "to": self._place(recipient),
            },
        )
        fee = answer.get("fee")
        if not isinstance(fee, int) or fee < 0:
            raise ProviderError("malformed answer")
        return fee

    def book(self, parcel: Parcel) -> Booking:
        answer = self._post(
            "/v1/orders",
            {
                "order_code": parcel.order_code,
                "service": SERVICE,
                "weight_grams": parcel.weight_grams,
                "content": parcel.content,
                "sender": {
                    "name": parcel.sender_name,
                    "phone": parcel.sender_phone,
                    "address": parcel.sender.street,
                    **self._place(parcel.sender),
                },
                "receiver": {
                    "name": parcel.recipient_name,
                    "phone": parcel.recipient_phone,
                    "address": parcel.recipient.street,
                    **self._place(parcel.recipient),
                },
                "callback_url": parcel.callback_url,
            },
        )
        consignment, fee = answer.get("consignment"), answer.get("fee", 0)
        if not isinstance(consignment, str) or not consignment or not isinstance(fee, int):
            raise ProviderError("malformed answer")
        return Booking(consignment=consignment, fee=fee, created=bool(answer.get("created", True)))

    def parse_callback(self, body: bytes, headers: Mapping[str, str]) -> StatusReport:
        timestamp = _header(headers, "X-VNPost-Timestamp")
        given = _header(headers, "X-VNPost-Signature").lower()
        if (
            not given
            or not timestamp.isdigit()
            or _header(headers, "X-VNPost-Client") != self.client_code
            or not hmac.compare_digest(given, sign(self.secret, timestamp, body))
        ):
            raise InvalidCallback("invalid_signature")
        if abs(time.time() - int(timestamp)) > self.max_age:
            raise InvalidCallback("stale")
        try:
            data = json.loads(body)
            consignment = str(data["consignment"])[:40]
            status = STATUS_CODES[str(data["status"])]
            occurred_at = datetime.fromisoformat(str(data["occurred_at"]))
            event_id = str(data["event_id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidCallback("malformed") from exc
        if occurred_at.tzinfo is None or not event_id or len(event_id) > 64:
            raise InvalidCallback("malformed", consignment)
        return StatusReport(
            event_id=event_id,
            consignment=consignment,
            status=status,
            occurred_at=occurred_at,
            note=str(data.get("note", ""))[:200],
        )

    def callback_answer(self, outcome: str) -> tuple[int, dict[str, Any]]:
        status, code, message = ANSWERS.get(outcome, (400, "99", "Malformed"))
        return status, {"code": code, "message": message}
