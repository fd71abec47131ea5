"""The whole API, fuzzed from its OpenAPI document as an anonymous client, a citizen and an
official: no answer is a server error (5xx), every status is one the document declares, and
every body matches the schema the document gives for its status.

Bounded for the suite: a few derandomized examples of valid and of invalid requests per operation
(``FUZZ_EXAMPLES``), through Django's WSGI handler in the test's own transaction."""

import contextlib
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
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from egov.catalog.models import Procedure
from egov.identity.models import User
from tests.conftest import bearer

#: Examples per operation and generation mode (valid, invalid): 3 identities × ~80 operations.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


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


def _exercise(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> dict[str, str]:
    """What goes wrong when ``operation`` is called with requests generated in ``mode``: one
    report per kind of failure."""
    found: dict[str, str] = {}

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
        except (Exception, BaseExceptionGroup) as exc:  # every failure is reported, not the first
            key = f"{operation.label} [{mode.value}] {type(exc).__name__}"
            found.setdefault(key, f"{key}: {str(exc)[:600]}")

    # Unsatisfiable: nothing to make invalid in an operation without parameters or body.
    with contextlib.suppress(Unsatisfiable):
        call()
    return found


@pytest.mark.parametrize("identity", ["anonymous", "citizen", "official"])
def test_the_api_never_fails_and_declares_every_status(
    wsgi_app: WSGIHandler,
    catalog: dict[str, Procedure],
    make_citizen: Callable[..., User],
    staff: dict[str, User],
    identity: str,
) -> None:
    headers = {
        "anonymous": dict,
        "citizen": lambda: bearer(make_citizen()),
        "official": lambda: bearer(staff["receiver"]),
    }[identity]()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures.extend(_exercise(result.ok(), mode, headers).values())
    assert not failures, "\n\n".join(failures)
