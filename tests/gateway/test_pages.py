"""The public catalogue of services with their documentation, and the operator's page of the
platform's use: who sees what."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.test import Client

from egov.core.models import Agency
from egov.gateway import txlog
from egov.gateway.services import load_directory, openapi_excerpt

from ..conftest import log_in
from .conftest import PROVIDER, Platform, call


def test_the_catalogue_lists_public_services_with_their_documentation(
    client: Client, agencies: dict[str, Agency], monkeypatch: Any
) -> None:
    load_directory(Path(settings.BASE_DIR) / "data" / "gateway.yaml")
    page = client.get("/chia-se-du-lieu/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Dịch vụ chia sẻ dữ liệu" in text  # Vietnamese first
    assert "Xác thực và tra cứu thông tin công dân" in text
    detail = client.get("/chia-se-du-lieu/000.00.00.G01/CSDLDC/population/")
    shown = detail.content.decode()
    assert detail.status_code == 200
    # Rendered from the registry's OpenAPI document: the operation, its body and its answers.
    assert "POST" in shown and "/verify" in shown
    assert "<code>personal_id</code>" in shown
    assert "/api/v1/gateway/token" in shown
    assert client.get("/chia-se-du-lieu/?q=không-có-gì").content.decode().count("card") == 0
    assert client.get("/chia-se-du-lieu/000.00.00.G01/CSDLDC/nothing/").status_code == 404


def test_a_private_service_is_not_in_the_catalogue(client: Client, platform: Platform) -> None:
    platform.service.is_public = False
    platform.service.save()
    assert "Echo" not in client.get("/chia-se-du-lieu/").content.decode()
    assert client.get(f"/chia-se-du-lieu/{PROVIDER}/echo/").status_code == 404


def test_the_openapi_excerpt_keeps_only_the_services_operations() -> None:
    document = openapi_excerpt(
        Path(settings.BASE_DIR) / "docs" / "openapi.json", "/api/v1/registries/population"
    )
    assert set(document["paths"]) >= {"/verify"}
    assert all(not path.startswith("/api/") for path in document["paths"])


def test_the_operations_page_shows_each_administrator_their_own_services(
    client: Client,
    platform: Platform,
    make_official: Any,
    make_citizen: Any,
    agencies: dict[str, Agency],
) -> None:
    for _ in range(3):
        call("GET", f"/gw/{PROVIDER}/echo/x", platform.headers())
    call("GET", f"/gw/{PROVIDER}/echo/x", platform.headers(platform.other))
    txlog.writer.flush()
    provider_admin = make_official(agencies["000.00.00.G01"], "agency_admin", username="ca")
    other_admin = make_official(agencies["000.00.00.G09"], "agency_admin", username="nv")
    operator = make_official(agencies["000.00.00.H26"], "platform_admin", username="op")

    log_in(client, provider_admin)
    page = client.get("/backoffice/chia-se-du-lieu/")
    assert page.status_code == 200
    assert page.context["usage"].total == 4
    assert {r["status"]: r["calls"] for r in page.context["usage"].statuses} == {200: 3, 403: 1}
    assert "Lượt gọi theo ngày" in page.content.decode()

    log_in(client, other_admin)  # administers no service that was called
    assert client.get("/backoffice/chia-se-du-lieu/").context["usage"].total == 0

    log_in(client, operator)
    assert client.get("/backoffice/chia-se-du-lieu/?days=abc").context["usage"].total == 4

    client.force_login(make_citizen())
    assert client.get("/backoffice/chia-se-du-lieu/").status_code == 404


def test_metrics_count_the_calls_by_service_and_status(
    client: Client, platform: Platform, settings: Any
) -> None:
    call("GET", f"/gw/{PROVIDER}/echo/x", platform.headers())
    txlog.writer.flush()
    settings.METRICS_TOKEN = "metrics-token"
    text = client.get(
        "/metrics", headers={"Authorization": "Bearer metrics-token"}
    ).content.decode()
    assert f'egov_gateway_calls_last_day{{service="{PROVIDER}/echo",status="200"}} 1.0' in text
    assert "egov_gateway_latency_seconds_bucket" in text
