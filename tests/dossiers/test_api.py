"""The dossier API: idempotent submission, authentication, the error shape, the OpenAPI document."""

import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from egov.catalog.models import Procedure
from egov.core.models import IdempotencyKey
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.identity.models import User
from tests.conftest import BIRTH_FORM, bearer, pdf_bytes

SUBMIT = "/api/v1/dossiers"


def submission(form: dict[str, Any] | None = None, **files: bytes) -> dict[str, Any]:
    """The multipart body of an online submission of a birth registration."""
    files = files or {
        "TO_KHAI": pdf_bytes("Tờ khai"),
        "GIAY_CHUNG_SINH": pdf_bytes("Giấy chứng sinh"),
    }
    body: dict[str, Any] = {
        "procedure": "1.001193",
        "agency": "000.00.31.H26",
        "form": json.dumps(BIRTH_FORM if form is None else form),
    }
    body.update({code: SimpleUploadedFile(f"{code}.pdf", data) for code, data in files.items()})
    return body


@pytest.fixture
def citizen_headers(citizen: User, catalog: dict[str, Procedure]) -> dict[str, str]:
    return bearer(citizen)


def test_submit_creates_a_submitted_dossier(
    client: Client, citizen: User, citizen_headers: dict[str, str]
) -> None:
    response = client.post(SUBMIT, submission(), headers=citizen_headers)
    assert response.status_code == 201, response.content
    body = response.json()
    dossier = Dossier.objects.get(pk=body["id"])
    assert dossier.applicant == citizen and dossier.status == Status.SUBMITTED
    assert body["code"] == dossier.code
    assert (body["status"], body["national_status"]) == ("submitted", 1)
    assert (body["procedure_code"], body["procedure_version"]) == ("1.001193", 3)
    assert body["agency_code"] == "000.00.31.H26"
    assert body["form_data"] == BIRTH_FORM
    assert sorted(c["code"] for c in body["components"]) == ["GIAY_CHUNG_SINH", "TO_KHAI"]
    assert body["allowed_actions"] == ["withdraw"]


def test_the_same_idempotency_key_twice_gives_one_dossier(
    client: Client, citizen_headers: dict[str, str]
) -> None:
    headers = citizen_headers | {"Idempotency-Key": "3f0c2a8e-0001"}
    first = client.post(SUBMIT, submission(), headers=headers)
    second = client.post(SUBMIT, submission(), headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    assert Dossier.objects.count() == 1
    assert IdempotencyKey.objects.get().key == "3f0c2a8e-0001"


def test_the_same_key_with_a_different_body_is_refused(
    client: Client, citizen_headers: dict[str, str]
) -> None:
    headers = citizen_headers | {"Idempotency-Key": "3f0c2a8e-0002"}
    assert client.post(SUBMIT, submission(), headers=headers).status_code == 201
    other_form = client.post(SUBMIT, submission(BIRTH_FORM | {"copies": 2}), headers=headers)
    other_file = client.post(
        SUBMIT,
        submission(TO_KHAI=pdf_bytes("Tờ khai khác"), GIAY_CHUNG_SINH=pdf_bytes("Giấy chứng sinh")),
        headers=headers,
    )
    for response in (other_form, other_file):
        assert response.status_code == 422
        assert response.json()["code"] == "idempotency_key_reused"
    assert Dossier.objects.count() == 1


def test_different_keys_give_two_dossiers(client: Client, citizen_headers: dict[str, str]) -> None:
    first = client.post(SUBMIT, submission(), headers=citizen_headers | {"Idempotency-Key": "a"})
    second = client.post(SUBMIT, submission(), headers=citizen_headers | {"Idempotency-Key": "b"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert Dossier.objects.count() == 2


def test_an_idempotency_key_belongs_to_its_user(
    client: Client, citizen_headers: dict[str, str], other_citizen: User
) -> None:
    first = client.post(SUBMIT, submission(), headers=citizen_headers | {"Idempotency-Key": "k"})
    second = client.post(
        SUBMIT, submission(), headers=bearer(other_citizen) | {"Idempotency-Key": "k"}
    )
    assert (first.status_code, second.status_code) == (201, 201)
    assert Dossier.objects.get(pk=second.json()["id"]).applicant == other_citizen


def test_a_failed_submission_does_not_use_up_its_key(
    client: Client, citizen_headers: dict[str, str]
) -> None:
    headers = citizen_headers | {"Idempotency-Key": "retry-me"}
    failed = client.post(SUBMIT, submission({"child_full_name": "Khôi"}), headers=headers)
    assert failed.status_code == 422
    assert client.post(SUBMIT, submission(), headers=headers).status_code == 201


def test_an_incomplete_submission_gives_422_with_field_errors(
    client: Client, citizen_headers: dict[str, str]
) -> None:
    form = {key: value for key, value in BIRTH_FORM.items() if key != "child_sex"}
    form["copies"] = 99
    response = client.post(
        SUBMIT, submission(form, TO_KHAI=pdf_bytes("Tờ khai")), headers=citizen_headers
    )
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == "invalid_input"
    assert body["message"]
    assert set(body["errors"]) == {"child_sex", "copies", "component:GIAY_CHUNG_SINH"}
    assert all(body["errors"].values())
    assert not Dossier.objects.exists()


@pytest.mark.parametrize(
    ("change", "error_key"),
    [
        ({"procedure": "9.999999"}, "procedure"),
        ({"agency": "999.99.99.X99"}, "agency"),
        ({"agency": "000.00.01.H26"}, "agency"),  # does not perform birth registration
    ],
)
def test_unknown_procedure_or_agency_gives_422(
    client: Client, citizen_headers: dict[str, str], change: dict[str, str], error_key: str
) -> None:
    response = client.post(SUBMIT, submission() | change, headers=citizen_headers)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert error_key in response.json()["errors"]


@pytest.mark.parametrize("form", ["{not json", "[1, 2]"])
def test_a_form_that_is_not_a_json_object_gives_422(
    client: Client, citizen_headers: dict[str, str], form: str
) -> None:
    response = client.post(SUBMIT, submission() | {"form": form}, headers=citizen_headers)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def test_a_wrong_state_transition_gives_409_invalid_state(
    client: Client, make_dossier: Callable[..., Dossier], staff: dict[str, User]
) -> None:
    dossier = make_dossier(Status.RECEIVED)
    response = client.post(
        f"/api/v1/dossiers/{dossier.pk}/receive",
        {"checklist": {"TO_KHAI": {"ok": True}, "GIAY_CHUNG_SINH": {"ok": True}}},
        content_type="application/json",
        headers=bearer(staff["receiver"]),
    )
    assert response.status_code == 409
    body = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == "invalid_state"
    assert body["message"].startswith("Hồ sơ")  # Vietnamese unless the client asks otherwise
    assert body["errors"] == {}


def test_a_stale_version_gives_409_stale(
    client: Client, make_dossier: Callable[..., Dossier], staff: dict[str, User]
) -> None:
    dossier = make_dossier(Status.SUBMITTED)
    response = client.post(
        f"/api/v1/dossiers/{dossier.pk}/refuse-intake",
        {"reason": "Sai", "version": dossier.version + 1},
        content_type="application/json",
        headers=bearer(staff["receiver"]),
    )
    assert response.status_code == 409
    assert response.json()["code"] == "stale"


def test_the_back_office_drives_a_dossier_through_the_api(
    client: Client, make_dossier: Callable[..., Dossier], staff: dict[str, User], citizen: User
) -> None:
    dossier = make_dossier(Status.SUBMITTED)
    base = f"/api/v1/dossiers/{dossier.pk}"

    def post(path: str, user: User, payload: dict[str, Any] | None = None) -> Any:
        return client.post(
            base + path, payload or {}, content_type="application/json", headers=bearer(user)
        )

    checklist = {"TO_KHAI": {"ok": True, "note": "Đủ"}, "GIAY_CHUNG_SINH": {"ok": True}}
    response = post("/receive", staff["receiver"], {"checklist": checklist, "version": 1})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "received" and response.json()["due_at"]
    response = post("/assign", staff["receiver"], {"assignee": staff["processor"].pk})
    assert response.json()["status"] == "processing"
    # The assigned processor proposes; the approver reads the draft, sends it back once, and
    # approves the second proposal, naming the draft they read.
    response = post("/propose", staff["processor"], {"note": "Đủ điều kiện"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "awaiting_approval"
    assert response.json()["national_status"] == 4
    first_draft = response.json()["result_draft"]["sha256"]
    response = post("/send-back", staff["approver"], {"reason": "Sai nơi sinh"})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["result_draft"]) == ("processing", None)
    response = post("/propose", staff["processor"])
    draft = client.get(base + "/draft-result", headers=bearer(staff["approver"]))
    assert draft.status_code == 200 and draft["Content-Type"] == "application/pdf"
    draft_sha256 = hashlib.sha256(draft.content).hexdigest()
    assert draft_sha256 == response.json()["result_draft"]["sha256"] != first_draft
    assert client.get(base + "/draft-result", headers=bearer(citizen)).status_code == 404
    response = client.post(
        base + "/approve",
        {"note": "Đã ký", "draft_sha256": draft_sha256},
        content_type="application/json",
        headers=bearer(staff["approver"]),
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "result_ready"
    # No body at all: the version is optional.
    returned = client.post(
        base + "/return", content_type="application/json", headers=bearer(staff["receiver"])
    )
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    response = post("/rating", citizen, {"score": 3, "comment": "Tốt"})
    assert (response.status_code, response.json()["rating"]) == (200, 3)
    events = client.get(base + "/events", headers=bearer(staff["receiver"])).json()["items"]
    assert [e["kind"] for e in events] == [
        "draft_created",
        "submitted",
        "received",
        "assigned",
        "proposed",
        "result_drafted",
        "sent_back",
        "proposed",
        "result_drafted",
        "result_ready",
        "result_signed",
        "returned",
        "rated",
    ]
    assert events[2]["actor_kind"] == "official"
    # The applicant's timeline leaves out the back office's internal steps.
    own = client.get(base + "/events", headers=bearer(citizen)).json()["items"]
    assert [e["kind"] for e in own] == [
        e["kind"] for e in events if e["kind"] not in {"proposed", "sent_back", "result_drafted"}
    ]
    result = client.get(base + "/result", headers=bearer(citizen))
    signed = Dossier.objects.get(pk=dossier.pk).signed_result
    assert result.status_code == 200
    assert hashlib.sha256(result.content).hexdigest() == signed.sha256
    # What was signed is the draft the approver read, byte for byte (PAdES appends).
    assert hashlib.sha256(result.content[: len(draft.content)]).hexdigest() == draft_sha256


def test_a_draft_via_the_api(client: Client, citizen_headers: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/dossiers/drafts",
        {"procedure": "1.001193", "agency": "000.00.31.H26"},
        content_type="application/json",
        headers=citizen_headers,
    )
    assert response.status_code == 201
    draft_id = response.json()["id"]
    assert response.json()["status"] == "draft" and response.json()["code"] is None
    body = submission()
    body.pop("procedure"), body.pop("agency")
    saved = client.post(f"/api/v1/dossiers/{draft_id}/draft", body, headers=citizen_headers)
    assert saved.status_code == 200 and saved.json()["status"] == "draft"
    submitted = client.post(
        f"/api/v1/dossiers/{draft_id}/submit",
        {"version": saved.json()["version"]},
        content_type="application/json",
        headers=citizen_headers,
    )
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    mine = client.get("/api/v1/dossiers", headers=citizen_headers).json()
    assert [row["id"] for row in mine["items"]] == [draft_id]


# --- authentication ----------------------------------------------------------------------------


def test_a_bearer_token_or_nothing(client: Client, citizen: User, catalog: object) -> None:
    assert client.get("/api/v1/dossiers").status_code == 401
    assert (
        client.get("/api/v1/dossiers", headers={"Authorization": "Bearer nope"}).status_code == 401
    )
    response = client.post(SUBMIT, submission())
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert client.get("/api/v1/dossiers", headers=bearer(citizen)).status_code == 200


def test_the_browser_session_needs_the_csrf_token(citizen: User, catalog: object) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(citizen)
    assert browser.get("/api/v1/dossiers").status_code == 200  # reading needs no token
    refused = browser.post(SUBMIT, submission())
    assert refused.status_code == 403
    assert not Dossier.objects.exists()

    browser.get("/procedures/")  # any page sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(SUBMIT, submission(), headers={"X-CSRFToken": token})
    assert accepted.status_code == 201, accepted.content
    assert Dossier.objects.get().applicant == citizen


# --- OpenAPI -------------------------------------------------------------------------------------


def test_openapi_lists_the_dossier_endpoints(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    expected = {
        "/api/v1/dossiers": {"get", "post"},
        "/api/v1/dossiers/drafts": {"post"},
        "/api/v1/dossiers/{dossier_id}": {"get"},
        "/api/v1/dossiers/{dossier_id}/events": {"get"},
        "/api/v1/dossiers/{dossier_id}/receipt.pdf": {"get"},
        "/api/v1/dossiers/{dossier_id}/receive": {"post"},
        "/api/v1/dossiers/{dossier_id}/refuse-intake": {"post"},
        "/api/v1/dossiers/{dossier_id}/request-supplement": {"post"},
        "/api/v1/dossiers/{dossier_id}/supplement": {"post"},
        "/api/v1/dossiers/{dossier_id}/assign": {"post"},
        "/api/v1/dossiers/{dossier_id}/propose": {"post"},
        "/api/v1/dossiers/{dossier_id}/draft-result": {"get"},
        "/api/v1/dossiers/{dossier_id}/approve": {"post"},
        "/api/v1/dossiers/{dossier_id}/send-back": {"post"},
        "/api/v1/dossiers/{dossier_id}/reject": {"post"},
        "/api/v1/dossiers/{dossier_id}/return": {"post"},
        "/api/v1/dossiers/{dossier_id}/withdraw": {"post"},
        "/api/v1/dossiers/{dossier_id}/apology": {"post"},
        "/api/v1/dossiers/{dossier_id}/rating": {"post"},
        "/api/v1/backoffice/dossiers": {"get"},
        "/api/v1/backoffice/counter-dossiers": {"post"},
        "/api/v1/tracking/{code}": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
    submit = paths["/api/v1/dossiers"]["post"]
    assert {"200", "201", "401", "409", "422"} <= set(submit["responses"])
    error = response.json()["components"]["schemas"]["ErrorOut"]
    assert set(error["properties"]) == {"code", "message", "errors"}


def test_an_anonymous_write_is_unauthenticated_not_a_csrf_failure(catalog: object) -> None:
    response = Client(enforce_csrf_checks=True).post(SUBMIT, {"procedure": "1.001193"})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
