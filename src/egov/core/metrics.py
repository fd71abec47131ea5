"""``/metrics``: the platform's state in the Prometheus text format, and the health probes.

Requests and their latencies are counted by django-prometheus's middleware (per view, method and
status). What the database holds is read at each scrape by the collectors of the parts, on the
hook point ``core.metrics``: core counts the tasks by state, the live workers and the database
pool; dossiers, records and insights count what they own. Nothing here names a person: only
counts by state, agency code or task name.

``/metrics`` answers a bearer token (``METRICS_TOKEN``, given to Prometheus) and nobody else;
without a token set it is served only in development (``DEBUG``). ``/healthz/live`` says the
process answers; ``/healthz/ready`` that it can serve: the database answers and every migration
is applied (a load balancer sends no request to a node that is not ready).
"""

import hmac
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from .hooks import HookPoint
from .models import WorkerHeartbeat

Metric = GaugeMetricFamily

collectors: HookPoint[Callable[[], Iterable[Metric]]] = HookPoint(
    "core.metrics",
    "() -> [prometheus_client metric families] read at each scrape of /metrics: counts by "
    "state of what the part owns, never a person's data.",
)


def gauge(name: str, documentation: str, labels: list[str], rows: Iterable[tuple]) -> Metric:
    """A gauge family from ``(label values..., value)`` rows."""
    family = GaugeMetricFamily(name, documentation, labels=labels)
    for *values, value in rows:
        family.add_metric([str(v) for v in values], value)
    return family


def core_metrics() -> Iterable[Metric]:
    from django_tasks_db.models import DBTaskResult

    states = DBTaskResult.objects.values_list("task_path", "status").annotate(n=Count("id"))
    yield gauge(
        "egov_tasks",
        "Background tasks by task and state (READY: queued, RUNNING, SUCCESSFUL, FAILED).",
        ["task", "state"],
        states,
    )
    lease = timedelta(seconds=settings.TASK_LEASE_SECONDS)
    alive = WorkerHeartbeat.objects.filter(seen_at__gte=timezone.now() - lease).count()
    yield gauge("egov_task_workers_alive", "Task workers seen within a lease.", [], [(alive,)])
    pool = getattr(connections[DEFAULT_DB_ALIAS], "pool", None)
    if pool is not None:
        stats = pool.get_stats()
        yield gauge(
            "egov_db_pool_connections",
            "This process's database pool: its size, connections free, clients waiting.",
            ["state"],
            [
                ("size", stats.get("pool_size", 0)),
                ("available", stats.get("pool_available", 0)),
                ("waiting", stats.get("requests_waiting", 0)),
            ],
        )


class _PartsCollector(Collector):
    def collect(self) -> Iterable[Metric]:
        for collect in collectors:
            yield from collect()


_registered = False


def _register() -> None:
    global _registered
    if not _registered:
        REGISTRY.register(_PartsCollector())
        _registered = True


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise Http404
    elif not settings.DEBUG:
        raise Http404
    _register()
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)


@never_cache
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


_migrated = False


@never_cache
def ready(request: HttpRequest) -> JsonResponse:
    global _migrated
    try:
        connection = connections[DEFAULT_DB_ALIAS]
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not _migrated:  # once all are applied, they stay applied for this process
            executor = MigrationExecutor(connection)
            if executor.migration_plan(executor.loader.graph.leaf_nodes()):
                return JsonResponse({"status": "migrations_pending"}, status=503)
            _migrated = True
    except Exception as exc:  # the database is unreachable: not ready, say why (no details)
        return JsonResponse(
            {"status": "database_unavailable", "error": type(exc).__name__}, status=503
        )
    return JsonResponse({"status": "ok"})
