"""Reads for the gateway's pages and /metrics: the public catalogue, each service's
documentation from its OpenAPI document, and the use of the platform from the transaction log."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from egov.core.metrics import Metric, gauge

from .models import Service, Transaction

#: Percentiles are computed over at most this many of the period's newest calls.
LATENCY_SAMPLE = 50_000
#: Headers the gateway sets itself on the way to the upstream: not the caller's to send.
GATEWAY_SET = frozenset({"x-egov-client", "authorization"})
METHODS = ("get", "post", "put", "patch", "delete")


def catalogue(query: str = "") -> QuerySet[Service]:
    services = Service.objects.filter(is_public=True, is_active=True, owner__is_active=True)
    if query:
        services = services.filter(
            Q(title__icontains=query)
            | Q(code__icontains=query)
            | Q(owner__name__icontains=query)
            | Q(description__icontains=query)
        )
    return services.select_related("owner__agency").order_by("owner__code", "code")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    parameters: list[dict[str, Any]]
    body_fields: list[tuple[str, str, bool, str]]  # name, type, required, description
    responses: list[tuple[str, str]]


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with one level of ``$ref`` (to ``#/components/...``) followed."""
    ref = schema.get("$ref", "")
    if ref.startswith("#/"):
        target: Any = document
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return target if isinstance(target, dict) else {}
    return schema


def operations(document: dict[str, Any]) -> Iterator[Operation]:
    """The operations an OpenAPI 3 document describes, for a page (unknown parts skipped)."""
    paths = document.get("paths", {}) if isinstance(document, dict) else {}
    for path, item in sorted(paths.items()):
        if not isinstance(item, dict):
            continue
        for method in METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            schema = _resolve(document, body.get("schema", {})) if body else {}
            required = set(schema.get("required", []))
            fields = [
                (
                    name,
                    str(_resolve(document, spec).get("type", "object")),
                    name in required,
                    str(spec.get("description", "")),
                )
                for name, spec in schema.get("properties", {}).items()
                if isinstance(spec, dict)
            ]
            yield Operation(
                method=method.upper(),
                path=path,
                summary=str(operation.get("summary", "")),
                parameters=[
                    p
                    for p in operation.get("parameters", [])
                    if isinstance(p, dict) and str(p.get("name", "")).lower() not in GATEWAY_SET
                ],
                body_fields=fields,
                responses=[
                    (str(code), str(answer.get("description", "")))
                    for code, answer in sorted(operation.get("responses", {}).items())
                    if isinstance(answer, dict)
                ],
            )


@dataclass(frozen=True)
class Usage:
    days: list[Any]  # {day, calls, refused, failed}
    by_service: list[Any]  # {service, calls}
    by_client: list[Any]  # {client, calls}
    statuses: list[Any]  # {status, calls}
    percentiles: dict[str, float]
    total: int


def _percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return round(ordered[index], 2)


def usage(days: int = 7, services: Iterable[str] | None = None) -> Usage:
    """The platform's use over the last ``days`` days (the calls to ``services`` only, when
    given: an agency administrator sees their own agency's services)."""
    since = timezone.now() - timedelta(days=days)
    calls = Transaction.objects.filter(at__gte=since)
    if services is not None:
        calls = calls.filter(service__in=list(services))
    per_day = (
        calls.annotate(day=TruncDate("at"))
        .values("day")
        .annotate(
            calls=Count("id"),
            refused=Count("id", filter=Q(status__gte=400, status__lt=500)),
            failed=Count("id", filter=Q(status__gte=500)),
        )
        .order_by("day")
    )
    latencies = sorted(calls.order_by("-seq").values_list("latency_ms", flat=True)[:LATENCY_SAMPLE])
    return Usage(
        days=list(per_day),
        by_service=list(
            calls.values("service").annotate(calls=Count("id")).order_by("-calls")[:50]
        ),
        by_client=list(calls.values("client").annotate(calls=Count("id")).order_by("-calls")[:50]),
        statuses=list(calls.values("status").annotate(calls=Count("id")).order_by("status")),
        percentiles={
            name: _percentile(latencies, fraction)
            for name, fraction in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))
        },
        total=sum(day["calls"] for day in per_day),
    )


def metrics() -> Iterable[Metric]:
    """Calls of the last 24 hours by service and status, from the log (every node's calls)."""
    since = timezone.now() - timedelta(days=1)
    rows = (
        Transaction.objects.filter(at__gte=since)
        .values_list("service", "status")
        .annotate(n=Count("id"))
    )
    yield gauge(
        "egov_gateway_calls_last_day",
        "Calls through the gateway in the last 24 hours, by service and status (every node).",
        ["service", "status"],
        ((service or "-", status, n) for service, status, n in rows),
    )
