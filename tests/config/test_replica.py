"""Reads of the read-only pages and APIs from the replica; everything else on the primary.

The replica here is a copy of the test database taken at one moment, as a lagging replica is:
a change made on the primary afterwards shows which database a request read.
"""

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test import Client, override_settings
from django.urls import resolve

from egov.catalog.models import Procedure
from egov.config.replica import (
    READ_ONLY_ROUTES,
    REPLICA,
    ReplicaRouter,
    is_read_only,
    replica_reads,
)
from egov.core.models import Agency
from egov.dossiers.models import Dossier
from egov.identity.models import User
from tests.conftest import BIRTH, WARD

ROOT = Path(__file__).resolve().parents[2]
SQLITE = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"

#: A path of each read-only route (each one resolves to its route, and every route is here).
SAMPLE_PATHS = {
    "/": "",
    "/procedures/": "procedures/",
    f"/procedures/{BIRTH}/": "procedures/<str:code>/",
    "/api/v1/procedures": "api/v1/procedures",
    f"/api/v1/procedures/{BIRTH}": "api/v1/procedures/<code>",
    "/chi-so/": "chi-so/",
    f"/chi-so/co-quan/{WARD}/": "chi-so/co-quan/<str:code>/",
    "/chi-so/xuat/online.csv": "chi-so/xuat/<slug:slug>.<str:fmt>",
    "/reporting/dashboard/": "reporting/dashboard/",
    "/api/v1/insights/indicators": "api/v1/insights/indicators",
    "/api/v1/insights/groups": "api/v1/insights/groups",
    "/api/v1/insights/figures": "api/v1/insights/figures",
    "/api/v1/insights/ranking/province": "api/v1/insights/ranking/<level>",
    "/track/": "track/",
    "/lien-thong/tra-cuu/": "lien-thong/tra-cuu/",
    "/api/v1/tracking/X": "api/v1/tracking/<code>",
    "/api/v1/interconnected/track/X": "api/v1/interconnected/track/<code>",
}


class _Request:
    def __init__(self, method: str, path: str) -> None:
        self.method, self.path_info = method, path


def test_every_read_only_route_exists() -> None:
    assert {path: resolve(path).route for path in SAMPLE_PATHS} == SAMPLE_PATHS
    assert set(SAMPLE_PATHS.values()) == READ_ONLY_ROUTES


def test_only_reads_of_listed_routes_are_read_only() -> None:
    assert is_read_only(_Request("GET", f"/api/v1/procedures/{BIRTH}"))  # type: ignore[arg-type]
    assert is_read_only(_Request("HEAD", "/chi-so/"))  # type: ignore[arg-type]
    assert not is_read_only(_Request("POST", "/track/"))  # type: ignore[arg-type]
    assert not is_read_only(_Request("GET", "/api/v1/dossiers"))  # type: ignore[arg-type]
    assert not is_read_only(_Request("GET", "/backoffice/"))  # type: ignore[arg-type]
    assert not is_read_only(_Request("GET", "/no/such/page/"))  # type: ignore[arg-type]


def _settings_with(env: dict[str, str]) -> dict[str, Any]:
    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps({'databases': {k: v['ENGINE'] for k, v in s.DATABASES.items()},"
        " 'replica_options': s.DATABASES.get('replica', {}).get('OPTIONS'),"
        " 'routers': s.DATABASE_ROUTERS,"
        " 'middleware': [m for m in s.MIDDLEWARE if 'replica' in m]}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT / "src"),
            "DJANGO_SETTINGS_MODULE": "egov.config.settings",
            "DEBUG": "1",
            "DATABASE_URL": "postgres://egov@db1:5432/egov",
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_without_a_replica_nothing_is_routed() -> None:
    found = _settings_with({})
    assert found["databases"] == {"default": "django.db.backends.postgresql"}
    assert found["routers"] == [] and found["middleware"] == []


def test_a_replica_url_installs_the_router_with_the_primarys_options() -> None:
    found = _settings_with({"DATABASE_REPLICA_URL": "postgres://egov@db2:5432/egov"})
    assert found["databases"]["replica"] == "django.db.backends.postgresql"
    assert found["replica_options"]["pool"]["max_size"] == 8  # as the primary's
    assert found["routers"] == ["egov.config.replica.ReplicaRouter"]
    assert found["middleware"] == ["egov.config.replica.ReplicaMiddleware"]


@pytest.fixture
def replica(tmp_path: Path, transactional_db: Any, agencies: Any) -> Iterator[None]:
    """A ``replica`` database: a copy of the primary as it is now, and the router on."""
    path = tmp_path / "replica.sqlite3"
    primary = connections[DEFAULT_DB_ALIAS]
    primary.ensure_connection()
    copy = sqlite3.connect(path)
    primary.connection.backup(copy)  # type: ignore[union-attr]
    copy.close()
    connections.settings[REPLICA] = connections.configure_settings(
        {
            DEFAULT_DB_ALIAS: connections.settings[DEFAULT_DB_ALIAS],
            REPLICA: {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)},
        }
    )[REPLICA]
    # Opened here: the test case refuses to open a connection to an alias it was not given.
    connections[REPLICA].connect()
    try:
        with override_settings(DATABASE_ROUTERS=["egov.config.replica.ReplicaRouter"]):
            yield
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


def _rename_on_primary() -> None:
    """Changes the replica has not seen yet."""
    Procedure.objects.filter(code=BIRTH).update(name="Renamed on the primary")
    Agency.objects.filter(code=WARD).update(name="Ward renamed on the primary")


pytestmark_sqlite = pytest.mark.skipif(
    not SQLITE, reason="the lagging replica is a copy of the SQLite test database"
)


@pytestmark_sqlite
def test_the_router_reads_from_the_replica_only_when_marked(replica: None) -> None:
    _rename_on_primary()
    assert Procedure.objects.get(code=BIRTH, is_current=True).name == "Renamed on the primary"
    with replica_reads():
        assert Procedure.objects.get(code=BIRTH, is_current=True).name != "Renamed on the primary"
        # A read inside a transaction on the primary stays there (it may be about to write).
        with transaction.atomic():
            assert Procedure.objects.get(code=BIRTH, is_current=True).name == (
                "Renamed on the primary"
            )
        # A write goes to the primary, also for an object read from the replica.
        procedure = Procedure.objects.get(code=BIRTH, is_current=True)
        assert procedure._state.db == REPLICA
        procedure.name_en = "Written from a replica read"
        procedure.save(update_fields=["name_en"])
        assert procedure._state.db == DEFAULT_DB_ALIAS
    assert Procedure.objects.get(pk=procedure.pk).name_en == "Written from a replica read"
    assert Procedure.objects.using(REPLICA).get(pk=procedure.pk).name_en != (
        "Written from a replica read"
    )


def test_login_state_and_writes_never_go_to_the_replica() -> None:
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_read(User) == DEFAULT_DB_ALIAS
        assert router.db_for_write(Dossier) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Dossier) == DEFAULT_DB_ALIAS  # not marked
    assert router.allow_migrate(REPLICA, "dossiers") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "dossiers") is None


@pytestmark_sqlite
def test_read_only_pages_and_apis_read_the_replica_and_others_the_primary(replica: None) -> None:
    _rename_on_primary()
    middleware = ["egov.config.replica.ReplicaMiddleware", *settings.MIDDLEWARE]
    with override_settings(MIDDLEWARE=middleware):
        client = Client()
        # The public catalogue, page and API, is read from the replica.
        detail = client.get(f"/api/v1/procedures/{BIRTH}")
        assert detail.status_code == 200
        assert detail.json()["name"] != "Renamed on the primary"
        page = client.get(f"/procedures/{BIRTH}/")
        assert page.status_code == 200
        assert "Renamed on the primary" not in page.content.decode()
        # A view that is not listed reads the primary.
        agencies = client.get("/api/v1/agencies", {"page_size": 500})
        names = {row["code"]: row["name"] for row in agencies.json()["items"]}
        assert names[WARD] == "Ward renamed on the primary"
    # Without the middleware the same page reads the primary.
    assert Client().get(f"/api/v1/procedures/{BIRTH}").json()["name"] == "Renamed on the primary"


@pytestmark_sqlite
def test_under_asgi_the_read_only_api_reads_the_replica(replica: None) -> None:
    """The ASGI stack (async middleware, the view run in a thread) keeps the request's mark."""
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    _rename_on_primary()
    middleware = ["egov.config.replica.ReplicaMiddleware", *settings.MIDDLEWARE]
    with override_settings(MIDDLEWARE=middleware):
        client = AsyncClient()
        detail = async_to_sync(client.get)(f"/api/v1/procedures/{BIRTH}")
        assert detail.status_code == 200
        assert detail.json()["name"] != "Renamed on the primary"
        agencies = async_to_sync(client.get)("/api/v1/agencies", {"page_size": 500})
        names = {row["code"]: row["name"] for row in agencies.json()["items"]}
        assert names[WARD] == "Ward renamed on the primary"
