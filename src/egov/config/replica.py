"""Reads of the read-only pages and APIs from a streaming replica (``DATABASE_REPLICA_URL``).

Which views read from the replica is one list, :data:`READ_ONLY_ROUTES`, of URL patterns, here
in the deployment's configuration rather than as a mark in each part (docs/decisions.md, 44). A
``GET`` or ``HEAD`` request to one of them reads from the ``replica`` database, with these
exceptions, which keep every other read and every write on the primary (``default``):

- writes (and ``select_for_update``, ``get_or_create``) always go to the primary;
- a read inside a transaction on the primary stays on the primary, so a service that reads what
  it is about to change sees the primary's rows;
- the login state (sessions, accounts, second factors, lockouts, OIDC tokens) is read from the
  primary, so a person who has just logged in is not shown logged out by a lagging replica.

Settings install :class:`ReplicaRouter` and :class:`ReplicaMiddleware` only when a replica is
configured; without one nothing changes.
"""

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

REPLICA = "replica"

#: The read-only pages and APIs, by URL pattern (``ResolverMatch.route``; URL names are not
#: unique across the API's routers): the public catalogue, the dashboards and public tracking.
#: A view listed here must not need to read what the same request wrote outside a transaction.
#: tests/config/test_replica.py resolves each one.
READ_ONLY_ROUTES = frozenset(
    {
        # the public catalogue (the home page is its front)
        "",
        "procedures/",
        "procedures/<str:code>/",
        "api/v1/procedures",
        "api/v1/procedures/<code>",
        # the dashboards: indicators (public) and the leader's (reporting)
        "chi-so/",
        "chi-so/co-quan/<str:code>/",
        "chi-so/xuat/<slug:slug>.<str:fmt>",
        "reporting/dashboard/",
        "api/v1/insights/indicators",
        "api/v1/insights/groups",
        "api/v1/insights/figures",
        "api/v1/insights/ranking/<level>",
        # public tracking of dossiers and of interconnected applications
        "track/",
        "lien-thong/tra-cuu/",
        "api/v1/tracking/<code>",
        "api/v1/interconnected/track/<code>",
    }
)

#: Apps whose rows say who is logged in: always read from the primary.
PRIMARY_APPS = frozenset(
    {"sessions", "identity", "otp_totp", "otp_static", "axes", "oauth2_provider"}
)

_reads_from_replica: ContextVar[bool] = ContextVar("egov_reads_from_replica", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads in this block go to the replica (what the middleware does for a listed view)."""
    token = _reads_from_replica.set(True)
    try:
        yield
    finally:
        _reads_from_replica.reset(token)


def is_read_only(request: HttpRequest) -> bool:
    """The request is a GET or HEAD of a view in :data:`READ_ONLY_ROUTES`."""
    if request.method not in {"GET", "HEAD"}:
        return False
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.route in READ_ONLY_ROUTES


class ReplicaRouter:
    """Reads to the replica inside :func:`replica_reads`, everything else to the primary."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        if not _reads_from_replica.get() or model._meta.app_label in PRIMARY_APPS:
            return DEFAULT_DB_ALIAS
        if REPLICA not in connections.settings or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        # Explicit: without it Django would write an object back where it was read from.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        # The replica holds the primary's rows: objects read from either are the same data.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # The replica is read-only; it receives the primary's schema by replication.
        return False if db == REPLICA else None


class ReplicaMiddleware:
    """Marks a read-only request (:func:`is_read_only`) for the router, for its whole response
    (the template is rendered inside it)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if self.is_async:
            return self._acall(request)
        if not is_read_only(request):
            return self.get_response(request)
        with replica_reads():
            return self.get_response(request)

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        if not is_read_only(request):
            return await self.get_response(request)
        with replica_reads():
            return await self.get_response(request)
