"""Routing like the real axis: the address book says which node serves an agency code; an agency
of this deployment is served here; any other goes to the hub. Nodes authenticate each request
with the link's shared secret: ``X-Egov-Node`` names the sending node and ``X-Egov-Signature``
is ``sha256=HMAC(secret, timestamp + "\\n" + body)`` with the time in ``X-Egov-Timestamp``."""

import hashlib
import hmac
import os
import time
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from egov.core.models import Agency

from .models import Node, Route

#: How far a request's timestamp may be from the receiver's clock.
CLOCK_SKEW_SECONDS = 300


class NoRoute(Exception):
    """No node serves the agency and there is no hub."""


@dataclass(frozen=True)
class AddressBook:
    """What routing needs, held in memory and read again at most every
    ``EXCHANGE_ROUTES_TTL`` seconds (at once in the process that changes it)."""

    routes: dict[str, Node]
    #: This deployment's active agencies, by code.
    local: dict[str, Agency]
    hub: Node | None
    nodes: dict[str, Node]
    read_at: float


_book: list[AddressBook] = []


def invalidate() -> None:
    _book.clear()


def address_book() -> AddressBook:
    now = time.monotonic()
    if _book and now - _book[0].read_at < settings.EXCHANGE_ROUTES_TTL:
        return _book[0]
    nodes = {node.code: node for node in Node.objects.order_by("pk")}
    book = AddressBook(
        routes={r.agency_code: nodes[r.node.code] for r in Route.objects.select_related("node")},
        local={agency.code: agency for agency in Agency.objects.filter(is_active=True)},
        hub=next((node for node in nodes.values() if node.is_hub), None),
        nodes=nodes,
        read_at=now,
    )
    _book[:] = [book]
    return book


def serves_here(agency_code: str) -> bool:
    book = address_book()
    return agency_code not in book.routes and agency_code in book.local


def local_agency(agency_code: str) -> Agency:
    """The agency of this deployment with that code, as read for the address book (from the
    database when it changed since: deactivated a moment ago, it still receives what was
    routed to it)."""
    found = address_book().local.get(agency_code)
    return found if found is not None else Agency.objects.get(code=agency_code)


def node_for(agency_code: str) -> Node | None:
    """The node to send to for ``agency_code``; None when this deployment serves it."""
    book = address_book()
    if agency_code in book.routes:
        return book.routes[agency_code]
    if agency_code in book.local:
        return None
    if book.hub is None:
        raise NoRoute(agency_code)
    return book.hub


def may_send_as(node: Node | None, agency_code: str) -> bool:
    """A node sends only as the agencies it serves; a hub forwards for anyone it checked."""
    if node is None:
        return serves_here(agency_code)
    routed = address_book().routes.get(agency_code)
    return node.is_hub or (routed is not None and routed.pk == node.pk)


def known_agencies() -> list[tuple[str, str]]:
    """Every agency a clerk can address: this deployment's, then the address book's."""
    here = list(Agency.objects.filter(is_active=True).values_list("code", "name"))
    routed = {code for code, _name in here}
    return here + [
        (code, name)
        for code, name in Route.objects.values_list("agency_code", "agency_name")
        if code not in routed
    ]


# --- node credentials ----------------------------------------------------------------------------


def secret_of(node: Node) -> bytes:
    value = os.environ.get(node.secret_env, "")
    if not value:
        raise ImproperlyConfigured(f"{node.secret_env} (the secret of node {node.code}) is unset.")
    return value.encode()


def _mac(secret: bytes, timestamp: str, body: bytes) -> str:
    return hmac.new(secret, timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def signed_headers(node: Node, body: bytes) -> dict[str, str]:
    """The headers that authenticate this deployment to ``node`` for ``body``."""
    timestamp = str(int(time.time()))
    return {
        "X-Egov-Node": settings.EXCHANGE_NODE_CODE,
        "X-Egov-Timestamp": timestamp,
        "X-Egov-Signature": f"sha256={_mac(secret_of(node), timestamp, body)}",
    }


def authenticate(headers: dict[str, str], body: bytes) -> Node | None:
    """The node that sent this request, or None when its credentials do not hold."""
    node = address_book().nodes.get(headers.get("X-Egov-Node", ""))
    timestamp = headers.get("X-Egov-Timestamp", "")
    if node is None or not timestamp.isdigit():
        return None
    if abs(time.time() - int(timestamp)) > CLOCK_SKEW_SECONDS:
        return None
    try:
        expected = _mac(secret_of(node), timestamp, body)
    except ImproperlyConfigured:
        return None
    given = headers.get("X-Egov-Signature", "").removeprefix("sha256=")
    return node if hmac.compare_digest(expected, given) else None


# --- loading the address book --------------------------------------------------------------------


def load_address_book(path: Path) -> dict[str, int]:
    """Create or update nodes and routes from a YAML file (idempotent): how a deployment joins an
    axis by data. ``${NAME}`` in a URL is taken from the environment."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    counts = {"nodes": 0, "routes": 0}
    with transaction.atomic():
        for entry in raw.get("nodes", []):
            node, _created = Node.objects.update_or_create(
                code=entry["code"],
                defaults={
                    "name": entry.get("name", entry["code"]),
                    "url": os.path.expandvars(entry["url"]),
                    "secret_env": entry["secret_env"],
                    "is_hub": bool(entry.get("hub", False)),
                },
            )
            node.full_clean()
            counts["nodes"] += 1
            for agency in entry.get("agencies", []):
                Route.objects.update_or_create(
                    agency_code=agency["code"],
                    defaults={"agency_name": agency.get("name", ""), "node": node},
                )
                counts["routes"] += 1
    invalidate()
    return counts
