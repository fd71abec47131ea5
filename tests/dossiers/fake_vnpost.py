"""A small local server that speaks the VNPost-style postal protocol of docs/delivery.md, for
tests: it checks each request's signature, quotes fees, books consignments under the caller's
order code (the same code again answers the same consignment), and sends signed status
callbacks to the callback URL a booking named, over HTTP. Written from the documented
protocol, independently of egov's adapter."""

import hashlib
import hmac
import json
import secrets
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import requests

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
SAME_PROVINCE, OTHER_PROVINCE = 20_000, 32_000


def vnpost_sign(secret: str, timestamp: str, body: bytes) -> str:
    """hex HMAC-SHA256 over ``{timestamp}.{body}``."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def s10(serial: int) -> str:
    """A UPU S10 identifier with its check digit (weights 8 6 4 2 3 5 9 7)."""
    digits = f"{serial:08d}"
    total = sum(int(d) * w for d, w in zip(digits, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    check = {10: 0, 11: 5}.get(11 - total % 11, 11 - total % 11)
    return f"EB{digits}{check}VN"


class FakeVnpost:
    def __init__(self, client_code: str, secret: str) -> None:
        self.client_code, self.secret = client_code, secret
        self.orders: dict[str, dict[str, Any]] = {}
        self.quotes: list[dict[str, Any]] = []
        self.refused: list[str] = []
        #: Book, then fail to answer this many times (the answer lost on the way back).
        self.lose_answers = 0
        #: Answer 503 to this many requests before doing anything.
        self.unavailable = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "FakeVnpost":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- the provider's side --------------------------------------------------------------------

    def check(self, headers: Any, body: bytes) -> str:
        timestamp = headers.get("X-VNPost-Timestamp", "")
        if headers.get("X-VNPost-Client") != self.client_code:
            return "unknown client"
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
            return "stale"
        if headers.get("X-VNPost-Signature") != vnpost_sign(self.secret, timestamp, body):
            return "invalid signature"
        return ""

    def quote(self, data: dict[str, Any]) -> int:
        same = data["from"]["province"].casefold() == data["to"]["province"].casefold()
        return SAME_PROVINCE if same else OTHER_PROVINCE

    def book(self, data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        code = data["order_code"]
        if code in self.orders:
            return self.orders[code], False
        for name in ("name", "phone", "address", "province", "commune"):
            if not data["receiver"].get(name):
                raise ValueError(f"receiver.{name} missing")
        order = {
            **data,
            "consignment": s10(len(self.orders) + 10_000_001),
            "fee": self.quote({"from": data["sender"], "to": data["receiver"]}),
        }
        self.orders[code] = order
        return order, True

    def signed(
        self, payload: dict[str, Any], timestamp: int | None = None
    ) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(payload).encode()
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        return body, {
            "Content-Type": "application/json",
            "X-VNPost-Client": self.client_code,
            "X-VNPost-Timestamp": stamp,
            "X-VNPost-Signature": vnpost_sign(self.secret, stamp, body),
        }

    def status_message(
        self,
        consignment: str,
        status: str,
        occurred_at: datetime | None = None,
        event_id: str = "",
        timestamp: int | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """A signed status callback (status: ACCEPTED, IN_TRANSIT, DELIVERED, DELIVERY_FAILED,
        RETURNED)."""
        order = next((o for o in self.orders.values() if o["consignment"] == consignment), {})
        return self.signed(
            {
                "event_id": event_id or secrets.token_hex(8),
                "consignment": consignment,
                "order_code": order.get("order_code", ""),
                "status": status,
                "occurred_at": (occurred_at or datetime.now(VIETNAM)).isoformat(),
                "note": "Bưu cục Ba Đình" if status == "ACCEPTED" else "",
            },
            timestamp,
        )

    def send_status(self, consignment: str, status: str, **options: Any) -> requests.Response:
        """Call the callback URL the booking named, over HTTP, as the provider does."""
        order = next(o for o in self.orders.values() if o["consignment"] == consignment)
        body, headers = self.status_message(consignment, status, **options)
        return requests.post(order["callback_url"], data=body, headers=headers, timeout=10)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if provider.unavailable:
                    provider.unavailable -= 1
                    self._send(503, {"code": "99", "message": "Service unavailable"})
                    return
                problem = provider.check(self.headers, body)
                if problem:
                    provider.refused.append(problem)
                    self._send(401, {"code": "97", "message": problem})
                    return
                data = json.loads(body)
                if self.path == "/v1/quotes":
                    provider.quotes.append(data)
                    self._send(200, {"fee": provider.quote(data), "currency": "VND"})
                elif self.path == "/v1/orders":
                    try:
                        order, created = provider.book(data)
                    except (KeyError, ValueError) as exc:
                        self._send(400, {"code": "03", "message": str(exc)})
                        return
                    if provider.lose_answers:
                        provider.lose_answers -= 1
                        self.connection.close()  # booked, but the answer never arrives
                        return
                    self._send(
                        201 if created else 200,
                        {
                            "consignment": order["consignment"],
                            "fee": order["fee"],
                            "created": created,
                        },
                    )
                else:
                    self._send(404, {"code": "04", "message": "not found"})

        return Handler
