"""Population verification answered beside Django, the registry's hot path.

Every identity check of the platform is one ``POST …/registries/population/verify``: an indexed
read of one record. Through Django's ASGI handler it costs several milliseconds of CPU, nearly
all of it the handler's (a thread and a database connection per request, fourteen
middlewares), not the read. Here a well-formed, authorised request is answered by the same
service function on one thread per process that keeps its database connection; anything else
(a refused key, an invalid body, a database error) goes on to Django untouched, so the API's
one error format and its documentation stay where they are (``registries.api``).
"""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pydantic
from django.db import DatabaseError, InterfaceError, connection

from . import services
from .api import VerifyIn, authorised

log = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

VERIFY_PATH = "/api/v1/registries/population/verify"
#: A verification request is about 100 bytes; a longer body is Django's to judge.
MAX_BODY = 4096
HEADERS = [(b"content-type", b"application/json; charset=utf-8")]

#: One thread, one connection kept open: Django's connections belong to the thread using them.
_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="registry")


def _verify(payload: VerifyIn) -> bytes | None:
    try:
        answer = services.verify_person(payload.personal_id, payload.full_name, payload.birth_date)
    except (DatabaseError, InterfaceError):
        log.warning("registry fast path: database error, handing the request to Django")
        connection.close()  # the next call connects anew
        return None
    body = {"match": answer.match, "found": answer.found, "differences": list(answer.differences)}
    return json.dumps(body).encode()


def _bearer(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" else ""
    return ""


async def _body(receive: Receive) -> tuple[list[dict[str, Any]], bytes | None]:
    """The request's messages as read, and its body unless it is too long to be ours."""
    messages, size = [], 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, None
        size += len(message.get("body", b""))
        if size > MAX_BODY:
            return messages, None
        if not message.get("more_body", False):
            return messages, b"".join(m.get("body", b"") for m in messages)


def _replay(messages: list[dict[str, Any]], receive: Receive) -> Receive:
    """``receive`` with the messages already read given back first."""
    pending = list(messages)

    async def replayed() -> dict[str, Any]:
        return pending.pop(0) if pending else await receive()

    return replayed


def with_registry(django_application: Any) -> Any:
    async def application(scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"] == VERIFY_PATH
            and authorised(_bearer(scope))
        ):
            messages, body = await _body(receive)
            answer = None
            if body is not None:
                try:
                    payload = VerifyIn.model_validate_json(body)
                except pydantic.ValidationError:
                    pass  # Django answers with the API's error, in the caller's language
                else:
                    loop = asyncio.get_running_loop()
                    answer = await loop.run_in_executor(_thread, _verify, payload)
            if answer is not None:
                await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
                await send({"type": "http.response.body", "body": answer})
                return
            receive = _replay(messages, receive)
        await django_application(scope, receive, send)

    return application
