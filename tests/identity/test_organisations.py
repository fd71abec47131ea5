"""Organisations and the people who act for them: registration by tax code, representations
granted and revoked (audited, without personal data), and dossiers that belong to the
organisation — seen and acted on by its current representatives only."""

import html
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from egov.catalog.models import Procedure
from egov.core.errors import Conflict, InvalidInput, NotAllowed
from egov.core.models import Agency, AuditEntry, Notification, NotificationStatus
from egov.dossiers import services as dossiers
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.dossiers.receipts import receipt_pdf
from egov.dossiers.services import NotFound, Upload
from egov.identity.models import Organisation, Representation, RepresentationKind, User
from egov.identity.officials.services import create_official
from egov.identity.organisations.access import represents
from egov.identity.organisations.selectors import organisations_of
from egov.identity.organisations.services import (
    grant_representation,
    register_organisation,
    revoke_representation,
)
from tests.conftest import PASSWORD, bearer, log_in, pdf_bytes
from tests.dossiers.test_receipts import pdf_text

STAY = "2.001159"  # Thông báo lưu trú: citizens and organisations file it
POLICE_WARD = "000.31.04.H26"
FIRST_VERIFY = (
    "To register an organisation, first verify your identity at level 2 on your account page."
)


def vi(english: str, **values: Any) -> str:
    """``english`` as the pages say it: its Vietnamese translation once the catalogue has one."""
    with translation.override("vi"):
        text = translation.gettext(english)
    return text % values if values else text


def text_of(response: Any) -> str:
    return html.unescape(response.content.decode())


STAY_FORM = {
    "host_full_name": "Nguyễn Văn An",
    "stay_address": "25 Liễu Giai, phường Ba Đình, Hà Nội",
    "guest_full_name": "Phạm Quốc Dũng",
    "guest_personal_id": "001095000004",
    "stay_from": "2026-11-20",
    "stay_until": "2026-11-25",
    "reason": "Du lịch",
}


def stay_files() -> dict[str, Upload]:
    import io

    data = pdf_bytes("Thông tin lưu trú")
    return {"THONG_TIN_LUU_TRU": Upload("luu-tru.pdf", io.BytesIO(data), len(data))}


@pytest.fixture
def hotel(legal: User) -> Organisation:
    return register_organisation(
        by=legal, kind="business", name="Khách sạn Hoa Sen", tax_code="0101234565"
    )


@pytest.fixture
def clerk(make_citizen: Callable[..., User], hotel: Organisation, legal: User) -> User:
    """An authorised person of the hotel."""
    person = make_citizen(full_name="Nhân viên lễ tân")
    grant_representation(hotel, person, RepresentationKind.AUTHORISED, by=legal)
    return person


@pytest.fixture
def platform_admin(agencies: dict[str, Agency]) -> User:
    return create_official(
        username="quantri.nentang.test",
        full_name="Quản trị nền tảng",
        password=PASSWORD,
        agency=agencies["000.00.00.H26"],
        roles=["platform_admin"],
    )


@pytest.fixture
def stay(catalog: dict[str, Procedure]) -> Procedure:
    return catalog[STAY]


@pytest.fixture
def police_ward(agencies: dict[str, Agency]) -> Agency:
    return agencies[POLICE_WARD]


# --- registering --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0101234565", "0101234565"),
        ("0101234565001", "0101234565-001"),
        ("0101234565-001", "0101234565-001"),
        (" 0101 234 565 ", "0101234565"),
    ],
)
def test_a_business_registers_by_its_tax_code(legal: User, typed: str, stored: str) -> None:
    organisation = register_organisation(by=legal, kind="business", name="Công ty", tax_code=typed)
    assert organisation.tax_code == stored
    assert represents(legal, organisation.pk)
    assert list(organisations_of(legal)) == [organisation]
    representation = Representation.objects.get(organisation=organisation)
    assert (representation.kind, representation.granted_by) == ("legal", legal)


@pytest.mark.parametrize("tax_code", ["", "12345", "01012345658", "010123456A", "0101234565-01"])
def test_a_bad_tax_code_is_refused(legal: User, tax_code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        register_organisation(by=legal, kind="business", name="Công ty", tax_code=tax_code)
    assert "tax_code" in refused.value.errors
    assert not Organisation.objects.exists()


def test_another_organisation_may_have_no_tax_code(legal: User) -> None:
    association = register_organisation(
        by=legal, kind="other", name="Hội khuyến học phường", registration_number="123/QĐ-UBND"
    )
    assert association.tax_code is None and association.registration_number == "123/QĐ-UBND"


def test_a_tax_code_registers_once(hotel: Organisation, legal: User) -> None:
    with pytest.raises(Conflict):
        register_organisation(by=legal, kind="business", name="Khác", tax_code="0101234565")


@pytest.mark.parametrize("level", [0, 1])
def test_registering_needs_level_two(make_citizen: Callable[..., User], level: int) -> None:
    with pytest.raises(NotAllowed):
        register_organisation(
            by=make_citizen(identity_level=level), kind="business", name="X", tax_code="0101234565"
        )


def test_a_platform_admin_registers_for_someone(platform_admin: User, legal: User) -> None:
    organisation = register_organisation(
        by=platform_admin,
        kind="business",
        name="Công ty",
        tax_code="0109999982",
        legal_representative=legal,
    )
    assert represents(legal, organisation.pk)
    assert not represents(platform_admin, organisation.pk)


def test_other_officials_do_not_register(staff: dict[str, User]) -> None:
    with pytest.raises(NotAllowed):
        register_organisation(
            by=staff["agency_admin"], kind="business", name="X", tax_code="0101234565"
        )


# --- granting and revoking ------------------------------------------------------------------------------


def test_grant_and_revoke_are_audited_without_personal_data(
    hotel: Organisation, legal: User, make_citizen: Callable[..., User]
) -> None:
    person = make_citizen(full_name="Trần Văn Lễ")
    granted = grant_representation(hotel, person, RepresentationKind.AUTHORISED, by=legal)
    assert represents(person, hotel.pk)
    assert grant_representation(hotel, person, RepresentationKind.AUTHORISED, by=legal) == granted
    revoked = revoke_representation(granted, by=legal)
    assert revoked.revoked_at is not None and revoked.revoked_by == legal
    assert not represents(person, hotel.pk)
    assert revoke_representation(granted, by=legal).revoked_at == revoked.revoked_at  # idempotent
    # A new authorisation after a revocation is a new row; the history stays.
    again = grant_representation(hotel, person, RepresentationKind.AUTHORISED, by=legal)
    assert again.pk != granted.pk
    rows = AuditEntry.objects.filter(object_type="organisation", object_id=str(hotel.pk))
    assert [row.action for row in rows] == [
        "organisation_registered",
        "representation_granted",
        "representation_granted",
        "representation_revoked",
        "representation_granted",
    ]
    text = json.dumps([row.data for row in rows], ensure_ascii=False)
    for personal in (person.full_name, person.personal_id, legal.personal_id, "0101234565"):
        assert personal not in text
    assert rows[3].data == {"representation": granted.pk, "person": person.pk}
    assert rows[3].actor == legal


def test_only_a_legal_representative_or_platform_admin_manages(
    hotel: Organisation,
    clerk: User,
    legal: User,
    platform_admin: User,
    make_citizen: Callable[..., User],
) -> None:
    stranger = make_citizen()
    with pytest.raises(NotAllowed):
        grant_representation(hotel, stranger, RepresentationKind.AUTHORISED, by=clerk)
    with pytest.raises(NotAllowed):
        grant_representation(hotel, stranger, RepresentationKind.AUTHORISED, by=stranger)
    clerks = Representation.objects.get(person=clerk)
    with pytest.raises(NotAllowed):
        revoke_representation(clerks, by=clerk)
    grant_representation(hotel, stranger, RepresentationKind.LEGAL, by=platform_admin)
    assert represents(stranger, hotel.pk)
    revoke_representation(clerks, by=platform_admin)
    assert not represents(clerk, hotel.pk)


def test_the_last_legal_representative_stays_unless_an_admin_removes_them(
    hotel: Organisation, legal: User, platform_admin: User, clerk: User
) -> None:
    own = Representation.objects.get(person=legal, organisation=hotel)
    with pytest.raises(Conflict):
        revoke_representation(own, by=legal)
    revoke_representation(own, by=platform_admin)
    assert not represents(legal, hotel.pk)


def test_a_different_kind_needs_a_revocation_first(
    hotel: Organisation, legal: User, clerk: User
) -> None:
    with pytest.raises(Conflict):
        grant_representation(hotel, clerk, RepresentationKind.LEGAL, by=legal)


def test_officials_do_not_represent_organisations(
    hotel: Organisation, legal: User, staff: dict[str, User]
) -> None:
    with pytest.raises(InvalidInput):
        grant_representation(hotel, staff["receiver"], RepresentationKind.AUTHORISED, by=legal)


# --- dossiers that belong to the organisation ---------------------------------------------------------


def test_a_dossier_filed_for_the_organisation_belongs_to_it(
    hotel: Organisation,
    legal: User,
    clerk: User,
    stay: Procedure,
    police_ward: Agency,
    make_official: Callable[..., User],
) -> None:
    dossier, _ = dossiers.submit_online(
        clerk, stay, police_ward, STAY_FORM, stay_files(), organisation=hotel
    )
    assert dossier.organisation == hotel and dossier.applicant == clerk
    # The legal representative, who did not file it, may withdraw it like its filer.
    dossiers.withdraw(dossier.pk, legal, "Khách hủy phòng")
    dossier.refresh_from_db()
    assert dossier.status == Status.WITHDRAWN


@pytest.fixture
def received_for_hotel(
    hotel: Organisation,
    clerk: User,
    stay: Procedure,
    police_ward: Agency,
    make_official: Callable[..., User],
) -> tuple[Dossier, User]:
    """A stay notification the clerk filed for the hotel, received at the ward's police, and
    the receiving official."""
    dossier, _ = dossiers.submit_online(
        clerk, stay, police_ward, STAY_FORM, stay_files(), organisation=hotel
    )
    receiver = make_official(police_ward, "receiver")
    dossiers.receive(dossier.pk, receiver, {"THONG_TIN_LUU_TRU": (True, "")})
    return dossier, receiver


def test_the_receipt_and_the_dossier_page_name_the_organisation_and_its_filer(
    client: Client, legal: User, received_for_hotel: tuple[Dossier, User]
) -> None:
    dossier, receiver = received_for_hotel
    slip = pdf_text(receipt_pdf(Dossier.objects.get(pk=dossier.pk)))
    assert "Tiếp nhận hồ sơ của: Khách sạn Hoa Sen" in slip
    assert "Mã số thuế: 0101234565" in slip
    assert "Người đại diện nộp hồ sơ: Nhân viên lễ tân" in slip
    for person in (legal, receiver):  # a representative, and the agency's official
        log_in(client, person)
        page = text_of(client.get(f"/dossiers/{dossier.pk}/"))
        assert "Khách sạn Hoa Sen (" in page and "0101234565)" in page
        assert f"{vi('Filed by (representative)')}</dt><dd>Nhân viên lễ tân</dd>" in page


def test_a_person_s_own_dossier_names_no_organisation(
    client: Client, make_dossier: Callable[..., Dossier], citizen: User
) -> None:
    dossier = make_dossier(Status.RECEIVED)
    slip = pdf_text(receipt_pdf(dossier))
    assert f"Tiếp nhận hồ sơ của: {citizen.full_name}" in slip
    assert "Mã số thuế" not in slip and "Người đại diện" not in slip
    log_in(client, citizen)
    assert vi("Filed by (representative)") not in text_of(client.get(f"/dossiers/{dossier.pk}/"))


def test_a_revoked_representative_loses_the_dossiers_they_filed(
    client: Client,
    hotel: Organisation,
    legal: User,
    clerk: User,
    received_for_hotel: tuple[Dossier, User],
) -> None:
    dossier, receiver = received_for_hotel
    dossiers.request_supplement(dossier.pk, receiver, "Bổ sung giấy tờ khách")
    for person in (clerk, legal):
        rows = client.get("/api/v1/dossiers", headers=bearer(person)).json()["items"]
        assert [(row["id"], row["organisation_name"]) for row in rows] == [(dossier.pk, hotel.name)]
    revoke_representation(Representation.objects.get(person=clerk), by=legal)
    assert client.get(f"/api/v1/dossiers/{dossier.pk}", headers=bearer(clerk)).status_code == 404
    assert client.get("/api/v1/dossiers", headers=bearer(clerk)).json()["items"] == []
    client.force_login(clerk)
    assert client.get(f"/dossiers/{dossier.pk}/").status_code == 404
    assert dossier.code not in client.get("/dossiers/").content.decode()
    with pytest.raises(NotFound):
        dossiers.provide_supplement(dossier.pk, clerk, None, {})
    denied = AuditEntry.objects.filter(action="permission_denied", actor=clerk)
    assert {row.data["action"] for row in denied} == {"view", "supplement"}
    # The others still act for the organisation.
    dossiers.provide_supplement(dossier.pk, legal, None, {})
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED
    api = client.get(f"/api/v1/dossiers/{dossier.pk}", headers=bearer(legal)).json()
    assert api["organisation"] == {
        "id": hotel.pk,
        "kind": "business",
        "tax_code": "0101234565",
        "name": hotel.name,
    }
    assert "supplement" not in api["allowed_actions"] and "withdraw" in api["allowed_actions"]


def test_notifications_stop_for_a_revoked_filer(
    hotel: Organisation,
    legal: User,
    clerk: User,
    stay: Procedure,
    police_ward: Agency,
    make_official: Callable[..., User],
    django_capture_on_commit_callbacks: Any,
    mailoutbox: list[Any],
) -> None:
    dossier, _ = dossiers.submit_online(
        clerk, stay, police_ward, STAY_FORM, stay_files(), organisation=hotel
    )
    receiver = make_official(police_ward, "receiver")
    with django_capture_on_commit_callbacks(execute=True):
        dossiers.receive(dossier.pk, receiver, {"THONG_TIN_LUU_TRU": (True, "")})
    assert [m.to for m in mailoutbox] == [[clerk.email]]
    revoke_representation(Representation.objects.get(person=clerk), by=legal)
    with django_capture_on_commit_callbacks(execute=True):
        dossiers.request_supplement(dossier.pk, receiver, "Bổ sung")
    assert len(mailoutbox) == 1
    late = Notification.objects.filter(
        object_type="dossier", object_id=str(dossier.pk), topic="supplement_requested"
    )
    assert {(n.status, n.last_error) for n in late} == {
        (NotificationStatus.FAILED, "recipient_not_authorised")
    }


def test_filing_for_an_organisation_one_does_not_represent(
    hotel: Organisation,
    make_citizen: Callable[..., User],
    stay: Procedure,
    police_ward: Agency,
    birth: Procedure,
    ward: Agency,
    clerk: User,
) -> None:
    with pytest.raises(NotAllowed):
        dossiers.start_draft(make_citizen(), stay, police_ward, hotel)
    with pytest.raises(InvalidInput):  # birth registration is filed by citizens only
        dossiers.start_draft(clerk, birth, ward, hotel)
    assert not Dossier.objects.exists()


def test_the_start_page_offers_myself_or_my_organisations(
    client: Client,
    hotel: Organisation,
    clerk: User,
    stay: Procedure,
    make_citizen: Callable[..., User],
) -> None:
    client.force_login(clerk)
    page = client.get(f"/procedures/{STAY}/start/").content.decode()
    assert 'name="applicant" value="self"' in page
    assert f'name="applicant" value="{hotel.pk}"' in page
    response = client.post(
        f"/procedures/{STAY}/start/", {"agency": POLICE_WARD, "applicant": str(hotel.pk)}
    )
    assert response.status_code == 302
    draft = Dossier.objects.get()
    assert (draft.organisation, draft.applicant, draft.status) == (hotel, clerk, Status.DRAFT)
    assert response["Location"] == f"/dossiers/{draft.pk}/edit/"
    # Someone else's organisation is not offered, and not accepted either.
    stranger = make_citizen()
    client.force_login(stranger)
    assert f'value="{hotel.pk}"' not in client.get(f"/procedures/{STAY}/start/").content.decode()
    refused = client.post(
        f"/procedures/{STAY}/start/", {"agency": POLICE_WARD, "applicant": str(hotel.pk)}
    )
    assert refused.status_code == 422
    assert Dossier.objects.count() == 1
    # A procedure for citizens only does not ask.
    client.force_login(clerk)
    assert 'name="applicant"' not in client.get("/procedures/1.001193/start/").content.decode()


def _stay_submission(**extra: Any) -> dict[str, Any]:
    return {
        "procedure": STAY,
        "agency": POLICE_WARD,
        "form": json.dumps(STAY_FORM),
        "THONG_TIN_LUU_TRU": SimpleUploadedFile("a.pdf", pdf_bytes("Thông tin lưu trú")),
        **extra,
    }


def test_the_api_files_for_an_organisation_by_tax_code(
    client: Client, hotel: Organisation, clerk: User, make_citizen: Callable[..., User]
) -> None:
    response = client.post(
        "/api/v1/dossiers", _stay_submission(organisation="0101234565"), headers=bearer(clerk)
    )
    assert response.status_code == 201, response.json()
    assert response.json()["organisation"]["tax_code"] == "0101234565"
    stranger = bearer(make_citizen())
    refused = client.post(
        "/api/v1/dossiers", _stay_submission(organisation="0101234565"), headers=stranger
    )
    unknown = client.post(
        "/api/v1/dossiers", _stay_submission(organisation="0309999997"), headers=stranger
    )
    assert refused.status_code == unknown.status_code == 403
    assert refused.json()["code"] == unknown.json()["code"] == "forbidden"
    draft = client.post(
        "/api/v1/dossiers/drafts",
        {"procedure": STAY, "agency": POLICE_WARD, "organisation": "0101234565"},
        content_type="application/json",
        headers=bearer(clerk),
    )
    assert draft.status_code == 201 and draft.json()["organisation"]["id"] == hotel.pk
    assert Dossier.objects.filter(organisation=hotel).count() == 2


# --- pages ------------------------------------------------------------------------------------------------


def test_my_organisations_page_registers_one(client: Client, legal: User) -> None:
    client.force_login(legal)
    page = client.get("/account/organisations/")
    assert page.status_code == 200
    assert vi("You do not represent any organisation.") in text_of(page)
    bad = client.post(
        "/account/organisations/", {"kind": "business", "name": "Công ty", "tax_code": "123"}
    )
    assert bad.status_code == 422
    assert "tax_code" in bad.context["form"].errors
    response = client.post(
        "/account/organisations/",
        {"kind": "business", "name": "Công ty TNHH Sen Vàng", "tax_code": "0312345673001"},
    )
    organisation = Organisation.objects.get()
    assert response["Location"] == f"/account/organisations/{organisation.pk}/"
    assert organisation.tax_code == "0312345673-001"
    assert "Công ty TNHH Sen Vàng" in client.get("/account/organisations/").content.decode()


def test_a_person_below_level_two_is_told_to_verify_first(
    client: Client, make_citizen: Callable[..., User]
) -> None:
    client.force_login(make_citizen(identity_level=1))
    page = text_of(client.get("/account/organisations/"))
    assert vi(FIRST_VERIFY) in page
    assert 'name="tax_code"' not in page


def test_the_organisation_page_grants_and_revokes(
    client: Client, hotel: Organisation, legal: User, make_citizen: Callable[..., User]
) -> None:
    person = make_citizen(full_name="Lê Thị Quầy")
    client.force_login(legal)
    page = client.get(f"/account/organisations/{hotel.pk}/")
    assert page.status_code == 200 and legal.full_name in page.content.decode()
    unknown = client.post(
        f"/account/organisations/{hotel.pk}/",
        {"grant-personal_id": "001099999829", "grant-kind": "authorised"},
    )
    assert unknown.status_code == 422
    response = client.post(
        f"/account/organisations/{hotel.pk}/",
        {"grant-personal_id": person.personal_id, "grant-kind": "authorised"},
    )
    assert response.status_code == 302
    granted = Representation.objects.get(person=person, revoked_at__isnull=True)
    assert "Lê Thị Quầy" in client.get(f"/account/organisations/{hotel.pk}/").content.decode()
    revoke_url = f"/account/organisations/{hotel.pk}/representatives/{granted.pk}/revoke/"
    assert client.get(revoke_url).status_code == 405
    assert client.post(revoke_url).status_code == 302
    assert not represents(person, hotel.pk)


def test_an_authorised_person_sees_but_does_not_manage(
    client: Client, hotel: Organisation, clerk: User, legal: User, make_citizen: Callable[..., User]
) -> None:
    client.force_login(clerk)
    page = client.get(f"/account/organisations/{hotel.pk}/").content.decode()
    assert legal.full_name in page and 'name="grant-personal_id"' not in page
    own = Representation.objects.get(person=clerk)
    response = client.post(f"/account/organisations/{hotel.pk}/representatives/{own.pk}/revoke/")
    assert response.status_code == 302
    assert represents(clerk, hotel.pk)  # refused with a message
    client.force_login(make_citizen())
    assert client.get(f"/account/organisations/{hotel.pk}/").status_code == 404
    assert (
        client.post(
            f"/account/organisations/{hotel.pk}/representatives/{own.pk}/revoke/"
        ).status_code
        == 404
    )


# --- API ---------------------------------------------------------------------------------------------------


def test_the_organisations_api(
    client: Client, legal: User, make_citizen: Callable[..., User]
) -> None:
    headers = bearer(legal)
    created = client.post(
        "/api/v1/organisations",
        {"kind": "business", "name": "Công ty Mai Vàng", "tax_code": "0101234565"},
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201, created.json()
    organisation_id = created.json()["id"]
    assert [r["kind"] for r in created.json()["representatives"]] == ["legal"]
    duplicate = client.post(
        "/api/v1/organisations",
        {"kind": "business", "name": "Trùng", "tax_code": "0101234565"},
        content_type="application/json",
        headers=headers,
    )
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "conflict"
    assert [
        o["id"] for o in client.get("/api/v1/organisations", headers=headers).json()["items"]
    ] == [organisation_id]
    person = make_citizen()
    grant = client.post(
        f"/api/v1/organisations/{organisation_id}/representatives",
        {"personal_id": person.personal_id, "kind": "authorised"},
        content_type="application/json",
        headers=headers,
    )
    assert grant.status_code == 201
    assert grant.json()["person_id"] == person.pk
    person_headers = bearer(person)
    assert (
        client.get(f"/api/v1/organisations/{organisation_id}", headers=person_headers).status_code
        == 200
    )
    refused = client.post(
        f"/api/v1/organisations/{organisation_id}/representatives",
        {"personal_id": legal.personal_id, "kind": "authorised"},
        content_type="application/json",
        headers=person_headers,
    )
    assert refused.status_code == 403
    revoked = client.post(
        f"/api/v1/organisations/{organisation_id}/representatives/{grant.json()['id']}/revoke",
        headers=headers,
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert (
        client.get(f"/api/v1/organisations/{organisation_id}", headers=person_headers).status_code
        == 404
    )
    assert client.get("/api/v1/organisations").status_code == 401
