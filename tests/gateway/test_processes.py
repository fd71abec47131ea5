"""The gateway in a real server process: a normal stop (SIGTERM) loses no log record."""

import sqlite3
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from ..deployments import Deployment

DIRECTORY = """
members:
  - code: 000.00.00.H26/DVC
    name: Cổng dịch vụ công
    secret_env: PORTAL_SECRET
  - code: 000.00.00.G01/CSDLDC
    name: CSDL dân cư
services:
  - owner: 000.00.00.G01/CSDLDC
    code: health
    title: Liveness
    upstream_url: ${SITE_URL}/healthz
    quota_per_minute: 0
    grants:
      - client: 000.00.00.H26/DVC
"""


def test_a_normal_stop_writes_every_buffered_record() -> None:
    folder = Path(tempfile.mkdtemp(prefix="egov-gateway-"))
    node = Deployment(
        folder,
        "lgsp",
        PORTAL_SECRET="portal-secret-for-the-test",
        GATEWAY_LOG_FLUSH_SECONDS="3600",
        GATEWAY_LOG_BATCH="100000",
    )
    node.env["SITE_URL"] = node.url
    node.migrate()
    node.manage("load_agencies")
    (folder / "gateway.yaml").write_text(DIRECTORY)
    node.manage("load_gateway", str(folder / "gateway.yaml"))
    calls = 150
    with node.serving("/healthz/live") as url:
        token = requests.post(
            f"{url}/api/v1/gateway/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "000.00.00.H26/DVC",
                "client_secret": "portal-secret-for-the-test",
            },
            timeout=10,
        ).json()["access_token"]

        def one(n: int) -> int:
            return requests.get(
                f"{url}/gw/000.00.00.G01/CSDLDC/health/live",
                headers={"Authorization": f"Bearer {token}", "X-Correlation-ID": f"stop-{n}"},
                timeout=10,
            ).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(one, range(calls)))
        assert statuses == [200] * calls
        with sqlite3.connect(node.database) as db:  # nothing written yet: it is all buffered
            assert db.execute("select count(*) from gateway_transaction").fetchone() == (0,)
    # serving() ended with SIGTERM (Popen.terminate) and waited for the process to exit.
    with sqlite3.connect(node.database) as db:
        rows = db.execute(
            "select correlation_id from gateway_transaction where status = 200"
        ).fetchall()
    assert sorted(r[0] for r in rows) == sorted(f"stop-{n}" for n in range(calls))
    assert "150 records" in node.manage("verify_gateway_log")
