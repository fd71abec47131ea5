"""Clerks of three agencies of one deployment, and helpers to compose and send documents."""

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from egov.core.models import Agency
from egov.exchange import outbox, routing, services
from egov.exchange.models import Document, Node, Route
from egov.identity.models import User
from tests.conftest import pdf_bytes

CITY, JUSTICE, WARD = "000.00.00.H26", "000.00.01.H26", "000.00.31.H26"


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    """The address book and keys each process keeps a while: rows of a rolled-back test are
    not to be remembered by the next."""
    routing.invalidate()
    services.forget_keys()
    yield
    routing.invalidate()
    services.forget_keys()


@pytest.fixture(autouse=True)
def _deliver_when_committed(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    """A test runs inside a transaction that never commits, so the deliveries a service queues
    on commit would never run: run them when the service returns, as a commit would."""
    for module, name in [
        *((services, name) for name in ("issue_and_send", "advance", "recall", "answer_request")),
        (services, "receive"),
        (outbox, "retry"),
    ]:
        original = getattr(module, name)

        def committed(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with django_capture_on_commit_callbacks(execute=True):
                return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, committed)


@pytest.fixture
def city(agencies: dict[str, Agency]) -> Agency:
    return agencies[CITY]


@pytest.fixture
def justice(agencies: dict[str, Agency]) -> Agency:
    return agencies[JUSTICE]


@pytest.fixture
def clerks(agencies: dict[str, Agency], make_official: Callable[..., User]) -> dict[str, User]:
    """A clerk of the city, of its justice department and of a ward."""
    return {code: make_official(agencies[code], "clerk") for code in (CITY, JUSTICE, WARD)}


def draft(**overrides: Any) -> services.Draft:
    fields: dict[str, Any] = {
        "doc_type": 2,
        "subject": "Về việc triển khai dịch vụ công trực tuyến toàn trình",
        "summary": "Đề nghị các đơn vị rà soát và báo cáo trước ngày 15.",
        "signer_competence": "TM. ỦY BAN NHÂN DÂN",
        "signer_position": "Chủ tịch",
        "signer_name": "Nguyễn Văn Hà",
        "place": "Hà Nội",
        "recipients": [JUSTICE, WARD],
    }
    fields.update(overrides)
    return services.Draft(**fields)


def main_file() -> services.Upload:
    return services.Upload("quyet-dinh.pdf", pdf_bytes("Quyết định"), "application/pdf", True)


@pytest.fixture
def compose(clerks: dict[str, User], agencies: dict[str, Agency]) -> Callable[..., Document]:
    """``compose(**draft fields)``: a draft of the city, by its clerk."""

    def make(sender: str = CITY, **overrides: Any) -> Document:
        return services.compose(clerks[sender], agencies[sender], draft(**overrides), [main_file()])

    return make


@pytest.fixture
def sent(compose: Callable[..., Document], clerks: dict[str, User]) -> Callable[..., Document]:
    """``sent(**draft fields)``: a document of the city issued and sent (delivered at once:
    the tests' task backend runs tasks when they are queued)."""

    def make(sender: str = CITY, **overrides: Any) -> Document:
        return services.issue_and_send(clerks[sender], compose(sender, **overrides))

    return make


# --- another node on loopback --------------------------------------------------------------------


class NodeServer:
    """An HTTP server standing for another node: records what it is sent, answers ``status``."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = 201
        self.body = b'{"envelope": "x", "duplicate": false}'
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/v1/exchange/envelopes"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                owner.received.append((dict(self.headers.items()), body))
                self.send_response(owner.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(owner.body)))
                self.end_headers()
                self.wfile.write(owner.body)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def node_server() -> Iterator[NodeServer]:
    server = NodeServer()
    yield server
    server.close()


PROVINCE = "000.00.00.H29"
NODE_SECRET = "a-shared-secret-of-the-link"


@pytest.fixture
def remote(
    agencies: dict[str, Agency], node_server: NodeServer, monkeypatch: pytest.MonkeyPatch
) -> Node:
    """Another province's node (on ``node_server``) serving agency ``PROVINCE``; this
    deployment holds a certificate for that agency from its own CA, to sign as it in tests."""
    monkeypatch.setenv("EXCHANGE_SECRET_HCM", NODE_SECRET)
    node = Node.objects.create(
        code="hcm", name="TP. Hồ Chí Minh", url=node_server.url, secret_env="EXCHANGE_SECRET_HCM"
    )
    Agency.objects.create(
        code=PROVINCE, name="Ủy ban nhân dân Thành phố Hồ Chí Minh", level="province"
    )
    Route.objects.create(agency_code=PROVINCE, agency_name="UBND TP. Hồ Chí Minh", node=node)
    return node
