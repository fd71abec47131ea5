"""Requests to an ASGI application in-process, as the server would make them."""

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    chunks: int = 0

    def json(self) -> Any:
        return json.loads(self.body)


async def call(
    application: Any,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes | list[bytes] = b"",
    query: str = "",
    on_chunk: Callable[[bytes], None] | None = None,
) -> Answer:
    """One request through ``application``. ``body`` as a list arrives in several messages
    (streamed); ``on_chunk`` sees each response chunk (the body is then not kept)."""
    parts = body if isinstance(body, list) else [body]
    messages = [
        {"type": "http.request", "body": part, "more_body": i < len(parts) - 1}
        for i, part in enumerate(parts)
    ]
    answer = Answer(0, {}, b"")
    kept: list[bytes] = []
    done = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await done.wait()  # the client stays until it has the whole answer, as a real one does
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            done.set()
        if message["type"] == "http.response.start":
            answer.status = message["status"]
            answer.headers = {k.decode().lower(): v.decode() for k, v in message["headers"]}
        elif message.get("body"):
            answer.chunks += 1
            (on_chunk or kept.append)(message["body"])

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "scheme": "http",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 50000),
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }
    await application(scope, receive, send)
    answer.body = b"".join(kept)
    return answer
