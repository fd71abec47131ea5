"""The proxy: who may call what, what is forwarded and what is not, streaming, timeouts, and
a log row for every call."""

import hashlib
import time
import tracemalloc
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from egov.gateway import tokens
from egov.gateway.models import Grant, Transaction
from egov.gateway.proxy import HOP_BY_HOP

from .conftest import CLIENT, PROVIDER, Platform, Upstream, call, change, flush

ECHO = f"/gw/{PROVIDER}/echo"


def test_a_granted_call_is_forwarded_with_path_query_body_and_correlation_id(
    platform: Platform,
) -> None:
    answer = call(
        "POST",
        f"{ECHO}/population/verify",
        platform.headers(**{"X-Correlation-ID": "abc-123", "Content-Type": "application/json"}),
        body=b'{"a": 1}',
        query="x=1&y=%C4%91",
    )
    assert answer.status == 200, answer.body
    seen = answer.json()
    assert seen["method"] == "POST"
    assert seen["path"] == "/echo/population/verify"
    assert seen["query"] == "x=1&y=%C4%91"
    assert seen["body_sha256"] == hashlib.sha256(b'{"a": 1}').hexdigest()
    assert seen["headers"]["x-correlation-id"] == "abc-123"
    assert seen["headers"]["x-egov-client"] == CLIENT
    assert seen["headers"]["content-type"] == "application/json"
    assert answer.headers["x-correlation-id"] == "abc-123"


def test_the_callers_credentials_and_hop_by_hop_headers_are_not_forwarded(
    platform: Platform,
) -> None:
    sent = {
        "Connection": "keep-alive, X-Private",
        "X-Private": "named by Connection",
        "Keep-Alive": "timeout=5",
        "Proxy-Authorization": "Basic eDp5",
        "TE": "trailers",
        "Upgrade": "h2c",
        "Cookie": "sessionid=secret",
        "X-Egov-Client": "000.00.00.G09/FORGED",
        "X-Other": "kept",
    }
    answer = call("GET", f"{ECHO}/x", platform.headers(**sent))
    seen = answer.json()["headers"]
    assert seen["x-other"] == "kept"
    assert seen["x-egov-client"] == CLIENT  # the gateway's word, not the caller's
    for name in ("x-private", "keep-alive", "proxy-authorization", "te", "upgrade", "cookie"):
        assert name not in seen, name
    assert not seen.get("authorization", "").endswith(platform.token())


def test_hop_by_hop_headers_of_the_answer_are_dropped(
    platform: Platform, upstream: Upstream
) -> None:
    change(platform.service, upstream_url=upstream.url)
    answer = call("GET", f"/gw/{PROVIDER}/echo/hop", platform.headers())
    assert answer.status == 200
    assert answer.headers.get("x-kept") == "1"
    assert not {name.encode() for name in answer.headers} & HOP_BY_HOP


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "unauthenticated"),
        ({"Authorization": "Basic eDp5"}, "unauthenticated"),
        ({"Authorization": "Bearer not-a-token"}, "invalid_token"),
    ],
)
def test_a_call_without_a_valid_credential_is_refused(
    platform: Platform, headers: dict[str, str], code: str
) -> None:
    answer = call("GET", f"{ECHO}/x", headers)
    assert answer.status == 401
    assert answer.json()["code"] == code
    assert answer.json()["message"]  # Vietnamese, for people
    assert answer.headers["www-authenticate"].startswith("Bearer")


def test_a_forged_or_expired_token_is_refused(platform: Platform, settings: Any) -> None:
    good = platform.token()
    header, payload, signature = good.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    assert call("GET", f"{ECHO}/x", {"Authorization": f"Bearer {forged}"}).json()["code"] == (
        "invalid_token"
    )
    settings.GATEWAY_TOKEN_KEY = "another key of the same length as the first"
    assert call("GET", f"{ECHO}/x", {"Authorization": f"Bearer {good}"}).status == 401
    settings.GATEWAY_TOKEN_KEY = ""
    old, _ = tokens.issue(CLIENT, now=time.time() - settings.GATEWAY_TOKEN_LIFETIME - 1)
    answer = call("GET", f"{ECHO}/x", {"Authorization": f"Bearer {old}"})
    assert (answer.status, answer.json()["code"]) == (401, "token_expired")


def test_a_member_without_a_grant_is_refused(platform: Platform) -> None:
    answer = call("GET", f"{ECHO}/x", platform.headers(platform.other))
    assert (answer.status, answer.json()["code"]) == (403, "no_grant")


def test_an_expired_grant_is_refused(platform: Platform) -> None:
    grant = Grant.objects.get(client=platform.client)
    grant.expires_at = timezone.now() - timedelta(seconds=1)
    grant.save()
    answer = call("GET", f"{ECHO}/x", platform.headers())
    assert (answer.status, answer.json()["code"]) == (403, "grant_expired")


def test_a_deactivated_member_is_refused_even_with_a_valid_token(platform: Platform) -> None:
    token = platform.headers()
    platform.client.is_active = False
    platform.client.save()
    assert call("GET", f"{ECHO}/x", token).json()["code"] == "unknown_client"


def test_an_unknown_service_is_404(platform: Platform) -> None:
    answer = call("GET", f"/gw/{PROVIDER}/nothing/x", platform.headers())
    assert (answer.status, answer.json()["code"]) == (404, "unknown_service")


def test_calls_over_the_quota_are_refused_until_the_next_minute(platform: Platform) -> None:
    change(platform.service, quota_per_minute=3)
    minute = (int(time.time()) // 60 + 1) * 60  # the start of a whole minute, frozen
    with time_machine.travel(minute + 10, tick=False):
        statuses = [call("GET", f"{ECHO}/x", platform.headers()).status for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = call("GET", f"{ECHO}/x", platform.headers())
        assert refused.json()["code"] == "quota_exceeded"
        assert refused.headers["retry-after"] == "50"
        # Another client has its own quota.
        Grant.objects.create(client=platform.other, service=platform.service)
        assert call("GET", f"{ECHO}/x", platform.headers(platform.other)).status == 200
    with time_machine.travel(minute + 60, tick=False):
        assert call("GET", f"{ECHO}/x", platform.headers()).status == 200


def test_upstream_down_is_502_and_slow_is_504(platform: Platform, upstream: Upstream) -> None:
    from .conftest import free_port

    change(platform.service, upstream_url=f"http://127.0.0.1:{free_port()}")
    down = call("GET", f"{ECHO}/x", platform.headers())
    assert (down.status, down.json()["code"]) == (502, "upstream_unavailable")
    change(platform.service, upstream_url=upstream.url)
    started = time.monotonic()
    slow = call("GET", f"{ECHO}/slow", platform.headers(), query="seconds=5")
    assert (slow.status, slow.json()["code"]) == (504, "upstream_timeout")
    assert time.monotonic() - started < 4  # the service's timeout is 1 s
    flush()
    assert list(Transaction.objects.values_list("status", "error")) == [
        (502, "upstream_unavailable"),
        (504, "upstream_timeout"),
    ]


def test_every_call_refused_or_forwarded_is_logged_without_bodies(platform: Platform) -> None:
    call("POST", f"{ECHO}/x", platform.headers(**{"X-Correlation-ID": "c-1"}), body=b"hello")
    call("GET", f"{ECHO}/x", {"X-Correlation-ID": "c-2"})
    call("GET", f"{ECHO}/x", platform.headers(platform.other))
    assert flush() == 3
    rows = list(Transaction.objects.order_by("seq"))
    assert [(r.client, r.service, r.status, r.error) for r in rows] == [
        (CLIENT, f"{PROVIDER}/echo", 200, ""),
        ("", "", 401, "unauthenticated"),
        (platform.other.code, f"{PROVIDER}/echo", 403, "no_grant"),
    ]
    assert rows[0].request_sha256 == hashlib.sha256(b"hello").hexdigest()
    assert rows[0].correlation_id == "c-1"
    assert len(rows[0].response_sha256) == 64 and rows[0].latency_ms > 0
    assert rows[1].correlation_id == "c-2"
    assert len(rows[2].correlation_id) == 32  # none given: one made up


def test_a_streamed_request_body_arrives_whole(platform: Platform, upstream: Upstream) -> None:
    change(platform.service, upstream_url=upstream.url)
    parts = [bytes([i]) * 100_000 for i in range(20)]
    answer = call("POST", f"/gw/{PROVIDER}/echo/sink", platform.headers(), body=parts)
    assert answer.json() == {
        "body_sha256": hashlib.sha256(b"".join(parts)).hexdigest(),
        "body_length": 2_000_000,
    }
    flush()
    assert Transaction.objects.get().request_sha256 == hashlib.sha256(b"".join(parts)).hexdigest()


def test_a_200_mb_answer_streams_through_in_flat_memory(
    platform: Platform, upstream: Upstream
) -> None:
    change(platform.service, upstream_url=upstream.url, timeout_seconds=30)
    size = 200 * 1024 * 1024
    digest, received = hashlib.sha256(), [0]

    def consume(chunk: bytes) -> None:
        digest.update(chunk)
        received[0] += len(chunk)

    tracemalloc.start()
    try:
        answer = call(
            "GET",
            f"/gw/{PROVIDER}/echo/big",
            platform.headers(),
            query=f"size={size}",
            on_chunk=consume,
        )
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert answer.status == 200 and received[0] == size
    assert answer.chunks > 100  # streamed in pieces, not one buffer
    assert peak < 20 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB while relaying 200 MB"
    flush()
    assert Transaction.objects.get().response_sha256 == digest.hexdigest()
