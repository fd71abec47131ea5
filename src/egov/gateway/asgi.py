"""The process's ASGI application: the gateway's proxy under ``GATEWAY_PREFIX``, Django for
everything else, and the lifespan protocol, whose shutdown (the server's answer to SIGTERM)
writes the transaction log's last batch before the process exits."""

import gc
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings

from . import txlog
from .proxy import Receive, Scope, Send, gateway


def with_gateway(django_application: Any) -> Any:
    prefix = settings.GATEWAY_PREFIX

    async def application(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(prefix):
            await gateway(scope, receive, send)
        elif scope["type"] == "lifespan":
            await lifespan(receive, send)
        else:
            await django_application(scope, receive, send)

    return application


async def lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            txlog.writer.start()
            gc.collect()
            gc.freeze()  # what is loaded at startup is never garbage: no collection scans it
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await gateway.close()
            await sync_to_async(txlog.writer.stop, thread_sensitive=False)()
            await send({"type": "lifespan.shutdown.complete"})
            return
