"""Only the issuing agency's approvers and agency administrators revoke its results, with a
reason, audited; pages and API decide alike."""

from collections.abc import Callable

import pytest
from django.test import Client

from egov.core.errors import InvalidInput, NotAllowed, NotFound, WrongState
from egov.core.models import Agency, AuditEntry
from egov.identity.models import User
from egov.records import services
from egov.records.models import ResultDocument
from tests.conftest import bearer, log_in


@pytest.fixture
def people(
    staff: dict[str, User],
    citizen: User,
    other_ward: Agency,
    make_official: Callable[..., User],
) -> dict[str, User]:
    return {
        **staff,
        "citizen": citizen,
        "other_approver": make_official(other_ward, "approver", "agency_admin"),
    }


ALLOWED = {"approver", "agency_admin"}
EVERYONE = ["receiver", "processor", "approver", "agency_admin", "citizen", "other_approver"]


@pytest.mark.parametrize("who", EVERYONE)
def test_who_may_revoke_through_the_service(
    signed: ResultDocument, people: dict[str, User], who: str
) -> None:
    if who in ALLOWED:
        revoked = services.revoke(signed.code, people[who], " Cấp sai ngày sinh ")
        assert revoked.revoked_by == people[who]
        assert revoked.revocation_reason == "Cấp sai ngày sinh"
        entry = AuditEntry.objects.get(action="result_revoked")
        assert (entry.actor_id, entry.object_id) == (people[who].pk, signed.code)
        assert entry.data == {"dossier": signed.dossier_id}  # no reason text, no personal data
    else:
        with pytest.raises(NotAllowed):
            services.revoke(signed.code, people[who], "Cấp sai ngày sinh")
        assert not ResultDocument.objects.get(pk=signed.pk).revoked
        denial = AuditEntry.objects.get(action="permission_denied", object_id=signed.code)
        assert denial.actor_id == people[who].pk


@pytest.mark.parametrize("who", EVERYONE)
def test_who_may_revoke_through_the_api(
    client: Client, signed: ResultDocument, people: dict[str, User], who: str
) -> None:
    response = client.post(
        f"/api/v1/results/{signed.code}/revoke",
        {"reason": "Cấp sai ngày sinh"},
        content_type="application/json",
        headers=bearer(people[who]),
    )
    if who in ALLOWED:
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["revocation_reason"] == "Cấp sai ngày sinh" and body["revoked_at"]
        assert body["agency"] == "000.00.31.H26"
    else:
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"


@pytest.mark.parametrize("who", EVERYONE)
def test_who_may_revoke_through_the_pages(
    client: Client, signed: ResultDocument, people: dict[str, User], who: str
) -> None:
    log_in(client, people[who])
    url = f"/backoffice/results/{signed.code}/revoke/"
    listing = client.get("/backoffice/results/")
    page = client.post(url, {"reason": "Cấp sai ngày sinh"})
    if who in ALLOWED:
        assert listing.status_code == 200 and signed.code in listing.content.decode()
        assert page.status_code == 302
        assert ResultDocument.objects.get(pk=signed.pk).revoked
    else:
        # Not listed (no such list for them, or only their own agency's), not revocable.
        assert listing.status_code == 404 or signed.code not in listing.content.decode()
        assert page.status_code == 404
        assert not ResultDocument.objects.get(pk=signed.pk).revoked


def test_anonymous_cannot_revoke(client: Client, signed: ResultDocument) -> None:
    response = client.post(
        f"/api/v1/results/{signed.code}/revoke",
        {"reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 401
    page = client.post(f"/backoffice/results/{signed.code}/revoke/", {"reason": "x"})
    assert page.status_code == 302 and "login" in page["Location"]
    assert not ResultDocument.objects.get(pk=signed.pk).revoked


def test_a_reason_is_required_and_a_document_is_revoked_once(
    client: Client, signed: ResultDocument, staff: dict[str, User]
) -> None:
    with pytest.raises(InvalidInput):
        services.revoke(signed.code, staff["approver"], "   ")
    log_in(client, staff["approver"])
    page = client.post(f"/backoffice/results/{signed.code}/revoke/", {"reason": ""})
    assert page.status_code == 422 and "Trường này là bắt buộc." in page.content.decode()
    services.revoke(signed.code, staff["approver"], "Cấp sai")
    with pytest.raises(WrongState):
        services.revoke(signed.code, staff["agency_admin"], "Lần nữa")
    with pytest.raises(NotFound):
        services.revoke("0000-0000-0000-0000", staff["approver"], "Cấp sai")


def test_a_revoked_result_is_not_returned(signed: ResultDocument, staff: dict[str, User]) -> None:
    from egov.dossiers import services as dossier_services

    services.revoke(signed.code, staff["approver"], "Cấp sai")
    with pytest.raises(dossier_services.WrongState, match="thu hồi"):
        dossier_services.return_result(signed.dossier_id, staff["receiver"])


def test_the_agency_lists_only_its_own_results(
    client: Client, signed: ResultDocument, people: dict[str, User]
) -> None:
    mine = client.get("/api/v1/results", headers=bearer(people["approver"]))
    assert [r["code"] for r in mine.json()["items"]] == [signed.code]
    theirs = client.get("/api/v1/results", headers=bearer(people["other_approver"]))
    assert theirs.json() == {"items": [], "count": 0}
