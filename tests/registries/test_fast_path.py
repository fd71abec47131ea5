"""Population verification answered beside Django (``registries.asgi``): the process's ASGI
application gives every caller exactly what the API gives, whichever path answers; only a
well-formed, authorised request takes the fast one, and a database error hands it to Django."""

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import OperationalError
from django.test import Client

from egov.config.asgi import application
from egov.registries import asgi, services
from egov.registries.models import PopulationRecord
from egov.registries.services.population import Verification
from tests.asgi import Answer, call

from .test_population import KEY, URL, registry_of_one

PERSON = {"personal_id": "001198000005", "full_name": "Hoàng Thị Em", "birth_date": "1998-05-23"}

#: (what is sent, whether the fast path answers it)
CASES = {
    "match": (PERSON, KEY, True),
    "names compare loosely": (PERSON | {"full_name": " hoàng  THỊ em "}, KEY, True),
    "mismatch": (PERSON | {"birth_date": "1998-05-24", "full_name": "Khác"}, KEY, True),
    "unknown": (PERSON | {"personal_id": "001198999999"}, KEY, True),
    "extra field ignored": (PERSON | {"sex": "female"}, KEY, True),
    "no key": (PERSON, None, False),
    "wrong key": (PERSON, KEY + "x", False),
    "short personal id": (PERSON | {"personal_id": "12345"}, KEY, False),
    "bad date": (PERSON | {"birth_date": "23/05/1998"}, KEY, False),
    "empty name": (PERSON | {"full_name": ""}, KEY, False),
    "not json": ("personal_id=001198000005", KEY, False),
    "too long": (PERSON | {"full_name": "A" * 5000}, KEY, False),
}


@pytest.fixture
def registry(transactional_db: Any, settings: Any) -> PopulationRecord:
    """Committed: the fast path reads on its own thread and connection."""
    return registry_of_one(settings)


@pytest.fixture
def threads_answering(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the threads the verification service ran on."""
    seen: list[str] = []
    verify = services.verify_person

    def spy(*args: Any) -> Verification:
        seen.append(threading.current_thread().name)
        return verify(*args)

    monkeypatch.setattr(services, "verify_person", spy)
    return seen


def post(body: Any, key: str | None, language: str = "vi") -> Answer:
    headers = {"Content-Type": "application/json", "Accept-Language": language}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    data = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return async_to_sync(call)(application, "POST", URL, headers, data.encode())


def test_the_process_answers_what_the_api_answers(
    registry: PopulationRecord, threads_answering: list[str]
) -> None:
    for case, (body, key, fast) in CASES.items():
        data = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
        headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
        expected = Client().post(
            URL, data, content_type="application/json", headers=headers | {"Accept-Language": "vi"}
        )
        threads_answering.clear()
        answer = post(body, key)
        assert (answer.status, answer.body) == (expected.status_code, expected.content), case
        assert answer.headers["content-type"].startswith("application/json"), case
        on_fast_path = [name for name in threads_answering if name.startswith("registry")]
        assert bool(on_fast_path) is fast, (case, threads_answering)


def test_a_refusal_keeps_the_callers_language(registry: PopulationRecord) -> None:
    vietnamese = post(PERSON | {"personal_id": "1"}, KEY, "vi").json()["message"]
    english = post(PERSON | {"personal_id": "1"}, KEY, "en").json()["message"]
    assert vietnamese != english


def test_a_body_in_several_messages_is_read_whole(
    registry: PopulationRecord, threads_answering: list[str]
) -> None:
    data = json.dumps(PERSON, ensure_ascii=False).encode()
    parts = [data[:10], data[10:40], data[40:]]
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    answer = async_to_sync(call)(application, "POST", URL, headers, parts)
    assert answer.status == 200
    assert answer.json() == {"match": True, "found": True, "differences": []}
    assert threads_answering and threads_answering[0].startswith("registry")


def test_a_database_error_on_the_fast_path_hands_the_request_to_django(
    registry: PopulationRecord, monkeypatch: pytest.MonkeyPatch
) -> None:
    verify: Callable[..., Verification] = services.verify_person
    threads: list[str] = []

    def failing_on_the_fast_path(*args: Any) -> Verification:
        threads.append(threading.current_thread().name)
        if threading.current_thread().name.startswith("registry"):
            raise OperationalError("server closed the connection unexpectedly")
        return verify(*args)

    monkeypatch.setattr(services, "verify_person", failing_on_the_fast_path)
    answer = post(PERSON, KEY)
    assert answer.status == 200
    assert answer.json() == {"match": True, "found": True, "differences": []}
    assert len(threads) == 2 and threads[0].startswith("registry")
    assert not threads[1].startswith("registry")


def test_other_methods_and_paths_are_djangos(registry: PopulationRecord) -> None:
    headers = {"Authorization": f"Bearer {KEY}"}
    assert async_to_sync(call)(application, "GET", URL, headers).status == 405
    assert asgi.VERIFY_PATH == URL
