"""This deployment served by uvicorn in a thread of the test process (the ASGI application,
gateway proxy included: Django's live server speaks WSGI only), and its population registry
joined to its gateway as data/gateway.yaml does for `make run`."""

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from django.contrib.auth.hashers import make_password

from egov.core.models import Agency
from egov.gateway import txlog
from egov.gateway.models import Grant, Member, Service, Transaction
from egov.gateway.proxy import gateway

from .deployments import free_port

PORTAL, REGISTRY = "000.00.00.H26/DVC", "000.00.00.G01/CSDLDC"
PORTAL_SECRET = "portal-secret-for-tests"


@pytest.fixture
def gateway_server(transactional_db: Any) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            "egov.config.asgi:application",
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            # The standard asyncio loop: uvloop would become the policy of the whole test process.
            loop="asyncio",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the gateway server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(15)
    gateway.invalidate()


def join_population_registry(
    url: str, settings: Any, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    """The population registry behind the gateway at ``url``, the portal granted to call it."""
    settings.GATEWAY_URL = url
    settings.GATEWAY_CLIENT_ID, settings.GATEWAY_CLIENT_SECRET = PORTAL, PORTAL_SECRET
    settings.POPULATION_SERVICE = f"{REGISTRY}/population"
    settings.POPULATION_REGISTRY_KEY = key
    monkeypatch.setenv("POPULATION_REGISTRY_KEY", key)  # the gateway's copy, from its environment
    agencies = {
        a.code: a for a in Agency.objects.filter(code__in=["000.00.00.H26", "000.00.00.G01"])
    }
    portal = Member.objects.create(
        code=PORTAL,
        agency=agencies["000.00.00.H26"],
        name="DVC",
        secret_hash=make_password(PORTAL_SECRET),
    )
    registry = Member.objects.create(code=REGISTRY, agency=agencies["000.00.00.G01"], name="CSDLDC")
    service = Service.objects.create(
        owner=registry,
        code="population",
        title="Dân cư",
        upstream_url=f"{url}/api/v1/registries/population",
        upstream_auth="bearer",
        upstream_secret_env="POPULATION_REGISTRY_KEY",
    )
    Grant.objects.create(client=portal, service=service)


def logged_calls(count: int, within: float = 10) -> list[Transaction]:
    """The log's rows once ``count`` calls are in it: the proxy appends a call after sending its
    last byte, so a caller may see the answer a moment before the record is buffered."""
    deadline = time.monotonic() + within
    while True:
        txlog.writer.flush()
        rows = list(Transaction.objects.order_by("seq"))
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


def join_business_registry(url: str, settings: Any, key: str) -> None:
    """The business registry behind the same gateway (after join_population_registry, whose
    key the registries share)."""
    settings.BUSINESS_SERVICE = "000.00.05.H26/DKKD/business"
    owner = Member.objects.create(
        code="000.00.05.H26/DKKD",
        agency=Agency.objects.get(code="000.00.05.H26"),
        name="DKKD",
    )
    service = Service.objects.create(
        owner=owner,
        code="business",
        title="Doanh nghiệp",
        upstream_url=f"{url}/api/v1/registries/business",
        upstream_auth="bearer",
        upstream_secret_env="POPULATION_REGISTRY_KEY",
    )
    Grant.objects.create(client=Member.objects.get(code=PORTAL), service=service)
