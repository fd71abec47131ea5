"""Federation: a province's gateway (LGSP) and the national one (NDXP) in two processes. A
member of the province calls a national service through both, authenticated at each hop and
logged at both ends under the same correlation id."""

import sqlite3
import tempfile
from contextlib import ExitStack
from pathlib import Path

import requests

from ..deployments import Deployment

NATIONAL = """
members:
  - code: 000.00.00.G01/CSDLDC
    name: CSDL quốc gia về dân cư
  - code: 000.00.00.H26/LGSP
    name: Nền tảng tích hợp, chia sẻ dữ liệu thành phố Hà Nội
    secret_env: LGSP_SECRET
  - code: 000.00.00.G09/QLVB
    name: Hệ thống không được cấp quyền
    secret_env: LGSP_SECRET
services:
  - owner: 000.00.00.G01/CSDLDC
    code: population
    title: Xác thực thông tin công dân
    upstream_url: ${SITE_URL}/api/v1/registries/population
    upstream_auth: bearer
    upstream_secret_env: POPULATION_REGISTRY_KEY
    grants:
      - client: 000.00.00.H26/LGSP
"""

PROVINCE = """
members:
  - code: 000.00.00.H26/DVC
    name: Cổng dịch vụ công Hà Nội
    secret_env: PORTAL_SECRET
  - code: 000.00.00.G01/CSDLDC
    name: CSDL quốc gia về dân cư (qua NDXP)
services:
  - owner: 000.00.00.G01/CSDLDC
    code: population
    title: Xác thực thông tin công dân (qua NDXP)
    upstream_url: ${NATIONAL_URL}/gw/000.00.00.G01/CSDLDC/population
    upstream_auth: gateway
    upstream_client_id: 000.00.00.H26/LGSP
    upstream_secret_env: NATIONAL_SECRET
    upstream_token_url: ${NATIONAL_URL}/api/v1/gateway/token
    grants:
      - client: 000.00.00.H26/DVC
"""

PERSON = {"personal_id": "001198000005", "full_name": "Hoàng Thị Em", "birth_date": "1998-05-23"}


def token(url: str, client_id: str, secret: str) -> str:
    answer = requests.post(
        f"{url}/api/v1/gateway/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def logged(node: Deployment) -> list[tuple[str, str, int, str]]:
    node.manage("verify_gateway_log")
    with sqlite3.connect(node.database) as db:
        return db.execute(
            "select client, service, status, correlation_id from gateway_transaction order by seq"
        ).fetchall()


def test_a_province_member_calls_a_national_service_through_both_gateways() -> None:
    folder = Path(tempfile.mkdtemp(prefix="egov-federation-"))
    national = Deployment(
        folder,
        "ndxp",
        LGSP_SECRET="lgsp-secret-at-the-national-gateway",
        POPULATION_REGISTRY_KEY="national-registry-key",
        GATEWAY_LOG_FLUSH_SECONDS="0.1",
    )
    province = Deployment(
        folder,
        "lgsp",
        PORTAL_SECRET="portal-secret-at-the-province",
        NATIONAL_SECRET="lgsp-secret-at-the-national-gateway",
        NATIONAL_URL=national.url,
        GATEWAY_LOG_FLUSH_SECONDS="0.1",
    )
    for node, directory in ((national, NATIONAL), (province, PROVINCE)):
        node.env["SITE_URL"] = node.url
        node.migrate()
        node.manage("load_agencies")
        (folder / f"{node.name}.yaml").write_text(directory)
        node.manage("load_gateway", str(folder / f"{node.name}.yaml"))
    national.manage("load_population")

    with ExitStack() as running:
        running.enter_context(national.serving("/healthz/live"))
        running.enter_context(province.serving("/healthz/live"))
        portal = token(province.url, "000.00.00.H26/DVC", "portal-secret-at-the-province")
        answer = requests.post(
            f"{province.url}/gw/000.00.00.G01/CSDLDC/population/verify",
            json=PERSON,
            headers={"Authorization": f"Bearer {portal}", "X-Correlation-ID": "federated-1"},
            timeout=20,
        )
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"match": True, "found": True, "differences": []}
        assert answer.headers["X-Correlation-ID"] == "federated-1"
        # The province's token means nothing at the national gateway: each hop authenticates.
        direct = requests.post(
            f"{national.url}/gw/000.00.00.G01/CSDLDC/population/verify",
            json=PERSON,
            headers={"Authorization": f"Bearer {portal}"},
            timeout=10,
        )
        assert (direct.status_code, direct.json()["code"]) == (401, "invalid_token")
        # A member the national gateway has not granted is refused there.
        stranger = token(national.url, "000.00.00.G09/QLVB", "lgsp-secret-at-the-national-gateway")
        refused = requests.post(
            f"{national.url}/gw/000.00.00.G01/CSDLDC/population/verify",
            json=PERSON,
            headers={"Authorization": f"Bearer {stranger}"},
            timeout=10,
        )
        assert (refused.status_code, refused.json()["code"]) == (403, "no_grant")
    service = "000.00.00.G01/CSDLDC/population"
    assert ("000.00.00.H26/DVC", service, 200, "federated-1") in logged(province)
    assert ("000.00.00.H26/LGSP", service, 200, "federated-1") in logged(national)
