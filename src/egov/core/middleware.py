"""The request id: every request gets one (the caller's ``X-Request-ID`` when it is a plain
token, else a new one), every log line of the request carries it, the tasks the request queues
carry it on (``egov.core.task_origin``), and the response says it, so that a person reporting
a problem can quote it."""

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse

from . import logs

HEADER = "X-Request-ID"


class RequestIdMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if self.is_async:
            return self._acall(request)
        request_id = self._begin(request)
        try:
            response = self.get_response(request)
        finally:
            logs.unbind_request_id()
        response[HEADER] = request_id
        return response

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        request_id = self._begin(request)
        try:
            response = await self.get_response(request)
        finally:
            logs.unbind_request_id()
        response[HEADER] = request_id
        return response

    @staticmethod
    def _begin(request: HttpRequest) -> str:
        request_id = logs.request_id_from(request.headers.get(HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        logs.bind_request_id(request_id)
        return request_id
