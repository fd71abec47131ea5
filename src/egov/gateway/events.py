"""Publish/subscribe between members: a member publishes events on a topic it owns, members
granted the topic subscribe a webhook, and each event is delivered to each subscription at
least once, retried with exponential backoff, then put on the dead-letter list that both sides
see. A delivery is ``POST webhook`` with the event as JSON, ``X-Egov-Event-Id`` (the receiver
applies an id once) and ``X-Egov-Signature`` (HMAC-SHA256 of the body under the subscription's
signing secret)."""

import hashlib
import hmac
import json
import uuid
from datetime import timedelta
from functools import partial
from typing import Any

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core.errors import NotAllowed, NotFound, WrongState
from egov.core.queue import task_named

from . import tokens
from .models import (
    Delivery,
    DeliveryStatus,
    Event,
    Grant,
    Member,
    Service,
    ServiceKind,
    Subscription,
)

TASK = "egov.gateway.tasks.deliver_event"
CLAIM_LEASE = timedelta(minutes=2)


def topic_of(owner: str, code: str) -> Service:
    topic = (
        Service.objects.filter(owner__code=owner, code=code, kind=ServiceKind.TOPIC, is_active=True)
        .select_related("owner")
        .first()
    )
    if topic is None:
        raise NotFound(_("No such topic on the platform."))
    return topic


def _granted(member: Member, topic: Service) -> bool:
    return Grant.objects.filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()), client=member, service=topic
    ).exists()


def signing_secret(subscription: Subscription) -> str:
    """The subscription's signing secret: derived, never stored, shown to the subscriber."""
    key = tokens.secret().encode()
    return hmac.new(key, f"subscription:{subscription.pk}".encode(), hashlib.sha256).hexdigest()


def subscribe(member: Member, topic: Service, webhook_url: str) -> Subscription:
    if not _granted(member, topic):
        raise NotAllowed(_("Your system is not granted this topic."))
    subscription, _created = Subscription.objects.update_or_create(
        subscriber=member, topic=topic, defaults={"webhook_url": webhook_url, "is_active": True}
    )
    return subscription


def unsubscribe(member: Member, topic: Service) -> None:
    if not Subscription.objects.filter(subscriber=member, topic=topic).delete()[0]:
        raise NotFound(_("Your system does not subscribe to this topic."))


def publish(
    member: Member,
    topic: Service,
    data: dict[str, Any],
    event_id: uuid.UUID | None = None,
    correlation_id: str = "",
) -> tuple[Event, bool]:
    """The event (created, or the one published before under ``event_id``: a retried publish is
    not a second event) and whether it is new. One delivery per active, granted subscription."""
    if topic.owner_id != member.pk:
        raise NotAllowed(_("Only the topic's owner publishes on it."))
    event_id = event_id or uuid.uuid4()
    existing = Event.objects.filter(pk=event_id).first()
    if existing is not None:
        if existing.topic_id != topic.pk:
            raise WrongState(_("This event id was used on another topic."))
        return existing, False
    try:
        with transaction.atomic():
            event = Event.objects.create(
                id=event_id, topic=topic, data=data, correlation_id=correlation_id
            )
            subscriptions = [
                s
                for s in topic.subscriptions.filter(is_active=True).select_related("subscriber")
                if _granted(s.subscriber, topic)
            ]
            deliveries = Delivery.objects.bulk_create(
                Delivery(event=event, subscription=s) for s in subscriptions
            )
            for delivery in deliveries:
                transaction.on_commit(partial(_enqueue, delivery.pk))
    except IntegrityError:  # the same id published twice at once
        return Event.objects.get(pk=event_id), False
    return event, True


def _enqueue(delivery_id: int, when: Any = None) -> None:
    task = task_named(TASK)
    if when is not None:
        if not task.get_backend().supports_defer:
            return  # left pending: `redeliver_events` (or the next run) picks it up
        task = task.using(run_after=when)
    task.enqueue(delivery_id)


def backoff(attempts: int) -> timedelta:
    return timedelta(
        seconds=min(settings.GATEWAY_EVENT_BACKOFF_SECONDS * 2 ** (attempts - 1), 3600)
    )


def deliver(delivery_id: int) -> str:
    """Try one delivery if it is due and not being tried elsewhere; its status after."""
    now = timezone.now()
    claimable = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_LEASE)
    claimed = Delivery.objects.filter(
        claimable, pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(claimed_at=now, attempts=F("attempts") + 1)
    delivery = Delivery.objects.select_related(
        "event__topic__owner", "subscription__subscriber"
    ).get(pk=delivery_id)
    if not claimed:
        return delivery.status
    event, subscription = delivery.event, delivery.subscription
    body = json.dumps(
        {
            "id": str(event.id),
            "topic": str(event.topic),
            "published_at": event.published_at.isoformat(),
            "data": event.data,
        },
        ensure_ascii=False,
    ).encode()
    signature = hmac.new(signing_secret(subscription).encode(), body, hashlib.sha256).hexdigest()
    try:
        answer = requests.post(
            subscription.webhook_url,
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Egov-Event-Id": str(event.id),
                "X-Egov-Topic": str(event.topic),
                "X-Egov-Signature": f"sha256={signature}",
                "X-Correlation-ID": event.correlation_id or str(event.id),
            },
            timeout=settings.GATEWAY_EVENT_TIMEOUT,
            allow_redirects=False,
        )
        error = "" if 200 <= answer.status_code < 300 else f"HTTP {answer.status_code}"
    except requests.RequestException as exc:
        error = type(exc).__name__
    if not error:
        delivery.status, delivery.delivered_at, delivery.last_error = (
            DeliveryStatus.DELIVERED,
            timezone.now(),
            "",
        )
    else:
        delivery.last_error = error
        if delivery.attempts >= settings.GATEWAY_EVENT_MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.DEAD
        else:
            delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
            transaction.on_commit(partial(_enqueue, delivery.pk, delivery.next_attempt_at))
    delivery.claimed_at = None
    delivery.save(
        update_fields=["status", "delivered_at", "last_error", "next_attempt_at", "claimed_at"]
    )
    return delivery.status


def due() -> list[int]:
    """Pending deliveries whose time has come (for `redeliver_events`: nothing waits forever on
    a task that was lost)."""
    return list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:10_000]
    )


def dead_letters(member: Member, topic: Service) -> Any:
    """The topic's dead letters: all of them for its owner, a subscriber's own for it."""
    dead = Delivery.objects.filter(event__topic=topic, status=DeliveryStatus.DEAD).select_related(
        "event", "subscription__subscriber"
    )
    if topic.owner_id != member.pk:
        dead = dead.filter(subscription__subscriber=member)
    return dead.order_by("-event__published_at")


def retry(member: Member, delivery: Delivery) -> Delivery:
    """Put a dead letter back in the queue (its subscriber or the topic's owner)."""
    if member.pk not in (delivery.subscription.subscriber_id, delivery.event.topic.owner_id):
        raise NotFound(_("No such delivery."))
    if delivery.status != DeliveryStatus.DEAD:
        raise WrongState(_("Only a dead letter is retried by hand."))
    delivery.status, delivery.attempts, delivery.next_attempt_at = (
        DeliveryStatus.PENDING,
        0,
        timezone.now(),
    )
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    transaction.on_commit(partial(_enqueue, delivery.pk))
    return delivery
