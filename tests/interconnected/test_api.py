"""/api/v1/interconnected: the groups, their one form, filing once (a retry answers the first
application), each agency's progress, and nobody else's."""

import json
from typing import Any

import pytest
from django.test import Client

from egov.identity.models import User
from egov.interconnected.models import Application
from tests.conftest import bearer

from .conftest import BIRTH_GROUP, DEATH_GROUP, NEWBORN, WARD, WARD_POLICE, newborn_files

pytestmark = pytest.mark.usefixtures("in_process_registry", "groups")
API = "/api/v1/interconnected"


def test_the_groups_and_their_form(client: Client) -> None:
    groups = {g["code"]: g for g in client.get(f"{API}/groups").json()["items"]}
    death = groups[DEATH_GROUP]
    assert (death["choose_min"], death["choose_max"]) == (2, 4)
    assert [m["required"] for m in death["members"]] == [True, True, False, False]
    assert WARD in death["places"]
    form = client.get(f"{API}/groups/{DEATH_GROUP}/form", {"members": "1.001965"}).json()
    assert form["members"] == ["1.000656", "1.004206", "1.001965"]
    assert form["processing_days"] == 1 + 5
    assert "benefit_kind" in form["form"]["schema"]["required"]
    assert client.get(f"{API}/groups/9.999999/form").status_code == 404
    assert (
        client.get(f"{API}/groups/{DEATH_GROUP}/form", {"members": "1.001193"}).status_code == 422
    )


def post(client: Client, user: User, key: str, **fields: Any) -> Any:
    files = {code: upload.stream for code, upload in newborn_files().items()}
    for code, stream in files.items():
        stream.name = f"{code}.pdf"  # type: ignore[attr-defined]
    data = {"group": BIRTH_GROUP, "place": WARD, "form": json.dumps(NEWBORN), **files, **fields}
    return client.post(f"{API}/applications", data, headers=bearer(user) | {"Idempotency-Key": key})


def test_filing_once_and_following_each_agency(
    client: Client, mother: User, other_citizen: User, commit: Any
) -> None:
    with commit():
        first = post(client, mother, "lt-1")
    assert first.status_code == 201, first.content
    body = first.json()
    with commit():
        again = post(client, mother, "lt-1")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert Application.objects.count() == 1
    assert body["code"].startswith("LT-H26.31-")
    assert [(p["procedure"], p["state"]) for p in body["parts"]] == [
        ("1.001193", "filed"),
        ("1.004222", "waiting"),
        ("1.000310", "waiting"),
    ]
    assert body["parts"][1]["agency"] == WARD_POLICE
    url = f"{API}/applications/{body['id']}"
    assert client.get(url, headers=bearer(other_citizen)).status_code == 404
    assert client.post(f"{url}/withdraw", headers=bearer(other_citizen)).status_code == 404
    assert client.get(url).status_code == 401
    mine = client.get(f"{API}/applications", headers=bearer(mother)).json()
    assert [a["code"] for a in mine["items"]] == [body["code"]]
    with commit():
        withdrawn = client.post(f"{url}/withdraw", {"reason": "Nộp nhầm"}, headers=bearer(mother))
    assert withdrawn.json()["status"] == "withdrawn"


def test_a_bad_application_names_every_gap(client: Client, mother: User) -> None:
    answer = post(
        client,
        mother,
        "lt-2",
        form=json.dumps(dict(NEWBORN, child_birth_date="x")),
        CHO_O_HOP_PHAP="",
    )
    assert answer.status_code == 422
    assert {"child_birth_date", "component:CHO_O_HOP_PHAP"} <= set(answer.json()["errors"])
    assert post(client, mother, "lt-3", place="000.00.01.H26").status_code == 422
    assert not Application.objects.exists()
