"""Contract first: the committed OpenAPI document must match what the code serves."""

import json
from pathlib import Path

from egov.config.api import api

COMMITTED = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"


def test_committed_openapi_matches_the_code() -> None:
    served = json.loads(json.dumps(api.get_openapi_schema(), sort_keys=True))
    committed = json.loads(COMMITTED.read_text())
    assert served == committed, "the API changed: run `make openapi` and commit docs/openapi.json"


def test_openapi_is_served(client: object) -> None:
    response = client.get("/api/v1/openapi.json")  # type: ignore[attr-defined]
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/dossiers" in paths
    assert "/api/v1/procedures" in paths
