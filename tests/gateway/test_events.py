"""Publish/subscribe: granted members subscribe a webhook; each event reaches each subscriber
at least once, retried while it is down, applied once by its id; dead letters on both sides."""

import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from egov.gateway import events
from egov.gateway.models import Delivery, Grant, Service

from .conftest import CLIENT, PROVIDER, Platform

TOPIC = f"/api/v1/gateway/topics/{PROVIDER}/birth-registered"


class Subscriber:
    """A member's webhook: applies each event id once, can be down (503)."""

    def __init__(self) -> None:
        self.down = False
        self.received: list[tuple[str, str, bytes]] = []
        self.applied: dict[str, Any] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                event_id = self.headers["X-Egov-Event-Id"]
                receiver.received.append((event_id, self.headers["X-Egov-Signature"], body))
                if receiver.down:
                    self.send_response(503)
                else:
                    receiver.applied.setdefault(event_id, json.loads(body)["data"])
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def subscriber() -> Iterator[Subscriber]:
    receiver = Subscriber()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def topic(platform: Platform) -> Service:
    service = Service.objects.create(
        owner=platform.provider, code="birth-registered", kind="topic", title="Khai sinh"
    )
    Grant.objects.create(client=platform.client, service=service)
    return service


def subscribe(client: Client, platform: Platform, url: str) -> Any:
    return client.put(
        f"{TOPIC}/subscription",
        {"webhook_url": url},
        content_type="application/json",
        headers=platform.headers(),
    )


def publish(client: Client, platform: Platform, event_id: str | None = None, **data: Any) -> Any:
    body: dict[str, Any] = {"data": data}
    if event_id:
        body["id"] = event_id
    return client.post(
        f"{TOPIC}/events",
        body,
        content_type="application/json",
        headers=platform.headers(platform.provider),
    )


def test_an_event_reaches_the_subscriber_signed(
    client: Client,
    platform: Platform,
    topic: Service,
    subscriber: Subscriber,
    django_capture_on_commit_callbacks: Any,
) -> None:
    subscribed = subscribe(client, platform, subscriber.url)
    assert subscribed.status_code == 200, subscribed.content
    secret = subscribed.json()["signing_secret"]
    with django_capture_on_commit_callbacks(execute=True):
        answer = publish(client, platform, child="Nguyễn Văn An")
    assert answer.status_code == 202 and answer.json()["deliveries"] == 1
    [(event_id, signature, body)] = subscriber.received
    assert event_id == answer.json()["id"]
    assert signature == "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert subscriber.applied == {event_id: {"child": "Nguyễn Văn An"}}
    assert Delivery.objects.get().status == "delivered"


def test_only_granted_members_subscribe_and_only_the_owner_publishes(
    client: Client, platform: Platform, topic: Service, subscriber: Subscriber
) -> None:
    other = client.put(
        f"{TOPIC}/subscription",
        {"webhook_url": subscriber.url},
        content_type="application/json",
        headers=platform.headers(platform.other),
    )
    assert other.status_code == 403
    by_client = client.post(
        f"{TOPIC}/events",
        {"data": {}},
        content_type="application/json",
        headers=platform.headers(),
    )
    assert by_client.status_code == 403
    assert (
        client.post(f"{TOPIC}/events", {"data": {}}, content_type="application/json").status_code
        == 401
    )


def test_a_subscriber_down_then_back_applies_each_event_once(
    client: Client,
    platform: Platform,
    topic: Service,
    subscriber: Subscriber,
    django_capture_on_commit_callbacks: Any,
) -> None:
    subscribe(client, platform, subscriber.url)
    subscriber.down = True
    with django_capture_on_commit_callbacks(execute=True):
        ids = [publish(client, platform, n=n).json()["id"] for n in range(3)]
    assert len(subscriber.received) == 3 and not subscriber.applied
    assert set(Delivery.objects.values_list("status", "attempts")) == {("pending", 1)}
    call_command("redeliver_events")  # not due yet: backoff
    assert len(subscriber.received) == 3
    subscriber.down = False
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        call_command("redeliver_events")
    assert sorted(subscriber.applied) == sorted(ids)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}
    # At least once: a delivery sent again (its answer lost) is applied once by its id.
    delivery = Delivery.objects.first()
    assert delivery is not None
    Delivery.objects.filter(pk=delivery.pk).update(status="pending", next_attempt_at=timezone.now())
    events.deliver(delivery.pk)
    assert len(subscriber.received) == 7 and len(subscriber.applied) == 3


def test_a_republished_event_id_is_not_a_second_event(
    client: Client,
    platform: Platform,
    topic: Service,
    subscriber: Subscriber,
    django_capture_on_commit_callbacks: Any,
) -> None:
    subscribe(client, platform, subscriber.url)
    event_id = str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        first = publish(client, platform, event_id, n=1).json()
        again = publish(client, platform, event_id, n=1).json()
    assert (first["created"], again["created"]) == (True, False)
    assert len(subscriber.received) == 1


def test_dead_letters_are_listed_to_both_sides_and_retried_by_hand(
    client: Client,
    platform: Platform,
    topic: Service,
    subscriber: Subscriber,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.GATEWAY_EVENT_MAX_ATTEMPTS = 2
    subscribe(client, platform, subscriber.url)
    subscriber.down = True
    with django_capture_on_commit_callbacks(execute=True):
        publish(client, platform, n=1)
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
        call_command("redeliver_events")
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.last_error) == ("dead", "HTTP 503")
    for member in (platform.provider, platform.client):
        listed = client.get(f"{TOPIC}/dead-letters", headers=platform.headers(member)).json()
        assert [d["id"] for d in listed["items"]] == [delivery.pk]
        assert listed["items"][0]["subscriber"] == CLIENT
    assert (
        client.get(f"{TOPIC}/dead-letters", headers=platform.headers(platform.other)).json()[
            "count"
        ]
        == 0
    )
    subscriber.down = False
    retry = f"/api/v1/gateway/deliveries/{delivery.pk}/retry"
    assert client.post(retry, headers=platform.headers(platform.other)).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(retry, headers=platform.headers()).status_code == 200
    assert Delivery.objects.get().status == "delivered"
    assert len(subscriber.applied) == 1
