"""The whole API, fuzzed from its OpenAPI document as an anonymous client, a citizen and an
official: no answer is a server error (5xx) and every status is one the document declares.

Bounded for the suite: a few derandomized examples of valid and of invalid requests per operation
(``FUZZ_EXAMPLES``), through Django's WSGI handler in the test's own transaction."""

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from egov.catalog.models import Procedure
from egov.identity.models import User
from tests.conftest import bearer

#: Examples per operation and generation mode (valid, invalid): 3 identities × ~80 operations.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
CHECKS = [not_a_server_error, status_code_conformance]


@pytest.fixture
def wsgi_app(settings: Any) -> Iterator[WSGIHandler]:
    """Django's WSGI handler, serving inside the test's transaction: like the test client, it
    must not close the database connection at the end of each request."""
    settings.ALLOWED_HOSTS = ["localhost"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _failures(operation: Any, headers: dict[str, str]) -> list[str]:
    """What goes wrong when ``operation`` is called with generated requests."""
    found: dict[str, str] = {}

    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case: Any) -> None:
            try:
                case.call_and_validate(headers=headers, checks=CHECKS)
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every failure reported
                key = f"{operation.label} [{mode.value}] {type(exc).__name__}"
                found.setdefault(key, f"{key}: {str(exc)[:600]}")

        try:
            call()
        except Unsatisfiable:
            pass  # nothing to make invalid: an operation without parameters or body
    return list(found.values())


@pytest.mark.parametrize("identity", ["anonymous", "citizen", "official"])
def test_the_api_never_fails_and_declares_every_status(
    wsgi_app: WSGIHandler,
    catalog: dict[str, Procedure],
    make_citizen: Callable[..., User],
    staff: dict[str, User],
    identity: str,
) -> None:
    headers = {
        "anonymous": lambda: {},
        "citizen": lambda: bearer(make_citizen()),
        "official": lambda: bearer(staff["receiver"]),
    }[identity]()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        failures.extend(_failures(result.ok(), headers))
    assert not failures, "\n\n".join(failures)
