"""A receiver lists the processors it may assign a dossier to; nobody else lists them."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from egov.core.models import Agency
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.identity.models import User
from tests.conftest import OTHER_WARD, WARD, bearer

ASSIGNEES = "/api/v1/backoffice/assignees"


def test_a_receiver_lists_the_processors_of_its_agency_and_assigns_one(
    client: Client,
    staff: dict[str, User],
    other_ward: Agency,
    make_official: Callable[..., User],
    make_dossier: Callable[..., Dossier],
) -> None:
    elsewhere = make_official(other_ward, "processor")
    dossier = make_dossier(Status.RECEIVED)
    headers = bearer(staff["receiver"])

    response = client.get(ASSIGNEES, {"agency": WARD}, headers=headers)

    assert response.status_code == 200, response.content
    listed = response.json()["items"]
    assert listed == [{"id": staff["processor"].pk, "full_name": staff["processor"].full_name}]
    assert elsewhere.pk not in {row["id"] for row in listed}
    # By default, its own agency.
    assert client.get(ASSIGNEES, headers=headers).json()["items"] == listed
    assigned = client.post(
        f"/api/v1/dossiers/{dossier.pk}/assign",
        {"assignee": listed[0]["id"]},
        content_type="application/json",
        headers=headers,
    )
    assert assigned.status_code == 200, assigned.content
    assert assigned.json()["status"] == Status.PROCESSING


def test_an_agency_administrator_lists_them_too(client: Client, staff: dict[str, User]) -> None:
    response = client.get(ASSIGNEES, headers=bearer(staff["agency_admin"]))
    assert [row["id"] for row in response.json()["items"]] == [staff["processor"].pk]


def test_an_official_of_another_agency_is_refused(
    client: Client,
    staff: dict[str, User],
    other_ward: Agency,
    make_official: Callable[..., User],
) -> None:
    stranger = make_official(other_ward, "receiver")
    response = client.get(ASSIGNEES, {"agency": WARD}, headers=bearer(stranger))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    # Its own agency has no processor: an empty list, never the ward's.
    assert client.get(ASSIGNEES, {"agency": OTHER_WARD}, headers=bearer(stranger)).json() == {
        "items": [],
        "count": 0,
    }


@pytest.mark.parametrize("who", ["citizen", "processor", "approver"])
def test_who_does_not_assign_is_forbidden(
    client: Client, staff: dict[str, User], citizen: User, who: str
) -> None:
    user = citizen if who == "citizen" else staff[who]
    response = client.get(ASSIGNEES, {"agency": WARD}, headers=bearer(user))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_anonymous_is_unauthenticated(client: Client, db: Any) -> None:
    assert client.get(ASSIGNEES).status_code == 401
