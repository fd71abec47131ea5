"""A real upstream on loopback (aiohttp's server in a thread) and the gateway's proxy driven
in-process through ASGI, with the directory and the log in the test's database."""

import asyncio
import hashlib
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from asgiref.sync import async_to_sync

from egov.core.models import Agency
from egov.gateway import tokens, txlog
from egov.gateway.models import Grant, Member, Service
from egov.gateway.proxy import gateway
from tests.asgi import Answer
from tests.asgi import call as asgi_call

PROVIDER, CLIENT, OTHER = "000.00.00.G01/CSDLDC", "000.00.00.H26/MOTCUA", "000.00.00.G09/QLVB"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _echo(request: web.Request) -> web.Response:
    body = await request.read()
    return web.json_response(
        {
            "method": request.method,
            "path": request.path,
            "query": request.rel_url.raw_query_string,
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "body_sha256": hashlib.sha256(body).hexdigest(),
            "body_length": len(body),
        }
    )


async def _sink(request: web.Request) -> web.Response:
    """Reads a body of any size chunk by chunk and answers its length and SHA-256."""
    digest, length = hashlib.sha256(), 0
    async for chunk in request.content.iter_chunked(1 << 16):
        digest.update(chunk)
        length += len(chunk)
    return web.json_response({"body_sha256": digest.hexdigest(), "body_length": length})


async def _big(request: web.Request) -> web.StreamResponse:
    """``size`` bytes of a repeating pattern, streamed."""
    size = int(request.query["size"])
    response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
    response.content_length = size
    await response.prepare(request)
    block = bytes(range(256)) * 256
    sent = 0
    while sent < size:
        part = block[: min(len(block), size - sent)]
        await response.write(part)
        sent += len(part)
    await response.write_eof()
    return response


async def _slow(request: web.Request) -> web.Response:
    await asyncio.sleep(float(request.query.get("seconds", "3")))
    return web.json_response({"late": True})


async def _hop(request: web.Request) -> web.Response:
    return web.Response(
        text="ok", headers={"Connection": "close, X-Secret-Hop", "X-Secret-Hop": "1", "X-Kept": "1"}
    )


@dataclass
class Upstream:
    url: str
    loop: asyncio.AbstractEventLoop = field(repr=False)


@pytest.fixture(scope="session")
def upstream() -> Iterator[Upstream]:
    app = web.Application(client_max_size=1 << 30)
    app.router.add_route("*", "/echo/{tail:.*}", _echo)
    app.router.add_post("/sink", _sink)
    app.router.add_get("/big", _big)
    app.router.add_get("/slow", _slow)
    app.router.add_get("/hop", _hop)
    port, loop, ready = free_port(), asyncio.new_event_loop(), threading.Event()
    runner = web.AppRunner(app, shutdown_timeout=0.1)

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(10)
    yield Upstream(f"http://127.0.0.1:{port}", loop)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


@dataclass
class Platform:
    provider: Member
    client: Member
    other: Member
    service: Service

    def token(self, member: Member | None = None) -> str:
        return tokens.issue((member or self.client).code)[0]

    def headers(self, member: Member | None = None, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(member)}", **extra}


@pytest.fixture
def platform(db: Any, agencies: dict[str, Agency], upstream: Upstream, settings: Any) -> Platform:
    settings.GATEWAY_LOG_FLUSH_SECONDS = 3600  # the tests write the log themselves (flush)
    txlog.writer.buffer.clear()
    gateway.invalidate()
    gateway.windows.clear()
    members = {
        code: Member.objects.create(code=code, agency=agencies[code.split("/")[0]], name=code)
        for code in (PROVIDER, CLIENT, OTHER)
    }
    service = Service.objects.create(
        owner=members[PROVIDER],
        code="echo",
        title="Echo",
        upstream_url=f"{upstream.url}/echo",
        quota_per_minute=0,
        timeout_seconds=1,
    )
    Grant.objects.create(client=members[CLIENT], service=service)
    return Platform(members[PROVIDER], members[CLIENT], members[OTHER], service)


def call(
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes | list[bytes] = b"",
    query: str = "",
    on_chunk: Callable[[bytes], None] | None = None,
) -> Answer:
    """One request through the proxy's ASGI application (see ``tests.asgi.call``)."""

    async def run() -> Answer:
        try:
            return await asgi_call(gateway, method, path, headers, body, query, on_chunk)
        finally:
            await gateway.close()

    return async_to_sync(run)()


def change(service: Service, **fields: Any) -> None:
    """Change a service as an operator would (saved: the proxy re-reads its directory)."""
    for name, value in fields.items():
        setattr(service, name, value)
    service.save()


def flush() -> int:
    return txlog.writer.flush()
