"""The durable outbox: each delivery is tried until the receiving node acknowledges it, with
exponential backoff, and declared dead after EXCHANGE_DEAD_AFTER (the clerk sees why and may
retry). A delivery to this deployment goes through ``services.receive`` like any other: the same
validation, the same once-only storage. Deliveries are at least once; receivers apply an
envelope once by its key, so nothing is lost and nothing is applied twice."""

import threading
from datetime import timedelta

import requests
import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core.errors import NotFound, WrongState
from egov.core.files import read_stored
from egov.core.queue import enqueue_with_commit, task_named
from egov.identity.models import User

from . import access, routing, services
from .models import Delivery, DeliveryStatus

log = structlog.get_logger("egov.exchange")


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(settings.EXCHANGE_BACKOFF_SECONDS * 2 ** (attempts - 1), 3600))


def _claim(delivery_id: int) -> bool:
    now = timezone.now()
    lease = timedelta(seconds=settings.EXCHANGE_CLAIM_LEASE_SECONDS)
    claimable = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - lease)
    return bool(
        Delivery.objects.filter(
            claimable, pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
        ).update(claimed_at=now, attempts=F("attempts") + 1)
    )


class Permanent(Exception):
    """The receiver refused the envelope: trying again cannot help."""


_sessions = threading.local()


def _session() -> requests.Session:
    """One HTTP session per thread: connections to the nodes are kept open between deliveries."""
    session = getattr(_sessions, "session", None)
    if session is None:
        session = _sessions.session = requests.Session()
    return session


def _send(delivery: Delivery) -> None:
    data = read_stored(delivery.envelope.file)
    if delivery.node is None:
        try:
            services.receive(data, None)
        except services.Refused as exc:
            raise Permanent(_reason(exc.message, exc.errors)) from exc
        return
    try:
        answer = _session().post(
            delivery.node.url,
            data=data,
            headers={
                "Content-Type": "application/xml",
                **routing.signed_headers(delivery.node, data),
            },
            timeout=settings.EXCHANGE_TIMEOUT,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise ConnectionError(type(exc).__name__) from exc
    if 200 <= answer.status_code < 300:
        return
    if answer.status_code in (400, 401, 403, 413, 422):
        try:
            body = answer.json()
            raise Permanent(_reason(body.get("message", ""), body.get("errors", {})))
        except ValueError:
            raise Permanent(f"HTTP {answer.status_code}") from None
    raise ConnectionError(f"HTTP {answer.status_code}")


def _reason(message: str, errors: dict[str, str]) -> str:
    details = "; ".join(f"{field}: {text}" for field, text in errors.items())
    return f"{message} ({details})" if details else message


def deliver(delivery_id: int) -> str:
    """Try one delivery if it is due and nobody else is trying it; its status after."""
    if not _claim(delivery_id):
        return _claimed_elsewhere(delivery_id)
    delivery = Delivery.objects.select_related("envelope__file", "node").get(pk=delivery_id)
    now = timezone.now()
    try:
        _send(delivery)
    except Permanent as exc:
        delivery.status, delivery.last_error = DeliveryStatus.DEAD, str(exc)[:500]
    except Exception as exc:  # the node is down, slow or failing: try again later
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:500]
        dead_after = timedelta(seconds=settings.EXCHANGE_DEAD_AFTER_SECONDS)
        if now - delivery.created_at >= dead_after:
            delivery.status = DeliveryStatus.DEAD
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
    else:
        delivery.status, delivery.delivered_at, delivery.last_error = (
            DeliveryStatus.DELIVERED,
            timezone.now(),
            "",
        )
    delivery.claimed_at = None
    with transaction.atomic():  # the retry's deferred task is written with the new state
        delivery.save(
            update_fields=["status", "last_error", "next_attempt_at", "claimed_at", "delivered_at"]
        )
        if delivery.status == DeliveryStatus.PENDING:
            services.enqueue(delivery.pk, delivery.next_attempt_at)
    if delivery.status == DeliveryStatus.DEAD:
        log.warning("delivery_dead", delivery=delivery.pk, node=delivery.node_id)
    return delivery.status


def _claimed_elsewhere(delivery_id: int) -> str:
    """Not tried here (not due, done, or claimed by another run). A claim may belong to a
    process that died: this run comes back when that claim runs out, so the delivery does not
    wait for `redeliver_envelopes`."""
    row = Delivery.objects.filter(pk=delivery_id).values("status", "claimed_at").first()
    if row is None:
        return ""
    if row["status"] == DeliveryStatus.PENDING and row["claimed_at"] is not None:
        lease = timedelta(seconds=settings.EXCHANGE_CLAIM_LEASE_SECONDS)
        services.enqueue(delivery_id, row["claimed_at"] + lease + timedelta(seconds=1))
    return str(row["status"])


def due(limit: int = 10_000) -> list[int]:
    """Pending deliveries whose time has come, claimed or not (a claim whose process died runs
    out after EXCHANGE_CLAIM_LEASE_SECONDS): what `redeliver_envelopes` sweeps."""
    return list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def retry(user: User, delivery: Delivery) -> Delivery:
    """A dead delivery of the clerk's agency, pending again from now (its clock of
    EXCHANGE_DEAD_AFTER_SECONDS restarts)."""
    if not access.may_see_envelope(user, delivery.envelope):
        raise NotFound(_("No such envelope delivery."))
    now = timezone.now()
    updated = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.DEAD).update(
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        claimed_at=None,
    )
    if not updated:
        raise WrongState(_("Only an undelivered envelope is sent again by hand."))
    enqueue_with_commit(task_named(services.TASK), delivery.pk)
    delivery.refresh_from_db()
    return delivery
