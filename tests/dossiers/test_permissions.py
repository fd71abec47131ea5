"""Who sees and does what, on pages and through the API alike.

A dossier someone may not see does not exist for them (404, never 403), drafts are their author's
alone, anonymous visitors are sent to log in (pages) or told to authenticate (API), and public
tracking shows a status without any personal data.
"""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from egov.core.models import Agency
from egov.dossiers import selectors
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.identity.models import User
from tests.conftest import BIRTH_FORM, bearer, log_in, pdf_bytes

MakeDossier = Callable[..., Dossier]

#: What a dossier exposes, on pages and in the API. {id} is the dossier's id.
PAGES = {
    "detail page": "/dossiers/{id}/",
    "receipt page": "/dossiers/{id}/receipt.pdf",
    "result page": "/dossiers/{id}/result/",
    "component file": "/dossiers/{id}/files/TO_KHAI/",
}
API = {
    "api dossier": "/api/v1/dossiers/{id}",
    "api events": "/api/v1/dossiers/{id}/events",
    "api receipt": "/api/v1/dossiers/{id}/receipt.pdf",
    "api result": "/api/v1/dossiers/{id}/result",
}
#: Who asks, and what each of them gets from every resource of a dossier with a result.
WHO = ("owner", "receiver of the agency", "other citizen", "official elsewhere", "anonymous")
EXPECTED = {
    "owner": (200, 200),
    "receiver of the agency": (200, 200),
    "other citizen": (404, 404),
    "official elsewhere": (404, 404),
    "anonymous": (302, 401),  # login redirect on pages, 401 on the API
}


@pytest.fixture
def visitors(
    citizen: User,
    other_citizen: User,
    staff: dict[str, User],
    make_official: Callable[..., User],
    other_ward: Agency,
) -> dict[str, User | None]:
    return {
        "owner": citizen,
        "receiver of the agency": staff["receiver"],
        "other citizen": other_citizen,
        "official elsewhere": make_official(
            other_ward, "receiver", "processor", "approver", "agency_admin"
        ),
        "anonymous": None,
    }


def fetch(client: Client, user: User | None, url: str, api: bool) -> Any:
    if user is None:
        return client.get(url)
    if api:
        return client.get(url, headers=bearer(user))
    log_in(client, user)
    return client.get(url)


@pytest.mark.parametrize("resource", [*PAGES, *API])
@pytest.mark.parametrize("who", WHO)
def test_who_reads_a_dossier(
    client: Client,
    make_dossier: MakeDossier,
    visitors: dict[str, User | None],
    who: str,
    resource: str,
) -> None:
    dossier = make_dossier(Status.RESULT_READY)
    api = resource in API
    url = {**PAGES, **API}[resource].format(id=dossier.pk)
    response = fetch(client, visitors[who], url, api)
    expected = EXPECTED[who][1 if api else 0]
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"] == f"/login/?next={url}"
    if expected == 401:
        assert response.json()["code"] == "unauthenticated"
    if expected == 404 and api:
        assert response.json()["code"] == "not_found"
    body = response.content.decode(errors="replace")
    if expected != 200:
        # Nothing of the dossier leaks into a refusal.
        assert dossier.code not in body
        assert BIRTH_FORM["child_full_name"] not in body


def test_a_missing_dossier_looks_the_same_as_a_forbidden_one(
    client: Client, make_dossier: MakeDossier, other_citizen: User
) -> None:
    dossier = make_dossier(Status.SUBMITTED)
    headers = bearer(other_citizen)
    forbidden = client.get(f"/api/v1/dossiers/{dossier.pk}", headers=headers)
    missing = client.get(f"/api/v1/dossiers/{dossier.pk + 1000}", headers=headers)
    assert (forbidden.status_code, forbidden.json()) == (missing.status_code, missing.json())


def test_drafts_are_invisible_to_officials(
    client: Client, make_dossier: MakeDossier, staff: dict[str, User], citizen: User
) -> None:
    draft = make_dossier(Status.DRAFT)
    for role in ("receiver", "processor", "approver", "agency_admin"):
        log_in(client, staff[role])
        assert client.get(f"/dossiers/{draft.pk}/").status_code == 404
        assert client.get(f"/dossiers/{draft.pk}/edit/").status_code == 404
        api = client.get(f"/api/v1/dossiers/{draft.pk}", headers=bearer(staff[role]))
        assert api.status_code == 404
        queue = selectors.agency_queue(draft.agency_id, staff[role], "all")
        assert draft.pk not in {d.pk for d in queue}
    listed = client.get("/api/v1/backoffice/dossiers", headers=bearer(staff["receiver"]))
    assert draft.pk not in {row["id"] for row in listed.json()["items"]}
    # Its author sees it: the page sends them on to finish it.
    client.force_login(citizen)
    assert client.get(f"/dossiers/{draft.pk}/")["Location"] == f"/dossiers/{draft.pk}/edit/"
    assert client.get(f"/dossiers/{draft.pk}/edit/").status_code == 200
    assert client.get(f"/api/v1/dossiers/{draft.pk}", headers=bearer(citizen)).status_code == 200


# --- acting ----------------------------------------------------------------------------------------

RECEIVE_JSON = json.dumps({"checklist": {"TO_KHAI": {"ok": True}, "GIAY_CHUNG_SINH": {"ok": True}}})
RECEIVE_FORM = {"check_TO_KHAI": "valid", "check_GIAY_CHUNG_SINH": "valid"}
#: (page status, API status) when each visitor tries to receive a submitted dossier.
ACTING = {
    "owner": (403, 403),  # it is theirs, but a citizen does not receive dossiers
    "other citizen": (404, 404),
    "official elsewhere": (404, 404),
    "anonymous": (302, 401),
}


@pytest.mark.parametrize("who", ACTING)
def test_who_cannot_receive_a_dossier(
    client: Client,
    make_dossier: MakeDossier,
    visitors: dict[str, User | None],
    who: str,
) -> None:
    dossier = make_dossier(Status.SUBMITTED)
    user = visitors[who]
    page_url = f"/dossiers/{dossier.pk}/act/receive/"
    api_url = f"/api/v1/dossiers/{dossier.pk}/receive"
    headers = bearer(user) if user else {}
    api = client.post(api_url, RECEIVE_JSON, content_type="application/json", headers=headers)
    if user is not None:
        log_in(client, user)
    page = client.post(page_url, RECEIVE_FORM)
    assert (page.status_code, api.status_code) == ACTING[who]
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    assert not dossier.events.filter(kind="received").exists()


def test_the_receiver_receives_from_the_page(
    client: Client, make_dossier: MakeDossier, staff: dict[str, User]
) -> None:
    dossier = make_dossier(Status.SUBMITTED)
    log_in(client, staff["receiver"])
    response = client.post(
        f"/dossiers/{dossier.pk}/act/receive/", RECEIVE_FORM | {"version": dossier.version}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/dossiers/{dossier.pk}/"
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED


def test_a_page_action_in_the_wrong_state_is_409(
    client: Client, make_dossier: MakeDossier, staff: dict[str, User]
) -> None:
    dossier = make_dossier(Status.RECEIVED)
    log_in(client, staff["receiver"])
    response = client.post(f"/dossiers/{dossier.pk}/act/receive/", RECEIVE_FORM)
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("assign", Status.RECEIVED),
        ("propose", Status.PROCESSING),
        ("approve", Status.AWAITING_APPROVAL),
        ("send_back", Status.AWAITING_APPROVAL),
        ("reject", Status.PROCESSING),
        ("return_result", Status.RESULT_READY),
        ("apologise", Status.PROCESSING),
        ("refuse_intake", Status.SUBMITTED),
        ("request_supplement", Status.RECEIVED),
    ],
)
def test_a_citizen_cannot_perform_official_actions_on_their_own_dossier(
    client: Client,
    make_dossier: MakeDossier,
    citizen: User,
    staff: dict[str, User],
    action: str,
    status: str,
) -> None:
    dossier = make_dossier(status)
    client.force_login(citizen)
    # Everything the action needs, so that only the permission can refuse it.
    data = {
        "reason": "Lý do",
        "assignee": staff["processor"].pk,
        "new_date": "2030-01-02",
        "result": SimpleUploadedFile("kq.pdf", pdf_bytes("Kết quả")),
    }
    response = client.post(f"/dossiers/{dossier.pk}/act/{action}/", data)
    assert response.status_code == 403
    dossier.refresh_from_db()
    assert dossier.status == status


def test_the_back_office_is_closed_to_citizens_and_other_agencies(
    client: Client, citizen: User, visitors: dict[str, User | None], ward: Agency
) -> None:
    client.force_login(citizen)
    assert client.get("/backoffice/").status_code == 404
    response = client.get("/api/v1/backoffice/dossiers", headers=bearer(citizen))
    assert response.status_code == 403
    stranger = visitors["official elsewhere"]
    assert stranger is not None
    response = client.get(
        "/api/v1/backoffice/dossiers", {"agency": ward.code}, headers=bearer(stranger)
    )
    assert response.status_code == 403
    assert Client().get("/backoffice/").status_code == 302
    assert Client().get("/api/v1/backoffice/dossiers").status_code == 401


def test_a_citizen_lists_only_their_own_dossiers(
    client: Client, make_dossier: MakeDossier, citizen: User, other_citizen: User
) -> None:
    mine = make_dossier(Status.SUBMITTED)
    theirs = make_dossier(Status.SUBMITTED, applicant=other_citizen)
    rows = client.get("/api/v1/dossiers", headers=bearer(citizen)).json()["items"]
    assert [row["id"] for row in rows] == [mine.pk]
    client.force_login(citizen)
    page = client.get("/dossiers/")
    assert page.status_code == 200
    assert mine.code in page.content.decode() and theirs.code not in page.content.decode()


# --- public tracking -------------------------------------------------------------------------------


def personal_strings(citizen: User) -> list[str]:
    values = [citizen.full_name, citizen.personal_id, citizen.phone, citizen.email]
    values += [str(value) for value in BIRTH_FORM.values() if len(str(value)) > 3]
    return [value for value in values if value]


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.PROCESSING, Status.RETURNED])
def test_tracking_shows_the_status_but_no_personal_data(
    client: Client, make_dossier: MakeDossier, citizen: User, status: str
) -> None:
    """With the check (the last 4 digits of the applicant's number) also the procedure, the
    agency and the dates; never personal data (dossiers.tracking)."""
    dossier = make_dossier(status)
    assert dossier.code is not None and citizen.personal_id is not None
    check = citizen.personal_id[-4:]

    api = client.get(f"/api/v1/tracking/{dossier.code}", {"check": check})
    assert api.status_code == 200
    body = api.json()
    assert body["code"] == dossier.code
    assert body["status"] == status
    assert body["details"] is True
    assert body["procedure_name"] == "Đăng ký khai sinh"
    assert set(body) == {
        "code",
        "status",
        "national_status",
        "details",
        "procedure_name",
        "agency_name",
        "submitted_at",
        "due_at",
        "finished_at",
        "delivery_method",
        "postal_status",
    }
    decoded = json.dumps(body, ensure_ascii=False)  # the raw body escapes Vietnamese letters

    page = client.get("/track/", {"code": dossier.code, "check": check})
    assert page.status_code == 200
    html = page.content.decode()
    assert dossier.code in html
    assert str(Status(status).label) in html

    for text in (decoded, api.content.decode(), html):
        for secret in personal_strings(citizen):
            assert secret not in text.replace(f'value="{check}"', "")


def test_tracking_an_unknown_code(client: Client, db: Any) -> None:
    response = client.get("/api/v1/tracking/H26.31-20260213-9999999")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    page = client.get("/track/", {"code": "H26.31-20260213-9999999"})
    assert page.status_code == 200
    assert page.context["dossier"] is None


@pytest.mark.parametrize("action", ["approve", "assign", "apologise"])
def test_permission_is_decided_before_the_input_is_read(
    client: Client, make_dossier: MakeDossier, citizen: User, action: str
) -> None:
    dossier = make_dossier(Status.PROCESSING)
    client.force_login(citizen)
    response = client.post(f"/dossiers/{dossier.pk}/act/{action}/", {})  # nothing sent at all
    assert response.status_code == 403
