"""What the proxy needs to decide a call, held in memory: the active services by path and the
grants by (client, service). A snapshot is read from the database at most every
``GATEWAY_DIRECTORY_TTL`` seconds, so a call costs no query; a grant revoked or expired takes
effect within that time on every node (expiry itself is checked on each call)."""

import time
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import Grant, Member, Service, ServiceKind, UpstreamAuth


@dataclass(frozen=True)
class Route:
    """One active service as the proxy sees it."""

    id: int
    owner: str
    code: str
    kind: str
    upstream_url: str
    upstream_auth: str
    upstream_secret_env: str
    upstream_client_id: str
    upstream_token_url: str
    quota_per_minute: int
    timeout_seconds: float

    @property
    def name(self) -> str:
        return f"{self.owner}/{self.code}"


@dataclass
class Snapshot:
    routes: dict[str, Route] = field(default_factory=dict)  # by "owner/code"
    #: (client code, service id) -> expiry (None: no expiry).
    grants: dict[tuple[str, int], datetime | None] = field(default_factory=dict)
    active_members: frozenset[str] = frozenset()
    loaded_at: float = 0.0


def load() -> Snapshot:
    """Read the directory from the database (synchronous: run it in a thread from async code).
    The thread's connection goes back to the pool after, unless a transaction holds it (a
    test's): the proxy's threads outlive requests, and a connection kept would be lost to it."""
    try:
        return _read()
    finally:
        if not connection.in_atomic_block:
            connection.close()


def _read() -> Snapshot:
    services = Service.objects.filter(is_active=True, owner__is_active=True).select_related("owner")
    routes = {
        f"{s.owner.code}/{s.code}": Route(
            id=s.pk,
            owner=s.owner.code,
            code=s.code,
            kind=s.kind,
            upstream_url=s.upstream_url.rstrip("/"),
            upstream_auth=s.upstream_auth or UpstreamAuth.NONE,
            upstream_secret_env=s.upstream_secret_env,
            upstream_client_id=s.upstream_client_id,
            upstream_token_url=s.upstream_token_url,
            quota_per_minute=s.quota_per_minute,
            timeout_seconds=s.timeout_seconds,
        )
        for s in services
    }
    grants = {
        (client, service): expires
        for client, service, expires in Grant.objects.filter(client__is_active=True).values_list(
            "client__code", "service_id", "expires_at"
        )
    }
    members = frozenset(Member.objects.filter(is_active=True).values_list("code", flat=True))
    return Snapshot(routes, grants, members, time.monotonic())


def route_for(snapshot: Snapshot, path: str) -> tuple[Route, str] | None:
    """The route and the rest of the path for ``{agency}/{system}/{service}/{rest}``."""
    parts = path.split("/", 3)
    if len(parts) < 3:
        return None
    route = snapshot.routes.get("/".join(parts[:3]))
    if route is None or route.kind != ServiceKind.REST:
        return None
    return route, parts[3] if len(parts) == 4 else ""


def grant_state(snapshot: Snapshot, client: str, route: Route) -> str | None:
    """None when ``client`` may call ``route`` now, else the refusal's code."""
    if client not in snapshot.active_members:
        return "unknown_client"
    if (client, route.id) not in snapshot.grants:
        return "no_grant"
    expires = snapshot.grants[(client, route.id)]
    if expires is not None and expires <= timezone.now():
        return "grant_expired"
    return None


def is_stale(snapshot: Snapshot) -> bool:
    return time.monotonic() - snapshot.loaded_at > settings.GATEWAY_DIRECTORY_TTL
