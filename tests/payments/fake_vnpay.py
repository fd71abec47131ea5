"""A small local server that speaks the VNPay payment protocol (version 2.1.0), for tests: it
checks the signed payment URL, serves a payment page, and on the tester's decision calls the
merchant's IPN URL over HTTP and redirects the browser to the return URL, both signed with the
terminal's hash secret, as the real gateway does."""

import hashlib
import hmac
import secrets
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit
from zoneinfo import ZoneInfo

import requests

REQUIRED = (
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_Amount",
    "vnp_CurrCode",
    "vnp_TxnRef",
    "vnp_OrderInfo",
    "vnp_OrderType",
    "vnp_Locale",
    "vnp_ReturnUrl",
    "vnp_IpAddr",
    "vnp_CreateDate",
    "vnp_ExpireDate",
)


def vnpay_sign(params: dict[str, str], secret: str) -> str:
    """Written from the specification, independently of egov's adapter."""
    fields = sorted(
        (k, v) for k, v in params.items() if k not in ("vnp_SecureHash", "vnp_SecureHashType")
    )
    data = "&".join(f"{k}={quote_plus(v)}" for k, v in fields)
    return hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()


class FakeVnpay:
    def __init__(self, tmn_code: str, secret: str) -> None:
        self.tmn_code, self.secret = tmn_code, secret
        self.ipn_url = ""
        self.orders: dict[str, dict[str, str]] = {}
        self.ipn_answers: list[dict[str, Any]] = []
        self.refused: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/paymentv2/vpcpay.html"

    def __enter__(self) -> "FakeVnpay":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- the gateway's side ---------------------------------------------------------------------

    def check_request(self, params: dict[str, str]) -> str:
        """Why a payment URL is refused, or "" when it is good."""
        missing = [name for name in REQUIRED if not params.get(name)]
        if missing:
            return f"missing {missing}"
        if params.get("vnp_SecureHash") != vnpay_sign(params, self.secret):
            return "invalid signature"
        if params["vnp_Version"] != "2.1.0" or params["vnp_Command"] != "pay":
            return "wrong version or command"
        if params["vnp_TmnCode"] != self.tmn_code or params["vnp_CurrCode"] != "VND":
            return "wrong terminal or currency"
        for name in ("vnp_CreateDate", "vnp_ExpireDate"):
            datetime.strptime(params[name], "%Y%m%d%H%M%S")  # noqa: DTZ007 - GMT+7 by the spec
        if not params["vnp_Amount"].isdigit() or int(params["vnp_Amount"]) % 100:
            return "amount must be VND × 100"
        return ""

    def result(self, order: dict[str, str], approve: bool, **changes: str) -> dict[str, str]:
        """The signed parameters sent to the return URL and the IPN URL."""
        params = {
            "vnp_Amount": order["vnp_Amount"],
            "vnp_BankCode": "NCB",
            "vnp_BankTranNo": "VNP" + secrets.token_hex(4).upper(),
            "vnp_CardType": "ATM",
            "vnp_OrderInfo": order["vnp_OrderInfo"],
            "vnp_PayDate": datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%Y%m%d%H%M%S"),
            "vnp_ResponseCode": "00" if approve else "24",
            "vnp_TmnCode": self.tmn_code,
            "vnp_TransactionNo": str(secrets.randbelow(10**8)),
            "vnp_TransactionStatus": "00" if approve else "02",
            "vnp_TxnRef": order["vnp_TxnRef"],
            **changes,
        }
        return {**params, "vnp_SecureHash": vnpay_sign(params, self.secret)}

    def notify(self, params: dict[str, str]) -> dict[str, Any]:
        """Call the merchant's IPN URL, as VNPay does (GET with the signed query)."""
        answer = requests.get(self.ipn_url, params=params, timeout=10).json()
        self.ipn_answers.append(answer)
        return answer

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body.encode())

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                params = dict(parse_qsl(url.query, keep_blank_values=True))
                if url.path == "/paymentv2/vpcpay.html":
                    problem = gateway.check_request(params)
                    if problem:
                        gateway.refused.append(problem)
                        self._send(400, f"<p>{problem}</p>")
                        return
                    token = secrets.token_hex(8)
                    gateway.orders[token] = params
                    amount = int(params["vnp_Amount"]) // 100
                    self._send(
                        200,
                        f'<h1>VNPAY</h1><p>{amount} VND</p><a href="/paymentv2/pay?token={token}'
                        f'&decision=approve">Thanh toán</a>',
                    )
                elif url.path == "/paymentv2/pay":
                    order = gateway.orders[params["token"]]
                    result = gateway.result(order, params.get("decision") == "approve")
                    gateway.notify(result)
                    location = f"{order['vnp_ReturnUrl']}?{urlencode(result)}"
                    self._send(302, "", {"Location": location})
                else:
                    self._send(404, "not found")

        return Handler
