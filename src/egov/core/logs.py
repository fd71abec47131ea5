"""Logs: one JSON object per line, with the request id of the request (or of the request that
queued the task) the line belongs to, and never personal data.

Every logger of every part writes through the standard ``logging`` module; the formatter here
(structlog's, for records of the standard library) adds the time, level, logger, request id and
the ``extra`` fields, then :func:`redact` removes what could name a person: fields named after
personal data, and in any text, e-mail addresses and runs of 9 to 13 digits (personal ID
numbers, phone numbers, tax codes). Ids of rows, codes and channels stay: they let an operator
follow a dossier without learning who filed it.
"""

import re
import secrets
from typing import Any

import structlog
from structlog.typing import EventDict, WrappedLogger

from .text import without_personal_data

#: Fields that hold personal data, whatever their value.
PERSONAL_FIELDS = frozenset(
    {
        "address",
        "birth_date",
        "email",
        "full_name",
        "name",
        "password",
        "personal_id",
        "phone",
        "tax_code",
        "token",
        "username",
    }
)
REDACTED = "[redacted]"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def redact(_logger: WrappedLogger, _method: str, event: EventDict) -> EventDict:
    """The structlog processor that keeps personal data out of every line."""
    for key in list(event):
        if key in PERSONAL_FIELDS:
            event[key] = REDACTED
        elif isinstance(event[key], str):
            event[key] = without_personal_data(event[key], REDACTED)
    return event


def formatter() -> dict[str, Any]:
    """The ``LOGGING`` formatter: JSON lines."""
    return {
        "()": structlog.stdlib.ProcessorFormatter,
        "processors": [
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
        "foreign_pre_chain": [
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
            structlog.processors.TimeStamper(fmt="iso", utc=True),
        ],
    }


def request_id_from(header: str | None) -> str:
    """The caller's ``X-Request-ID`` when it is a plain token, else a new one."""
    if header and _REQUEST_ID.match(header):
        return header
    return secrets.token_hex(16)


def bind_request_id(request_id: str) -> None:
    structlog.contextvars.bind_contextvars(request_id=request_id)


def current_request_id() -> str | None:
    return structlog.contextvars.get_contextvars().get("request_id")


def unbind_request_id() -> None:
    structlog.contextvars.unbind_contextvars("request_id")
