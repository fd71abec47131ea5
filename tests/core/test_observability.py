"""Operations: the request id (in the response, in every log line, carried into tasks), JSON log
lines without personal data, /metrics behind its token and without personal data, and the
health probes."""

import json
import logging
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client, override_settings

from egov.core import logs, metrics, task_origin
from egov.core.models import TaskOrigin
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.identity.models import User
from tests.conftest import log_in

pytestmark = pytest.mark.django_db


def as_json_lines(records: list[logging.LogRecord]) -> list[dict[str, Any]]:
    """The records as the production handler writes them (settings.LOGGING's formatter)."""
    config = logs.formatter()
    formatter = config.pop("()")(**config)
    return [json.loads(formatter.format(record)) for record in records]


@pytest.fixture
def request_id() -> Iterator[str]:
    logs.bind_request_id("req-test-1")
    yield "req-test-1"
    logs.unbind_request_id()


def test_every_response_says_its_request_id_and_keeps_a_plain_one_given(client: Client) -> None:
    made = client.get("/healthz/live")["X-Request-ID"]
    assert len(made) == 32 and made != client.get("/healthz/live")["X-Request-ID"]
    assert client.get("/healthz/live", headers={"X-Request-ID": "lb-42.a_b"})["X-Request-ID"] == (
        "lb-42.a_b"
    )
    forged = client.get("/healthz/live", headers={"X-Request-ID": 'x"\n{"admin":1}'})
    assert forged["X-Request-ID"] != 'x"\n{"admin":1}' and len(forged["X-Request-ID"]) == 32


def test_a_log_line_is_json_with_the_request_id_and_no_personal_data(
    request_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="egov.tests"):
        logging.getLogger("egov.tests").info(
            "verification for 001090012345 (an@example.vn, +84 912 345 678) on dossier 42",
            extra={"dossier": 42, "full_name": "Nguyễn Văn An", "code": "not_found"},
        )
    (line,) = as_json_lines(caplog.records)
    assert line["request_id"] == request_id
    assert line["level"] == "info" and line["logger"] == "egov.tests"
    assert line["dossier"] == 42 and line["code"] == "not_found"  # ids and codes stay
    assert line["full_name"] == logs.REDACTED
    assert "001090012345" not in line["event"] and "an@example.vn" not in line["event"]
    assert "912" not in line["event"] and "dossier 42" in line["event"]
    assert "timestamp" in line


def test_a_task_logs_with_the_request_id_of_the_request_that_queued_it(request_id: str) -> None:
    queued = SimpleNamespace(id="5b0c7f0e-task")
    task_origin.remember_request(None, queued)
    assert TaskOrigin.objects.get(task_id="5b0c7f0e-task").request_id == request_id

    logs.unbind_request_id()  # the worker: another process, no request
    task_origin.bind_request(None, queued)
    assert logs.current_request_id() == request_id
    task_origin.forget_request(None, queued)
    assert logs.current_request_id() is None
    assert not TaskOrigin.objects.filter(task_id="5b0c7f0e-task").exists()

    # Run inside the request that queued it (the immediate back end): the request keeps its id.
    logs.bind_request_id(request_id)
    task_origin.bind_request(None, queued)
    task_origin.forget_request(None, queued)
    assert logs.current_request_id() == request_id


def test_no_log_line_of_a_citizens_journey_names_them(
    client: Client,
    citizen: User,
    make_dossier: Callable[..., Dossier],
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG):
        log_in(client, citizen)
        dossier = make_dossier()
        client.get(f"/dossiers/{dossier.pk}/")
        client.post("/login/", {"username": citizen.personal_id, "password": "wrong"})
    written = json.dumps(as_json_lines(caplog.records), ensure_ascii=False)
    assert caplog.records
    for personal in (citizen.personal_id, citizen.email, citizen.phone, citizen.full_name):
        assert personal not in written


@override_settings(METRICS_TOKEN="s3cret-metrics-token", DEBUG=False)
def test_metrics_answer_the_token_only_and_name_no_person(
    client: Client, citizen: User, make_dossier: Callable[..., Dossier]
) -> None:
    make_dossier(Status.RESULT_READY)
    make_dossier()
    assert client.get("/metrics").status_code == 404
    wrong = client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 404
    answer = client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"})
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain")
    text = answer.content.decode()
    assert 'egov_dossiers{channel="online",status="submitted"} 1.0' in text
    assert "# TYPE egov_tasks gauge" in text and "egov_task_workers_alive 0.0" in text
    assert 'egov_results{state="signed"}' in text  # approval signs at once in the tests
    assert "django_http_requests_total_by_method_total" in text  # requests, by django-prometheus
    for personal in (citizen.personal_id, citizen.full_name, citizen.email):
        assert personal not in text


@override_settings(METRICS_TOKEN="", DEBUG=False)
def test_without_a_token_metrics_are_not_served_in_production(client: Client) -> None:
    assert client.get("/metrics").status_code == 404


def test_the_probes_say_live_and_ready_and_not_ready_without_a_database(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.get("/healthz/live").json() == {"status": "ok"}
    assert client.get("/healthz/ready").json() == {"status": "ok"}

    def unreachable(*args: object, **kwargs: object) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(metrics.connections[metrics.DEFAULT_DB_ALIAS], "cursor", unreachable)
    refused = client.get("/healthz/ready")
    assert refused.status_code == 503
    assert refused.json() == {"status": "database_unavailable", "error": "OperationalError"}
