"""The one shape of a refused request, shared by every part: ``{code, message, errors}``.

Services raise :class:`ServiceError` (or a subclass); the API turns it, and every other refusal
(bad parameters, unreadable bodies, CSRF, authentication, unknown paths), into :class:`ErrorOut`
in ``egov.config.api``. :data:`ERRORS` is the response map each operation declares, so that the
OpenAPI document names every status an operation can answer."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Schema


class ServiceError(Exception):
    """A refused operation; ``code`` is stable for API clients, the message is for people,
    ``errors`` names the fields at fault. Raise one of the kernel refusals below; a part
    subclasses one only when its clients need a distinct ``code``."""

    code = "invalid_input"
    http_status = 422

    def __init__(self, message: str, errors: Mapping[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = dict(errors or {})


# The kernel refusals, shared by every part (one class per answer a client can tell apart).


class NotFound(ServiceError, Http404):
    """No such object, or not the caller's to see (the answer does not tell which)."""

    code, http_status = "not_found", 404


class NotAllowed(ServiceError, PermissionDenied):
    """The caller's role or capacity may not do this."""

    code, http_status = "forbidden", 403


class WrongState(ServiceError):
    """The object's status does not allow the action."""

    code, http_status = "invalid_state", 409


class StaleVersion(ServiceError):
    """The ``version`` the caller saw is no longer the current one."""

    code, http_status = "stale", 409


class Conflict(ServiceError):
    """The request clashes with what exists already (a duplicate, a second of a kind)."""

    code, http_status = "conflict", 409


class InvalidInput(ServiceError):
    """Validation failed; ``errors`` names each field at fault."""

    code, http_status = "invalid_input", 422


class TooManyRequests(ServiceError):
    """A rate limit, slow-down or lockout; ``retry_after`` (seconds) becomes ``Retry-After``."""

    code, http_status = "too_many_requests", 429

    def __init__(
        self,
        message: str,
        errors: Mapping[str, str] | None = None,
        *,
        retry_after: int | None = None,
    ):
        super().__init__(message, errors)
        self.retry_after = retry_after


# Lỗi: a stable ``code``, a ``message`` in the request's language, the fields at fault. The one
# error schema of every part's API (a comment, not a docstring, keeps the committed contract).
class ErrorOut(Schema):
    code: str
    message: str
    errors: dict[str, str]


#: The statuses any operation may answer besides its successes: a malformed request (400),
#: missing or refused credentials (401, 403), an unknown or hidden object (404), a state or
#: version conflict (409), a body over the size limit (413), invalid parameters (422) and a rate
#: limit (429). Every operation of the API is documented with them (``egov.config.api``).
ERROR_STATUSES = (400, 401, 403, 404, 409, 413, 422, 429)

#: The same as a ``response=`` map, for operations that spell their errors out.
ERRORS: dict[int, Any] = dict.fromkeys(ERROR_STATUSES, ErrorOut)


def error_body(code: str, message: str, errors: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The JSON body of an error response."""
    return {"code": code, "message": message, "errors": dict(errors or {})}
