"""The gateway's proxy, a plain ASGI application in front of Django (``egov.config.asgi``):
``{GATEWAY_PREFIX}{agency}/{system}/{service}/{path}`` is forwarded to the service's upstream.

Per call it verifies the caller's token, finds the route and the grant in the in-memory
directory, counts the quota, forwards method, path, query, headers and body (hop-by-hop headers
and the caller's credentials removed, ``X-Correlation-ID`` and ``X-Egov-Client`` added), streams
the response back chunk by chunk (a 200 MB body never sits in memory), and appends the call to
the transaction log. Nothing here touches the database on the way: the directory is refreshed
in a thread every few seconds and the log is written in batches by its own thread.
"""

import asyncio
import hashlib
import json
import logging
import os
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import yarl
from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils import timezone
from prometheus_client import Counter, Histogram

from . import directory, tokens, txlog
from .directory import Route, Snapshot
from .errors import REFUSALS
from .models import UpstreamAuth

log = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

#: RFC 9110 §7.6.1: meaningful for one connection only, never forwarded.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
    }
)
#: The caller's credentials and what the gateway sets itself.
NOT_FORWARDED = HOP_BY_HOP | {
    b"authorization",
    b"cookie",
    b"host",
    b"x-egov-client",
    b"x-correlation-id",
}
#: Set by the server that answers the caller (the ASGI server adds Date and Server itself).
SERVER_SET = frozenset({b"x-correlation-id", b"date", b"server"})
CORRELATION_RE = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
CHUNK = 64 * 1024

CALLS = Counter(
    "egov_gateway_calls", "Calls through the gateway by service and status.", ["service", "status"]
)
LATENCY = Histogram(
    "egov_gateway_latency_seconds",
    "Time from the call's arrival to its response's last byte.",
    ["service"],
    buckets=(0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


def _dropped(headers: list[tuple[bytes, bytes]]) -> frozenset[bytes]:
    """Hop-by-hop headers, with those the Connection header names (RFC 9110 §7.6.1)."""
    named = {
        token.strip().lower()
        for name, value in headers
        if name.lower() == b"connection"
        for token in value.split(b",")
    }
    return NOT_FORWARDED | named


@dataclass(frozen=True)
class Refusal:
    code: str
    headers: dict[str, str] = field(default_factory=dict)


class Call:
    """What the log keeps of one call while it runs."""

    __slots__ = (
        "at",
        "client",
        "correlation_id",
        "error",
        "method",
        "request_hash",
        "response_hash",
        "service",
        "started",
        "status",
    )

    def __init__(self, scope: Scope, correlation_id: str):
        self.started = time.perf_counter()
        self.at = timezone.now()
        self.correlation_id = correlation_id
        self.client = ""
        self.service = ""
        self.method = scope["method"]
        self.status = 0
        self.error = ""
        self.request_hash = hashlib.sha256()
        self.response_hash = hashlib.sha256()

    def entry(self, forwarded: bool) -> txlog.Entry:
        latency = time.perf_counter() - self.started
        CALLS.labels(self.service or "-", str(self.status)).inc()
        LATENCY.labels(self.service or "-").observe(latency)
        return txlog.Entry(
            at=self.at,
            client=self.client,
            service=self.service,
            method=self.method,
            status=self.status,
            error=self.error,
            latency_ms=latency * 1000,
            request_sha256=self.request_hash.hexdigest() if forwarded else "",
            response_sha256=self.response_hash.hexdigest(),
            correlation_id=self.correlation_id,
        )


class Gateway:
    """The ASGI application of the proxy (one per process)."""

    def __init__(self) -> None:
        self.snapshot = Snapshot()
        self.refreshing: asyncio.Task[None] | None = None
        self.session: aiohttp.ClientSession | None = None
        self.session_loop: asyncio.AbstractEventLoop | None = None
        #: (client, service id) -> [minute, calls in that minute]
        self.windows: dict[tuple[str, int], list[int]] = {}
        #: upstream token URL + client id -> (token, expiry)
        self.upstream_tokens: dict[str, tuple[str, float]] = {}

    # The directory -------------------------------------------------------------------------

    async def directory(self) -> Snapshot:
        if not self.snapshot.loaded_at:
            self.snapshot = await sync_to_async(directory.load)()
        elif directory.is_stale(self.snapshot) and self.refreshing is None:
            self.refreshing = asyncio.get_running_loop().create_task(self._refresh())
        return self.snapshot

    async def _refresh(self) -> None:
        try:
            self.snapshot = await sync_to_async(directory.load)()
        except Exception:  # keep serving the last snapshot
            log.exception("gateway directory not refreshed")
        finally:
            self.refreshing = None

    def invalidate(self) -> None:
        """Read the directory again before the next call (after a change in this process)."""
        self.snapshot = Snapshot()

    # HTTP -----------------------------------------------------------------------------------

    def client_session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self.session is None or self.session_loop is not loop or self.session.closed:
            self.session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=settings.GATEWAY_UPSTREAM_CONNECTIONS),
                auto_decompress=False,  # bytes pass through as the upstream sent them
                skip_auto_headers=("User-Agent", "Accept-Encoding", "Content-Type"),
            )
            self.session_loop = loop
        return self.session

    async def close(self) -> None:
        if self.session is not None and not self.session.closed:
            await self.session.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = _header(scope["headers"], b"x-correlation-id")
        correlation_id = given if CORRELATION_RE.match(given) else uuid.uuid4().hex
        call = Call(scope, correlation_id)
        forwarded = False
        try:
            decision = await self.check(scope, call)
            if isinstance(decision, Refusal):
                await self.refuse(send, call, decision)
            else:
                forwarded = True
                await self.forward(scope, receive, send, call, *decision)
        finally:
            txlog.writer.append(call.entry(forwarded))

    async def check(self, scope: Scope, call: Call) -> "tuple[Route, str] | Refusal":
        """The route and the rest of the path when the call may go through, else a refusal."""
        authorization = _header(scope["headers"], b"authorization")
        if not authorization.startswith("Bearer "):
            return Refusal("unauthenticated", {"www-authenticate": 'Bearer realm="egov-gateway"'})
        try:
            call.client = tokens.member_of(authorization[7:].strip())
        except tokens.InvalidToken as exc:
            return Refusal(exc.code, {"www-authenticate": 'Bearer error="invalid_token"'})
        snapshot = await self.directory()
        found = directory.route_for(snapshot, scope["path"][len(settings.GATEWAY_PREFIX) :])
        if found is None:
            return Refusal("unknown_service")
        route = found[0]
        call.service = route.name
        if state := directory.grant_state(snapshot, call.client, route):
            return Refusal(state)
        if route.quota_per_minute and not self._within_quota(call.client, route):
            return Refusal("quota_exceeded", {"retry-after": str(60 - int(time.time()) % 60)})
        return found

    def _within_quota(self, client: str, route: Route) -> bool:
        minute = int(time.time()) // 60
        window = self.windows.setdefault((client, route.id), [minute, 0])
        if window[0] != minute:
            window[0], window[1] = minute, 0
        window[1] += 1
        return window[1] <= route.quota_per_minute

    async def refuse(self, send: Send, call: Call, refusal: "Refusal") -> None:
        code, extra = refusal.code, refusal.headers
        status, message = REFUSALS[code]
        call.status, call.error = status, code
        body = json.dumps(
            {"code": code, "message": message, "errors": {}, "correlation_id": call.correlation_id},
            ensure_ascii=False,
        ).encode()
        call.response_hash.update(body)
        headers = [
            (b"content-type", b"application/json; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            (b"x-correlation-id", call.correlation_id.encode()),
            *((k.encode(), v.encode()) for k, v in extra.items()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        log.info(
            "gateway refused",
            extra={
                "code": code,
                "client": call.client,
                "service": call.service,
                "correlation_id": call.correlation_id,
            },
        )

    async def forward(
        self, scope: Scope, receive: Receive, send: Send, call: Call, route: Route, rest: str
    ) -> None:
        # The path as the caller encoded it (raw_path), so nothing is decoded and re-encoded.
        raw = scope.get("raw_path") or scope["path"].encode()
        raw_rest = raw.decode("latin-1").split("/", 5)[5] if rest else ""
        url = f"{route.upstream_url}/{raw_rest}" if rest else route.upstream_url
        if scope.get("query_string"):
            url = f"{url}?{scope['query_string'].decode('latin-1')}"
        dropped = _dropped(scope["headers"])
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in scope["headers"]
            if k.lower() not in dropped
        ]
        headers += [("X-Correlation-ID", call.correlation_id), ("X-Egov-Client", call.client)]
        try:
            if credential := await self.upstream_credential(route):
                headers.append(("Authorization", credential))
            body = await _request_body(receive, call)
            if isinstance(body, bytes):
                headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            timeout = aiohttp.ClientTimeout(
                total=None,
                sock_connect=min(route.timeout_seconds, 10),
                sock_read=route.timeout_seconds,
            )
            async with self.client_session().request(
                call.method,
                yarl.URL(url, encoded=True),
                headers=headers,
                data=body,
                timeout=timeout,
                allow_redirects=False,
                compress=False,
            ) as upstream:
                call.status = upstream.status
                out = [
                    (k.lower(), v)
                    for k, v in upstream.raw_headers
                    if k.lower() not in HOP_BY_HOP and k.lower() not in SERVER_SET
                ]
                out.append((b"x-correlation-id", call.correlation_id.encode()))
                await send(
                    {"type": "http.response.start", "status": upstream.status, "headers": out}
                )
                try:
                    async for chunk in upstream.content.iter_chunked(CHUNK):
                        call.response_hash.update(chunk)
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
                except (TimeoutError, aiohttp.ClientError) as exc:
                    # Headers are gone: break the connection so the caller sees a cut response.
                    call.error = (
                        "upstream_broke"
                        if not isinstance(exc, asyncio.TimeoutError)
                        else "upstream_timeout"
                    )
                    raise
                await send({"type": "http.response.body", "body": b""})
        except TimeoutError:
            if call.error:
                raise
            await self.refuse(send, call, Refusal("upstream_timeout"))
        except (aiohttp.ClientError, OSError) as exc:
            if call.error:
                raise
            log.warning(
                "gateway upstream unavailable",
                extra={"service": route.name, "reason": type(exc).__name__},
            )
            await self.refuse(send, call, Refusal("upstream_unavailable"))

    async def upstream_credential(self, route: Route) -> str | None:
        """The Authorization header the upstream expects from this gateway, if any."""
        if route.upstream_auth == UpstreamAuth.NONE:
            return None
        secret = os.environ.get(route.upstream_secret_env, "")
        if route.upstream_auth == UpstreamAuth.BEARER:
            return f"Bearer {secret}"
        key = f"{route.upstream_token_url} {route.upstream_client_id}"
        token, expires = self.upstream_tokens.get(key, ("", 0.0))
        if time.time() > expires - 30:
            async with self.client_session().post(
                route.upstream_token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": route.upstream_client_id,
                    "client_secret": secret,
                },
                # The session sends no Content-Type of its own (bodies pass through as they are).
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                timeout=aiohttp.ClientTimeout(total=10),
            ) as answer:
                if answer.status != 200:
                    raise aiohttp.ClientError(f"token refused: HTTP {answer.status}")
                grant = await answer.json()
            token, expires = grant["access_token"], time.time() + int(grant["expires_in"])
            self.upstream_tokens[key] = (token, expires)
        return f"Bearer {token}"


async def _request_body(receive: Receive, call: Call) -> bytes | AsyncIterator[bytes]:
    """The body as bytes when it came in one message (the common case), else a stream."""
    message = await receive()
    first = message.get("body", b"")
    call.request_hash.update(first)
    if not message.get("more_body"):
        return first

    async def stream() -> AsyncIterator[bytes]:
        yield first
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise OSError("the caller went away")
            chunk = message.get("body", b"")
            call.request_hash.update(chunk)
            more = message.get("more_body", False)
            yield chunk

    return stream()


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


gateway = Gateway()
