"""Identity level 2: the account is checked against the population registry, called as a member
service through the data-sharing gateway by a background task — against this deployment's own
gateway and registry served by uvicorn, and against a local server speaking the same protocol
(token, then the call) for the failure cases."""

import ast
import html
import json
import threading
from collections.abc import Callable, Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from egov.core.errors import Conflict, NotAllowed
from egov.core.gateway_client import GatewayClient
from egov.core.models import AuditEntry
from egov.identity.account import services
from egov.identity.account.registry import (
    HttpPopulationRegistry,
    RegistryAnswer,
    RegistryUnavailable,
)
from egov.identity.account.tasks import verify_with_population_registry
from egov.identity.models import (
    IdentityLevel,
    RegistryVerification,
    User,
)
from egov.registries.models import PopulationRecord
from tests.conftest import bearer
from tests.gateway_server import (
    PORTAL,
    REGISTRY,
    gateway_server,
    join_population_registry,
    logged_calls,
)

__all__ = ["gateway_server"]  # the fixture, used by name

KEY = "registry-key-for-tests"
CHECKING = (
    "Your identity is being checked against the population registry. Reload this page in a"
    " moment to see the answer."
)


def vi(english: str, **values: Any) -> str:
    """``english`` as the pages say it: its Vietnamese translation once the catalogue has one."""
    with translation.override("vi"):
        text = translation.gettext(english)
    return text % values if values else text


def text_of(response: Any) -> str:
    return html.unescape(response.content.decode())


IDENTITY = {
    "personal_id": "001198000005",
    "full_name": "Hoàng Thị Em",
    "birth_date": date(1998, 5, 23),
}


def record() -> PopulationRecord:
    return PopulationRecord.objects.create(
        **IDENTITY, sex="female", permanent_address="3 Lý Thái Tổ, phường Hoàn Kiếm, Hà Nội"
    )


@pytest.fixture
def level_one(make_citizen: Callable[..., User]) -> Callable[..., User]:
    def make(**change: Any) -> User:
        return make_citizen(**(IDENTITY | {"identity_level": 1} | change))

    return make


# --- against this deployment's registry, on a live server -------------------------------------------


@pytest.fixture
def live_registry(
    gateway_server: str, agencies: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> str:
    join_population_registry(gateway_server, settings, monkeypatch, KEY)
    return gateway_server


def test_a_match_raises_the_account_to_level_two(
    live_registry: str, level_one: Callable[..., User], client: Client
) -> None:
    record()
    person = level_one()
    client.force_login(person)
    page = client.get("/account/")
    assert 'action="/account/registry-check/"' in page.content.decode()
    # The task runs when the request's transaction commits (the immediate back end in tests;
    # the database queue and its worker in production), and calls the live server over HTTP.
    response = client.post("/account/registry-check/")
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.identity_level == IdentityLevel.LEVEL_2
    assert person.registry_verified_at is not None
    check = RegistryVerification.objects.get(user=person)
    assert (check.status, check.differences, check.attempts) == ("matched", [], 1)
    raised = AuditEntry.objects.get(action="identity_level_raised", object_id=str(person.pk))
    assert raised.data == {"level": 2, "by": "population_registry"}
    # The call went through the gateway, which logged it under the portal's member code.
    [logged] = logged_calls(1)
    assert (logged.client, logged.service, logged.status) == (PORTAL, f"{REGISTRY}/population", 200)
    shown = text_of(client.get("/account/"))
    assert vi("Level 2 (verified against the population registry)") in shown
    assert 'action="/account/registry-check/"' not in shown


def test_a_mismatch_records_which_fields_differ_and_nothing_else(
    live_registry: str, level_one: Callable[..., User], client: Client
) -> None:
    record()
    person = level_one(birth_date=date(1998, 5, 24), full_name="Hoàng Thị Én")
    response = client.post("/api/v1/account/registry-verification", headers=bearer(person))
    assert response.status_code == 202
    person.refresh_from_db()
    assert person.identity_level == 1 and person.registry_verified_at is None
    answer = client.get("/api/v1/account/registry-verification", headers=bearer(person)).json()
    assert answer["status"] == "mismatch"
    assert answer["differences"] == ["birth_date", "full_name"]
    entry = AuditEntry.objects.get(action="registry_verification_mismatch")
    assert entry.data == {
        "verification": RegistryVerification.objects.get(user=person).pk,
        "differences": ["birth_date", "full_name"],
    }
    audit_text = json.dumps(list(AuditEntry.objects.values("data", "object_id")), default=str)
    for personal in (IDENTITY["personal_id"], "Hoàng", "1998"):
        assert personal not in audit_text
    client.force_login(person)
    shown = text_of(client.get("/account/"))
    assert vi("date of birth") in shown and vi("full name") in shown


def test_someone_the_registry_does_not_know(
    live_registry: str, level_one: Callable[..., User]
) -> None:
    person = level_one()
    services.request_registry_verification(person)
    check = RegistryVerification.objects.get(user=person)
    assert (check.status, check.differences) == ("mismatch", ["personal_id"])


# --- against a local server speaking the protocol -----------------------------------------------------


class FakeRegistry:
    """A gateway in front of a registry, answering what a test tells it to and remembering what
    it was asked: the token endpoint, then the registry's service."""

    def __init__(self) -> None:
        self.status, self.body = 200, {"match": True, "found": True, "differences": []}
        self.requests: list[tuple[str, dict[str, str], dict[str, Any]]] = []
        self.token_requests: list[dict[str, list[str]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                if self.path == "/api/v1/gateway/token":
                    fake.token_requests.append(parse_qs(raw.decode()))
                    self._answer(
                        200, json.dumps({"access_token": "fake-token", "expires_in": 300}).encode()
                    )
                    return
                fake.requests.append((self.path, dict(self.headers), json.loads(raw)))
                payload = (
                    fake.body if isinstance(fake.body, bytes) else json.dumps(fake.body).encode()
                )
                self._answer(fake.status, payload)

            def _answer(self, status: int, payload: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_registry(settings: Any) -> Iterator[FakeRegistry]:
    fake = FakeRegistry()
    settings.GATEWAY_URL = fake.url
    settings.GATEWAY_CLIENT_SECRET = "client-secret"
    GatewayClient._tokens.clear()
    yield fake
    fake.close()


def test_the_client_speaks_the_protocol(fake_registry: FakeRegistry) -> None:
    fake_registry.body = {"match": False, "found": True, "differences": ["full_name"]}
    answer = HttpPopulationRegistry().verify(**IDENTITY)
    assert answer == RegistryAnswer(match=False, found=True, differences=("full_name",))
    assert fake_registry.token_requests == [
        {
            "grant_type": ["client_credentials"],
            "client_id": [settings.GATEWAY_CLIENT_ID],
            "client_secret": ["client-secret"],
        }
    ]
    path, headers, body = fake_registry.requests[0]
    assert path == f"/gw/{settings.POPULATION_SERVICE}/verify"
    assert headers["Authorization"] == "Bearer fake-token"
    assert body == {
        "personal_id": IDENTITY["personal_id"],
        "full_name": IDENTITY["full_name"],
        "birth_date": "1998-05-23",
    }


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (500, {"error": "x"}, "HTTP 500"),
        (401, {}, "HTTP 401"),
        (200, b"not json", "malformed answer"),
    ],
)
def test_a_broken_registry_is_unavailable(
    fake_registry: FakeRegistry, status: int, body: Any, reason: str
) -> None:
    fake_registry.status, fake_registry.body = status, body
    with pytest.raises(RegistryUnavailable, match=reason):
        HttpPopulationRegistry().verify(**IDENTITY)


def test_an_unreachable_or_unconfigured_registry(db: Any) -> None:
    unreachable = GatewayClient(url="http://127.0.0.1:9", client_secret="x", timeout=2)
    with pytest.raises(RegistryUnavailable, match="ConnectionError"):
        HttpPopulationRegistry(unreachable).verify(**IDENTITY)
    unconfigured = GatewayClient(url="http://127.0.0.1:9", client_secret="")
    with pytest.raises(RegistryUnavailable, match="not configured"):
        HttpPopulationRegistry(unconfigured).verify(**IDENTITY)


def test_the_check_is_retried_then_given_up(
    fake_registry: FakeRegistry,
    level_one: Callable[..., User],
    django_capture_on_commit_callbacks: Any,
) -> None:
    fake_registry.status = 503
    person = level_one()
    with django_capture_on_commit_callbacks(execute=True):
        services.request_registry_verification(person)
    check = RegistryVerification.objects.get(user=person)
    # Five tries (the immediate back end of the tests does not wait between them), then failed.
    assert (check.status, check.attempts, check.last_error) == ("failed", 5, "HTTP 503")
    assert len(fake_registry.requests) == 5
    person.refresh_from_db()
    assert person.identity_level == 1
    assert AuditEntry.objects.get(action="registry_verification_failed").data == {
        "verification": check.pk,
        "reason": "HTTP 503",
    }
    # A new check can be asked for, and this time the registry answers.
    fake_registry.status = 200
    with django_capture_on_commit_callbacks(execute=True):
        services.request_registry_verification(person)
    person.refresh_from_db()
    assert person.identity_level == 2


def test_a_pending_check_is_not_asked_twice(
    fake_registry: FakeRegistry, level_one: Callable[..., User]
) -> None:
    person = level_one()
    first = services.request_registry_verification(person)  # the commit never comes in this test
    assert services.request_registry_verification(person) == first
    assert RegistryVerification.objects.filter(user=person).count() == 1
    # The task is idempotent: once answered, running it again changes nothing.
    assert verify_with_population_registry.call(first.pk) == "matched"
    assert verify_with_population_registry.call(first.pk) == "not_pending"
    assert len(fake_registry.requests) == 1


def test_who_may_ask(
    fake_registry: FakeRegistry,
    make_citizen: Callable[..., User],
    staff: dict[str, User],
    client: Client,
) -> None:
    with pytest.raises(NotAllowed):
        services.request_registry_verification(make_citizen(identity_level=0))
    with pytest.raises(Conflict, match=vi("Your identity is already verified at level 2.")):
        services.request_registry_verification(make_citizen(identity_level=2))
    with pytest.raises(NotAllowed):
        services.request_registry_verification(staff["receiver"])
    newcomer = make_citizen(identity_level=0)
    response = client.post("/api/v1/account/registry-verification", headers=bearer(newcomer))
    assert response.status_code == 403
    assert fake_registry.requests == []


def test_pending_checks_show_on_the_account_page(
    fake_registry: FakeRegistry, level_one: Callable[..., User], client: Client
) -> None:
    person = level_one()
    services.request_registry_verification(person)  # left pending: no commit in this test
    client.force_login(person)
    shown = text_of(client.get("/account/"))
    assert vi(CHECKING) in shown
    assert 'action="/account/registry-check/"' not in shown


# --- the boundary -------------------------------------------------------------------------------------


def test_identity_never_imports_the_registry() -> None:
    """Data of another agency is reached through its service, never through its models."""
    identity = Path(settings.BASE_DIR) / "src" / "egov" / "identity"
    for path in identity.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any("registries" in name for name in names), path
