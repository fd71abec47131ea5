"""The API never answers 5xx to a client's mistake, and every refusal has the one shape
``{code, message, errors}`` with a stable code and a Vietnamese message by default."""

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client, RequestFactory
from django.test.utils import override_settings

from egov.catalog.models import Procedure
from egov.config.api import api
from egov.core import errors
from egov.core.errors import ERROR_STATUSES
from egov.core.pagination import MAX_LIMIT, MAX_OFFSET
from egov.dossiers.models import Dossier
from egov.identity.models import User
from tests.conftest import bearer, log_in


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "errors"}, body
    assert body["code"] == code
    assert isinstance(body["errors"], dict)
    return body


@pytest.mark.parametrize(
    "path",
    ["/api/v1/procedures", "/api/v1/dossiers", "/api/v1/backoffice/dossiers"],
)
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("offset", "99999999999999999999"),
        ("offset", str(MAX_OFFSET + 1)),
        ("offset", "-1"),
        ("offset", "x"),
        ("limit", "0"),
        ("limit", str(MAX_LIMIT + 1)),
        ("limit", "x"),
    ],
)
def test_a_page_out_of_bounds_is_invalid_input(
    client: Client,
    catalog: dict[str, Procedure],
    staff: dict[str, User],
    path: str,
    name: str,
    value: str,
) -> None:
    headers = bearer(staff["receiver"])
    response = client.get(path, {name: value}, headers=headers)
    body = assert_error(response, 422, "invalid_input")
    assert any(name in field for field in body["errors"])


def test_the_furthest_largest_page_is_an_empty_page_not_an_error(
    client: Client, catalog: dict[str, Procedure]
) -> None:
    response = client.get("/api/v1/procedures", {"offset": MAX_OFFSET, "limit": MAX_LIMIT})
    assert response.status_code == 200
    assert response.json()["items"] == []
    assert response.json()["count"] == Procedure.objects.filter(is_current=True).count()


def test_a_search_string_of_50000_characters_is_invalid_input(
    client: Client, catalog: dict[str, Procedure]
) -> None:
    response = client.get("/api/v1/procedures", {"q": "a" * 50_000})
    body = assert_error(response, 422, "invalid_input")
    assert "query.q" in body["errors"]
    assert client.get("/api/v1/procedures", {"q": "khai sinh"}).status_code == 200


@pytest.mark.parametrize("debug", [False, True])
def test_a_multipart_body_with_a_bad_boundary_is_a_bad_request(
    client: Client, citizen: User, debug: bool
) -> None:
    with override_settings(DEBUG=debug):
        response = client.post(
            "/api/v1/dossiers",
            data=b'--other\r\nContent-Disposition: form-data; name="procedure"\r\n\r\nx\r\n',
            content_type="multipart/form-data; boundary=",
            headers=bearer(citizen),
        )
    body = assert_error(response, 400, "bad_request")
    assert "Traceback" not in body["message"]


@pytest.mark.parametrize("debug", [False, True])
def test_a_json_body_over_the_limit_is_too_large(
    client: Client, citizen: User, settings: Any, debug: bool
) -> None:
    settings.DEBUG = debug
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post(
        "/api/v1/dossiers/drafts",
        data=json.dumps({"procedure": "1.001193", "agency": "x" * 2048}),
        content_type="application/json",
        headers=bearer(citizen),
    )
    assert_error(response, 413, "too_large")


def test_a_body_that_is_not_json_is_a_bad_request(client: Client, citizen: User) -> None:
    response = client.post(
        "/api/v1/dossiers/drafts",
        data="{not json",
        content_type="application/json",
        headers=bearer(citizen),
    )
    assert_error(response, 400, "bad_request")


def test_a_session_write_without_csrf_token_is_refused_in_the_shape(
    citizen: User, catalog: dict[str, Procedure]
) -> None:
    client = Client(enforce_csrf_checks=True)
    log_in(client, citizen)
    response = client.post(
        "/api/v1/dossiers/drafts",
        data={"procedure": "1.001193", "agency": "000.00.31.H26"},
        content_type="application/json",
    )
    body = assert_error(response, 403, "csrf_failed")
    assert body["message"] == "Thiếu mã CSRF hoặc mã không đúng."
    assert not Dossier.objects.exists()


def test_no_credentials_is_unauthenticated_in_vietnamese(client: Client, db: object) -> None:
    body = assert_error(client.get("/api/v1/dossiers"), 401, "unauthenticated")
    assert body["message"] == "Cần đăng nhập."


def test_an_unknown_path_under_the_api_is_a_json_not_found(client: Client, db: object) -> None:
    assert_error(client.get("/api/v1/no-such-thing"), 404, "not_found")
    assert_error(client.get("/api/v1/tracking/a/b/c"), 404, "not_found")
    assert_error(client.post("/api/v1/no-such-thing", {}), 404, "not_found")


def test_a_method_a_path_does_not_have_is_refused_in_the_shape(
    client: Client, catalog: dict[str, Procedure]
) -> None:
    response = client.delete("/api/v1/procedures")
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"


def test_english_messages_on_request(client: Client, db: object) -> None:
    response = client.get("/api/v1/dossiers", headers={"Accept-Language": "en"})
    assert assert_error(response, 401, "unauthenticated")["message"] == "Authentication required."


def test_every_operation_documents_the_error_statuses() -> None:
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            declared = {int(status) for status in operation["responses"]}
            expected = set(ERROR_STATUSES) - ({413} if method in {"get", "delete"} else set())
            assert expected <= declared, (method, path, expected - declared)


KERNEL_REFUSALS = [
    (errors.NotFound, 404, "not_found"),
    (errors.NotAllowed, 403, "forbidden"),
    (errors.WrongState, 409, "invalid_state"),
    (errors.StaleVersion, 409, "stale"),
    (errors.Conflict, 409, "conflict"),
    (errors.InvalidInput, 422, "invalid_input"),
    (errors.TooManyRequests, 429, "too_many_requests"),
]


@pytest.mark.parametrize(("kind", "status", "code"), KERNEL_REFUSALS)
def test_each_kernel_refusal_has_its_status_and_code(
    rf: RequestFactory, kind: type[errors.ServiceError], status: int, code: str
) -> None:
    refusal = kind("Không được", {"field": "sai"})
    response = api.on_exception(rf.get("/api/v1/x"), refusal)
    assert response.status_code == status
    assert json.loads(response.content) == {
        "code": code,
        "message": "Không được",
        "errors": {"field": "sai"},
    }


def test_a_rate_limit_says_when_to_retry(rf: RequestFactory) -> None:
    refusal = errors.TooManyRequests("Chờ một chút", retry_after=42)
    response = api.on_exception(rf.get("/api/v1/x"), refusal)
    assert (response.status_code, response["Retry-After"]) == (429, "42")


def test_kernel_refusals_are_djangos_404_and_403_on_pages() -> None:
    assert issubclass(errors.NotFound, Http404)
    assert issubclass(errors.NotAllowed, PermissionDenied)


def test_a_model_validation_error_is_invalid_input(rf: RequestFactory) -> None:
    refusal = ValidationError({"username": ["Đã có người dùng tên này."]})
    response = api.on_exception(rf.get("/api/v1/x"), refusal)
    assert response.status_code == 422
    body = json.loads(response.content)
    assert (body["code"], body["errors"]) == (
        "invalid_input",
        {"username": "Đã có người dùng tên này."},
    )


def test_no_part_declares_its_own_refusals_or_error_schema() -> None:
    """One set of refusals in the kernel: a part's error class only adds a distinct code."""
    sources = Path(errors.__file__).resolve().parents[1]
    for path in sources.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name == "errors.py" and path.parent.name == "core":
            continue
        for name in ("NotFound", "NotAllowed", "WrongState", "StaleVersion", "InvalidInput"):
            assert f"class {name}(" not in text, path
        assert "class ErrorOut(" not in text and "class ServiceErrorOut(" not in text, path
        assert '"errors": {}}' not in text, path  # an error body built by hand


def test_every_list_of_the_api_is_paged_with_limit_and_offset() -> None:
    """One paginator: no operation answers a bare array (a list cut silently, or not at all)."""
    schema = api.get_openapi_schema()
    lists = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                body = answer.get("content", {}).get("application/json", {}).get("schema", {})
                assert method != "get" or body.get("type") != "array", (path, status)
            names = {p["name"] for p in operation.get("parameters", [])}
            if "limit" in names:
                lists += 1
                assert "offset" in names, (method, path)
                assert not names & {"page", "page_size"}, (method, path)
    assert lists >= 15
