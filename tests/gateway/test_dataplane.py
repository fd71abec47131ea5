"""The data plane in nginx: a real nginx with the Lua module, its configuration rendered from
the test's directory, in front of the same upstream as the proxy's tests. The same decisions
as egov's proxy (same refusal codes, statuses and messages), and every call in the chain once."""

import hashlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from egov.gateway import dataplane, tokens, txlog
from egov.gateway.errors import REFUSALS
from egov.gateway.models import Grant, LogCursor, Transaction

from .conftest import CLIENT, PROVIDER, Platform, Upstream, change, free_port

ECHO = f"/gw/{PROVIDER}/echo"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"  # `make gateway-tools` installs it


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Plane:
    folder: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """(Re)render the directory and (re)start nginx on it."""
        self.stop()
        dataplane.write_config(self.folder)
        self.process = subprocess.Popen(
            [NGINX, "-c", str(self.folder / dataplane.CONFIG_NAME), "-g", "daemon off;"],
            env=dataplane.nginx_environment(),
            start_new_session=True,  # its own process group, as the control plane starts it
        )
        self.wait()

    def wait(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                http.client.HTTPConnection("127.0.0.1", self.port, timeout=1).connect()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError((self.folder / "error.log").read_text())

    def stop(self) -> None:
        """Stop gracefully: nginx writes its buffered log."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            self.process.wait(10)
        self.process = None

    def call(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request(method, path, body=body or None, headers=headers or {})
        answer = connection.getresponse()
        reply = Reply(answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read())
        connection.close()
        return reply

    def logged(self) -> list[Transaction]:
        """Every call so far, appended to the chain from nginx's log."""
        self.stop()
        dataplane.ingest(self.folder / dataplane.LOG_NAME)
        self.start()
        return list(Transaction.objects.order_by("seq"))


def new_plane(settings: Any, folder: Path, workers: int = 1) -> Plane:
    """A data plane on a free port, configured but not started."""
    port = free_port()
    settings.GATEWAY_NGINX_LISTEN = f"127.0.0.1:{port}"
    settings.GATEWAY_NGINX_WORKERS = workers
    if os.geteuid() == 0:  # nginx's workers would be nobody, who cannot write tmp_path
        settings.GATEWAY_NGINX_USER = "root"
    return Plane(folder, port)


@pytest.fixture
def plane(platform: Platform, tmp_path: Path, settings: Any) -> Iterator[Plane]:
    plane = new_plane(settings, tmp_path / "nginx")
    plane.start()
    yield plane
    plane.stop()


def test_a_granted_call_is_forwarded_as_the_proxy_forwards_it(
    plane: Plane, platform: Platform
) -> None:
    sent = {
        "X-Correlation-ID": "abc-123",
        "Content-Type": "application/json",
        "Connection": "keep-alive, X-Private",
        "X-Private": "named by Connection",
        "Keep-Alive": "timeout=5",
        "Proxy-Authorization": "Basic eDp5",
        "TE": "trailers",
        "Cookie": "sessionid=secret",
        "X-Egov-Client": "000.00.00.G09/FORGED",
        "X-Other": "kept",
    }
    answer = plane.call(
        "POST", f"{ECHO}/population/verify?x=1&y=%C4%91", platform.headers(**sent), b'{"a": 1}'
    )
    assert answer.status == 200, answer.body
    seen = answer.json()
    assert (seen["method"], seen["path"], seen["query"]) == (
        "POST",
        "/echo/population/verify",
        "x=1&y=%C4%91",
    )
    assert seen["body_sha256"] == hashlib.sha256(b'{"a": 1}').hexdigest()
    headers = seen["headers"]
    assert headers["x-correlation-id"] == "abc-123"
    assert headers["x-egov-client"] == CLIENT  # the gateway's word, not the caller's
    assert headers["x-other"] == "kept"
    assert headers["host"] == platform.service.upstream_url.split("/")[2]
    for name in ("x-private", "keep-alive", "proxy-authorization", "te", "cookie"):
        assert name not in headers, name
    assert "authorization" not in headers
    assert answer.headers["x-correlation-id"] == "abc-123"


def test_the_path_goes_as_the_caller_encoded_it(plane: Plane, platform: Platform) -> None:
    assert plane.call("GET", f"{ECHO}/a%2Fb/%C4%91", platform.headers()).json()["path"] == (
        "/echo/a/b/đ"  # aiohttp decodes what it receives; nginx passed it raw
    )
    bare = plane.call("GET", ECHO, platform.headers())  # to the base URL itself: /echo
    assert bare.status == 404 and b"unknown_service" not in bare.body  # the upstream's 404


def test_the_upstreams_connection_named_headers_are_dropped(
    plane: Plane, platform: Platform, upstream: Upstream
) -> None:
    change(platform.service, upstream_url=upstream.url)
    plane.start()
    answer = plane.call("GET", f"{ECHO}/hop", platform.headers())
    assert answer.status == 200
    assert answer.headers.get("x-kept") == "1"
    assert "x-secret-hop" not in answer.headers


def test_every_refusal_has_the_proxys_code_status_and_message(
    plane: Plane, platform: Platform, settings: Any
) -> None:
    good = platform.token()
    header, payload, signature = good.split(".")
    expired, _ = tokens.issue(CLIENT, now=time.time() - settings.GATEWAY_TOKEN_LIFETIME - 1)
    cases = [
        ({}, "unauthenticated"),
        ({"Authorization": "Basic eDp5"}, "unauthenticated"),
        ({"Authorization": "Bearer not-a-token"}, "invalid_token"),
        ({"Authorization": f"Bearer {header}.{payload}.{signature[:-4]}AAAA"}, "invalid_token"),
        ({"Authorization": f"Bearer {expired}"}, "token_expired"),
        (platform.headers(platform.other), "no_grant"),
    ]
    for headers, code in cases:
        answer = plane.call("GET", f"{ECHO}/x", headers)
        assert (answer.status, answer.json()["code"]) == (REFUSALS[code][0], code), headers
        assert answer.json()["message"] == REFUSALS[code][1]
        assert answer.json()["correlation_id"] == answer.headers["x-correlation-id"]
        if answer.status == 401:
            assert answer.headers["www-authenticate"].startswith("Bearer")
    unknown = plane.call("GET", f"/gw/{PROVIDER}/nothing/x", platform.headers())
    assert (unknown.status, unknown.json()["code"]) == (404, "unknown_service")
    # A token of another key (another deployment) is not this gateway's.
    settings.GATEWAY_TOKEN_KEY = "another key of the same length as the first"
    foreign = tokens.issue(CLIENT)[0]
    settings.GATEWAY_TOKEN_KEY = ""
    assert plane.call("GET", f"{ECHO}/x", {"Authorization": f"Bearer {foreign}"}).status == 401


def test_the_directory_changes_reach_nginx_when_rendered_again(
    plane: Plane, platform: Platform
) -> None:
    headers = platform.headers()
    assert plane.call("GET", f"{ECHO}/x", headers).status == 200
    grant = Grant.objects.get(client=platform.client)
    grant.expires_at = timezone.now() + timedelta(seconds=2)
    grant.save()
    assert dataplane.write_config(plane.folder)  # changed
    assert not dataplane.write_config(plane.folder)  # nothing new: no reload needed
    plane.start()
    assert plane.call("GET", f"{ECHO}/x", headers).status == 200
    time.sleep(2.1)
    answer = plane.call("GET", f"{ECHO}/x", headers)
    assert (answer.status, answer.json()["code"]) == (403, "grant_expired")
    platform.client.is_active = False
    platform.client.save()
    plane.start()
    assert plane.call("GET", f"{ECHO}/x", headers).json()["code"] == "unknown_client"


def test_calls_over_the_quota_are_refused_with_retry_after(
    plane: Plane, platform: Platform
) -> None:
    change(platform.service, quota_per_minute=3)
    plane.start()
    while int(time.time()) % 60 > 55:  # not across a minute's turn
        time.sleep(0.5)
    statuses = [plane.call("GET", f"{ECHO}/x", platform.headers()).status for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = plane.call("GET", f"{ECHO}/x", platform.headers())
    assert refused.json()["code"] == "quota_exceeded"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    Grant.objects.create(client=platform.other, service=platform.service)
    plane.start()  # another client has its own quota
    assert plane.call("GET", f"{ECHO}/x", platform.headers(platform.other)).status == 200


def test_upstream_down_is_502_and_slow_is_504(
    plane: Plane, platform: Platform, upstream: Upstream
) -> None:
    change(platform.service, upstream_url=f"http://127.0.0.1:{free_port()}")
    plane.start()
    down = plane.call("GET", f"{ECHO}/x", platform.headers())
    assert (down.status, down.json()["code"]) == (502, "upstream_unavailable")
    assert down.json()["message"] == REFUSALS["upstream_unavailable"][1]
    change(platform.service, upstream_url=upstream.url)
    plane.start()
    started = time.monotonic()
    slow = plane.call("GET", f"{ECHO}/slow?seconds=5", platform.headers())
    assert (slow.status, slow.json()["code"]) == (504, "upstream_timeout")
    assert time.monotonic() - started < 4  # the service's timeout is 1 s
    rows = plane.logged()
    assert [(r.status, r.error, r.client) for r in rows] == [
        (502, "upstream_unavailable", CLIENT),
        (504, "upstream_timeout", CLIENT),
    ]


def test_every_call_is_in_the_chain_once_with_the_hashes_of_both_bodies(
    plane: Plane, platform: Platform, upstream: Upstream
) -> None:
    first = plane.call("POST", f"{ECHO}/x", platform.headers(**{"X-Correlation-ID": "c-1"}), b"hi")
    plane.call("GET", f"{ECHO}/x", {"X-Correlation-ID": "c-2"})
    plane.call("GET", f"{ECHO}/x", platform.headers(platform.other))
    change(platform.service, upstream_url=upstream.url)
    plane.start()
    parts = b"".join(bytes([i]) * 100_000 for i in range(30))  # 3 MB: kept in a file by nginx
    big = plane.call("POST", f"{ECHO}/sink", platform.headers(), parts)
    assert big.json()["body_sha256"] == hashlib.sha256(parts).hexdigest()
    streamed = plane.call("GET", f"{ECHO}/big?size=5000000", platform.headers())  # many chunks
    assert len(streamed.body) == 5_000_000
    rows = plane.logged()
    assert [(r.client, r.service, r.status, r.error) for r in rows] == [
        (CLIENT, f"{PROVIDER}/echo", 200, ""),
        ("", "", 401, "unauthenticated"),
        (platform.other.code, f"{PROVIDER}/echo", 403, "no_grant"),
        (CLIENT, f"{PROVIDER}/echo", 200, ""),
        (CLIENT, f"{PROVIDER}/echo", 200, ""),
    ]
    assert rows[4].response_sha256 == hashlib.sha256(streamed.body).hexdigest()
    assert rows[4].request_sha256 == hashlib.sha256(b"").hexdigest()
    assert rows[0].request_sha256 == hashlib.sha256(b"hi").hexdigest()
    assert rows[0].response_sha256 == hashlib.sha256(first.body).hexdigest()
    assert rows[0].correlation_id == "c-1" and rows[1].correlation_id == "c-2"
    assert len(rows[2].correlation_id) == 32  # none given: one made up
    assert rows[2].request_sha256 == ""  # refused: nothing forwarded
    assert rows[3].request_sha256 == hashlib.sha256(parts).hexdigest()
    assert rows[3].response_sha256 == hashlib.sha256(big.body).hexdigest()
    assert all(r.latency_ms >= 0 and r.at <= timezone.now() for r in rows)
    assert txlog.first_problem() is None
    # Read again: nothing appended twice.
    assert dataplane.ingest(plane.folder / dataplane.LOG_NAME) == 0
    assert Transaction.objects.count() == 5


def test_a_rotated_log_is_read_to_its_end_before_the_new_one(
    plane: Plane, platform: Platform
) -> None:
    log_path = plane.folder / dataplane.LOG_NAME
    plane.call("GET", f"{ECHO}/1", platform.headers())
    plane.stop()
    assert dataplane.ingest(log_path) == 1
    plane.start()
    plane.call("GET", f"{ECHO}/2", platform.headers())
    plane.call("GET", f"{ECHO}/3", platform.headers())
    # As logrotate does it: rename, then tell nginx to reopen its log.
    log_path.rename(log_path.with_name(log_path.name + ".1"))
    assert dataplane.ingest(log_path) == 0  # nginx still writes to the renamed file
    assert plane.process is not None
    plane.process.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + 5
    while not log_path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    plane.call("GET", f"{ECHO}/4", platform.headers())
    plane.stop()
    assert dataplane.ingest(log_path) == 3
    assert dataplane.ingest(log_path) == 0
    assert Transaction.objects.count() == 4
    assert LogCursor.objects.get().inode == os.stat(log_path).st_ino
    assert txlog.first_problem() is None


def test_a_service_whose_upstream_is_another_gateway_goes_to_egovs_proxy(
    platform: Platform, settings: Any, tmp_path: Path
) -> None:
    change(
        platform.service,
        upstream_auth="gateway",
        upstream_secret_env="NATIONAL_SECRET",
        upstream_client_id="000.00.00.H26/LGSP",
        upstream_token_url="http://national.example/api/v1/gateway/token",
    )
    settings.GATEWAY_NGINX_FALLBACK_URL = "http://127.0.0.1:8000"
    text = dataplane.render(dataplane.directory.load(), tmp_path)
    location = text[text.index(f"location ^~ {ECHO}/") :]
    location = location[: location.index("}")]
    assert "proxy_pass http://egov_gateway_python;" in location
    assert "access_by_lua" not in location  # egov's proxy authenticates and logs it
    assert "server 127.0.0.1:8000;" in text


def test_the_control_plane_serves_then_stops_nginx_gracefully_losing_no_call(
    platform: Platform, settings: Any, tmp_path: Path
) -> None:
    settings.GATEWAY_DIRECTORY_TTL = 0.2
    plane, answers = new_plane(settings, tmp_path / "nginx"), []

    def stop() -> bool:
        """Called by the loop between its passes: a few calls, then stop."""
        if len(answers) < 3:
            plane.wait()
            answers.append(plane.call("GET", f"{ECHO}/x", platform.headers()).status)
            return False
        return True

    dataplane.run(plane.folder, nginx=NGINX, stop=stop)
    assert answers == [200, 200, 200]
    assert Transaction.objects.filter(status=200, client=CLIENT).count() == 3
    assert txlog.first_problem() is None


def test_a_line_that_is_not_the_logs_stops_the_intake_and_nothing_is_skipped(
    db: Any, tmp_path: Path
) -> None:
    good = json.dumps(
        {
            "at": time.time(),
            "request_time": 0.002,
            "client": CLIENT,
            "service": f"{PROVIDER}/echo",
            "method": "GET",
            "status": 200,
            "error": "",
            "request_sha256": hashlib.sha256(b"").hexdigest(),
            "response_sha256": hashlib.sha256(b"{}").hexdigest(),
            "correlation_id": "c-1",
        }
    )
    log_path = tmp_path / dataplane.LOG_NAME
    log_path.write_text(f"{good}\n{{not json\n")
    with pytest.raises(ValueError, match="not a line of the gateway's access log"):
        dataplane.ingest(log_path)
    assert Transaction.objects.count() == 0
    assert LogCursor.objects.get().offset == 0  # the good line waits with the bad one
    log_path.write_text(f"{good}\n")  # mended by the operator
    assert dataplane.ingest(log_path) == 1
    row = Transaction.objects.get()
    assert (row.client, row.status, row.correlation_id, row.latency_ms) == (CLIENT, 200, "c-1", 2.0)


def test_a_control_plane_killed_leaves_nginx_which_the_next_one_stops_losing_no_call(
    plane: Plane, platform: Platform, settings: Any
) -> None:
    # As after `kill -9` of the control plane: its nginx still runs, with calls in its buffer.
    assert plane.call("GET", f"{ECHO}/before", platform.headers()).status == 200
    leftover = plane.process
    assert leftover is not None
    plane.process = None  # forgotten, as by a killed parent
    settings.GATEWAY_DIRECTORY_TTL = 0.2
    answers: list[int] = []

    def stop() -> bool:
        if not answers:
            plane.wait()
            answers.append(plane.call("GET", f"{ECHO}/after", platform.headers()).status)
            return False
        return True

    dataplane.run(plane.folder, nginx=NGINX, stop=stop)
    assert leftover.wait(5) == 0  # stopped gracefully, not killed
    assert answers == [200]
    rows = list(Transaction.objects.order_by("seq"))
    assert len(rows) == 2 and all(r.status == 200 for r in rows)  # each call once
    assert txlog.first_problem() is None


def test_an_nginx_master_killed_leaves_no_worker_holding_the_port(
    platform: Platform, settings: Any, tmp_path: Path
) -> None:
    settings.GATEWAY_DIRECTORY_TTL = 0.2
    plane = new_plane(settings, tmp_path / "nginx", workers=2)

    def stop() -> bool:
        plane.wait()
        master = int((plane.folder / "nginx.pid").read_text())
        os.kill(master, signal.SIGKILL)  # its workers survive it, holding the port
        return False

    with pytest.raises(RuntimeError, match="nginx stopped"):
        dataplane.run(plane.folder, nginx=NGINX, stop=stop)
    assert dataplane._nginx_group(int((plane.folder / "nginx.pid").read_text())) == []
    plane.start()  # the port is free again
    assert plane.call("GET", f"{ECHO}/x", platform.headers()).status == 200
    plane.stop()
