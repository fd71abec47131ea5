"""Managing officials and their roles: agency administrators in their own agency only, platform
administrators in every agency; through the services, the pages and the API; every change
audited without personal data."""

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from egov.core.errors import InvalidInput, NotAllowed
from egov.core.models import Agency, AuditEntry
from egov.dossiers.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, OFFICIALS, load_demo
from egov.identity.access import is_platform_admin
from egov.identity.models import OfficialRole, Role, User
from egov.identity.officials.access import (
    assignable_roles,
    can_manage_roles,
)
from egov.identity.officials.services import (
    InvalidRole,
    create_official,
    grant_role,
    reset_devices,
    revoke_role,
)
from tests.conftest import bearer, log_in

NEW_PASSWORD = "Quan-tri@2026-moi"


@pytest.fixture
def people(
    ward: Agency,
    other_ward: Agency,
    agencies: dict[str, Agency],
    make_official: Callable[..., User],
    citizen: User,
) -> dict[str, User]:
    """Who may try to manage roles at the ward (A); other_ward is B."""
    return {
        "agency admin of A": make_official(ward, "agency_admin", username="quantri.a"),
        "agency admin of B": make_official(other_ward, "agency_admin", username="quantri.b"),
        "platform admin": make_official(
            agencies["000.00.00.H26"], "platform_admin", username="quantri.nentang"
        ),
        "receiver of A": make_official(ward, "receiver", username="tiepnhan.a"),
        "citizen": citizen,
    }


@pytest.fixture
def official_a(ward: Agency, make_official: Callable[..., User]) -> User:
    return make_official(ward, "processor", username="xuly.a")


@pytest.fixture
def official_b(other_ward: Agency, make_official: Callable[..., User]) -> User:
    return make_official(other_ward, "processor", username="xuly.b")


def audited(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def assert_no_personal_data(user: User) -> None:
    for entry in AuditEntry.objects.all():
        row = json.dumps(entry.data, ensure_ascii=False)
        for value in (user.full_name, user.username, user.email, user.phone):
            assert not value or value not in row


# --- the services ------------------------------------------------------------------------------------

#: Who may grant and revoke a role at the ward (A).
MAY_MANAGE_A = {
    "agency admin of A": True,
    "agency admin of B": False,
    "platform admin": True,
    "receiver of A": False,
    "citizen": False,
}


@pytest.mark.parametrize(("who", "allowed"), MAY_MANAGE_A.items())
def test_who_may_grant_and_revoke_roles(
    people: dict[str, User], official_a: User, ward: Agency, who: str, allowed: bool
) -> None:
    actor = people[who]
    assert can_manage_roles(actor, ward) is allowed
    if not allowed:
        with pytest.raises(NotAllowed):
            grant_role(official_a, ward, Role.APPROVER, by=actor)
        with pytest.raises(NotAllowed):
            revoke_role(official_a, ward, Role.PROCESSOR, by=actor)
        assert official_a.roles_in(ward.pk) == {Role.PROCESSOR}
        assert not AuditEntry.objects.filter(actor=actor, action__startswith="role_").exists()
        return
    grant_role(official_a, ward, Role.APPROVER, by=actor)
    assert official_a.roles_in(ward.pk) == {Role.PROCESSOR, Role.APPROVER}
    revoke_role(official_a, ward, Role.PROCESSOR, by=actor)
    assert official_a.roles_in(ward.pk) == {Role.APPROVER}
    [granted] = audited("role_granted")[-1:]
    [revoked] = audited("role_revoked")
    for entry, role in ((granted, Role.APPROVER), (revoked, Role.PROCESSOR)):
        assert entry.actor == actor
        assert entry.object_type == "user" and entry.object_id == str(official_a.pk)
        assert entry.data == {"agency": ward.code, "role": role}
    assert_no_personal_data(official_a)


def test_an_agency_admin_of_a_cannot_touch_b(
    people: dict[str, User], official_b: User, other_ward: Agency
) -> None:
    admin = people["agency admin of A"]
    with pytest.raises(NotAllowed):
        grant_role(official_b, other_ward, Role.APPROVER, by=admin)
    with pytest.raises(NotAllowed):
        revoke_role(official_b, other_ward, Role.PROCESSOR, by=admin)
    with pytest.raises(NotAllowed):
        create_official(
            username="moi.b",
            full_name="Cán bộ mới",
            password=NEW_PASSWORD,
            agency=other_ward,
            roles=[],
            by=admin,
        )
    assert official_b.roles_in(other_ward.pk) == {Role.PROCESSOR}
    assert not User.objects.filter(username="moi.b").exists()


def test_only_a_platform_admin_hands_out_platform_admin(
    people: dict[str, User], official_a: User, ward: Agency
) -> None:
    with pytest.raises(NotAllowed):
        grant_role(official_a, ward, Role.PLATFORM_ADMIN, by=people["agency admin of A"])
    assert Role.PLATFORM_ADMIN not in assignable_roles(people["agency admin of A"], ward)
    assert Role.AGENCY_ADMIN in assignable_roles(people["agency admin of A"], ward)
    grant_role(official_a, ward, Role.PLATFORM_ADMIN, by=people["platform admin"])
    assert Role.PLATFORM_ADMIN in official_a.roles_in(ward.pk)
    # ... and now manages every agency.
    assert can_manage_roles(official_a, Agency.objects.get(code="000.00.01.H26"))
    with pytest.raises(NotAllowed):
        revoke_role(official_a, ward, Role.PLATFORM_ADMIN, by=people["agency admin of A"])


def test_the_last_platform_admin_stays(
    people: dict[str, User], agencies: dict[str, Agency]
) -> None:
    admin = people["platform admin"]
    with pytest.raises(InvalidInput):
        revoke_role(admin, agencies["000.00.00.H26"], Role.PLATFORM_ADMIN, by=admin)
    assert Role.PLATFORM_ADMIN in admin.roles_in(agencies["000.00.00.H26"].pk)


def test_changes_are_idempotent_and_audited_once(
    people: dict[str, User], official_a: User, ward: Agency
) -> None:
    admin = people["agency admin of A"]
    for _ in range(2):
        grant_role(official_a, ward, Role.APPROVER, by=admin)
        revoke_role(official_a, ward, Role.RECEIVER, by=admin)  # not held: nothing to do
    assert AuditEntry.objects.filter(action="role_granted", actor=admin).count() == 1
    assert not audited("role_revoked")


def test_roles_are_for_officials_and_known(
    people: dict[str, User], official_a: User, citizen: User, ward: Agency
) -> None:
    admin = people["agency admin of A"]
    with pytest.raises(InvalidInput):
        grant_role(citizen, ward, Role.RECEIVER, by=admin)
    with pytest.raises(InvalidRole):
        grant_role(official_a, ward, "minister", by=admin)
    assert not OfficialRole.objects.filter(user=citizen).exists()


def test_a_deactivated_admin_manages_nothing(
    people: dict[str, User], official_a: User, ward: Agency
) -> None:
    admin = people["agency admin of A"]
    admin.is_active = False
    admin.save(update_fields=["is_active"])
    with pytest.raises(NotAllowed):
        grant_role(official_a, ward, Role.APPROVER, by=admin)


def test_an_agency_admin_creates_an_official(people: dict[str, User], ward: Agency) -> None:
    admin = people["agency admin of A"]
    official = create_official(
        username="tiepnhan.moi",
        full_name="Phan Văn Mới",
        password=NEW_PASSWORD,
        email="moi@example.gov.vn",
        phone="0243000111",
        agency=ward,
        roles=[Role.RECEIVER],
        by=admin,
    )
    assert official.is_official and official.agency == ward
    assert official.check_password(NEW_PASSWORD)
    assert official.roles_in(ward.pk) == {Role.RECEIVER}
    [created] = audited("official_created")[-1:]
    assert (created.actor, created.object_id, created.data) == (
        admin,
        str(official.pk),
        {"agency": ward.code},
    )
    assert audited("role_granted")[-1].actor == admin
    assert_no_personal_data(official)


def test_a_new_official_needs_a_free_username_and_a_strong_password(
    people: dict[str, User], ward: Agency
) -> None:
    admin = people["agency admin of A"]
    with pytest.raises(ValidationError) as refused:
        create_official(
            username="quantri.a",  # taken
            full_name="Trùng tên",
            password="123456",
            agency=ward,
            roles=[],
            by=admin,
        )
    assert set(refused.value.message_dict) == {"username", "password"}
    with pytest.raises(NotAllowed):
        create_official(
            username="moi.nentang",
            full_name="Quản trị mới",
            password=NEW_PASSWORD,
            agency=ward,
            roles=[Role.PLATFORM_ADMIN],
            by=admin,
        )


def test_resetting_an_authenticator(
    people: dict[str, User], official_a: User, ward: Agency
) -> None:
    TOTPDevice.objects.create(user=official_a, name="phone", confirmed=True)
    with pytest.raises(NotAllowed):
        reset_devices(official_a, ward, by=people["receiver of A"])
    assert reset_devices(official_a, ward, by=people["agency admin of A"]) == 1
    assert not TOTPDevice.objects.filter(user=official_a).exists()
    [reset] = audited("totp_reset")
    assert (reset.actor, reset.object_id) == (people["agency admin of A"], str(official_a.pk))
    # Only a platform administrator resets a platform administrator's.
    platform = people["platform admin"]
    grant_role(platform, ward, Role.RECEIVER)
    with pytest.raises(NotAllowed):
        reset_devices(platform, ward, by=people["agency admin of A"])


# --- the pages ------------------------------------------------------------------------------------------


def test_an_agency_admin_goes_straight_to_their_agency(
    client: Client, people: dict[str, User], ward: Agency
) -> None:
    log_in(client, people["agency admin of A"])
    assert client.get("/officials/")["Location"] == f"/officials/{ward.code}/"


def test_a_platform_admin_chooses_among_every_agency(
    client: Client, people: dict[str, User], ward: Agency, other_ward: Agency
) -> None:
    log_in(client, people["platform admin"])
    page = client.get("/officials/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f"/officials/{ward.code}/" in body and f"/officials/{other_ward.code}/" in body


@pytest.mark.parametrize("who", ["receiver of A", "citizen", "agency admin of B"])
def test_others_cannot_open_the_officials_pages(
    client: Client, people: dict[str, User], ward: Agency, who: str
) -> None:
    log_in(client, people[who])
    pages = [f"/officials/{ward.code}/", f"/officials/{ward.code}/new/"]
    if who != "agency admin of B":
        pages.append("/officials/")
    for url in pages:
        assert client.get(url).status_code == 403, url


def test_the_officials_pages_need_a_login(client: Client, ward: Agency, db: Any) -> None:
    url = f"/officials/{ward.code}/"
    assert client.get(url)["Location"] == f"/login/?next={url}"
    assert client.get("/officials/000.00.99.H26/").status_code == 302


def test_an_unknown_agency_is_not_found(client: Client, people: dict[str, User]) -> None:
    log_in(client, people["platform admin"])
    assert client.get("/officials/000.00.99.H26/").status_code == 404


def test_the_agency_page_lists_officials_and_their_roles(
    client: Client, people: dict[str, User], official_a: User, official_b: User, ward: Agency
) -> None:
    TOTPDevice.objects.create(user=official_a, name="phone", confirmed=True)
    log_in(client, people["agency admin of A"])
    page = client.get(f"/officials/{ward.code}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert official_a.full_name in body and people["receiver of A"].full_name in body
    assert official_b.full_name not in body
    rows = {row["official"].pk: row for row in page.context["rows"]}
    assert [role for role, _label in rows[official_a.pk]["roles"]] == [Role.PROCESSOR]
    assert rows[official_a.pk]["enrolled"] is True
    assert rows[people["receiver of A"].pk]["enrolled"] is False
    # The grant form offers the agency's officials and every role but platform_admin.
    form = page.context["form"]
    assert {value for value, _ in form.fields["official"].choices if value} == set(rows)
    assert Role.PLATFORM_ADMIN not in {value for value, _ in form.fields["role"].choices}
    assert '<label for="id_official">' in body and '<label for="id_role">' in body


def test_granting_and_revoking_from_the_page(
    client: Client, people: dict[str, User], official_a: User, ward: Agency
) -> None:
    admin = people["agency admin of A"]
    log_in(client, admin)
    granted = client.post(
        f"/officials/{ward.code}/grant/", {"official": official_a.pk, "role": Role.APPROVER}
    )
    assert granted["Location"] == f"/officials/{ward.code}/"
    assert official_a.roles_in(ward.pk) == {Role.PROCESSOR, Role.APPROVER}
    revoked = client.post(
        f"/officials/{ward.code}/revoke/", {"official": official_a.pk, "role": Role.PROCESSOR}
    )
    assert revoked.status_code == 302
    official_a.__dict__.pop("_roles_cache", None)
    assert official_a.roles_in(ward.pk) == {Role.APPROVER}
    assert [e.actor for e in audited("role_granted")][-1] == admin
    assert [e.actor for e in audited("role_revoked")] == [admin]
    assert client.get(f"/officials/{ward.code}/grant/").status_code == 405


def test_the_page_refuses_what_the_admin_may_not_do(
    client: Client, people: dict[str, User], official_a: User, official_b: User, ward: Agency
) -> None:
    log_in(client, people["agency admin of A"])
    url = f"/officials/{ward.code}/grant/"
    # platform_admin is not offered, and an official of B is not one of A's.
    for data in (
        {"official": official_a.pk, "role": Role.PLATFORM_ADMIN},
        {"official": official_b.pk, "role": Role.RECEIVER},
        {"official": official_a.pk, "role": ""},
    ):
        assert client.post(url, data).status_code == 422
    assert official_a.roles_in(ward.pk) == {Role.PROCESSOR}
    assert not OfficialRole.objects.filter(user=official_b, agency=ward).exists()


def test_creating_an_official_from_the_page(
    client: Client, people: dict[str, User], ward: Agency
) -> None:
    log_in(client, people["agency admin of A"])
    url = f"/officials/{ward.code}/new/"
    form = client.get(url)
    assert form.status_code == 200
    body = form.content.decode()
    assert 'autocomplete="new-password"' in body
    assert "<legend>" in body  # the roles are a group of checkboxes with a legend
    data = {
        "full_name": "Phan Văn Mới",
        "username": "tiepnhan.moi",
        "email": "moi@example.gov.vn",
        "phone": "0243000111",
        "password": "123",
        "roles": [Role.RECEIVER, Role.PROCESSOR],
    }
    refused = client.post(url, data)
    assert refused.status_code == 422
    assert 'role="alert"' in refused.content.decode()
    assert not User.objects.filter(username="tiepnhan.moi").exists()
    created = client.post(url, data | {"password": NEW_PASSWORD})
    assert created["Location"] == f"/officials/{ward.code}/"
    official = User.objects.get(username="tiepnhan.moi")
    assert official.roles_in(ward.pk) == {Role.RECEIVER, Role.PROCESSOR}
    assert official.agency == ward and official.is_official


def test_resetting_an_authenticator_from_the_page(
    client: Client, people: dict[str, User], official_a: User, ward: Agency
) -> None:
    TOTPDevice.objects.create(user=official_a, name="phone", confirmed=True)
    log_in(client, people["agency admin of A"])
    response = client.post(f"/officials/{ward.code}/{official_a.pk}/reset-two-factor/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=official_a).exists()
    assert audited("totp_reset")[0].actor == people["agency admin of A"]


# --- the API ----------------------------------------------------------------------------------------------


def test_the_api_lists_an_agencys_officials(
    client: Client, people: dict[str, User], official_a: User, ward: Agency
) -> None:
    log_in(client, people["agency admin of A"])  # a verified session works as a token does
    response = client.get("/api/v1/officials", {"agency": ward.code})
    assert response.status_code == 200
    listed = {row["username"]: row for row in response.json()["items"]}
    assert listed["xuly.a"] == {
        "id": official_a.pk,
        "username": "xuly.a",
        "full_name": official_a.full_name,
        "agency_code": ward.code,
        "roles": [Role.PROCESSOR],
        "two_factor_enrolled": False,
    }


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("agency admin of A", 200),
        ("platform admin", 200),
        ("agency admin of B", 403),
        ("receiver of A", 403),
        ("citizen", 403),
    ],
)
def test_who_may_use_the_officials_api(
    client: Client, people: dict[str, User], official_a: User, ward: Agency, who: str, status: int
) -> None:
    headers = bearer(people[who])
    listed = client.get("/api/v1/officials", {"agency": ward.code}, headers=headers)
    granted = client.post(
        f"/api/v1/officials/{official_a.pk}/roles",
        {"agency": ward.code, "role": Role.APPROVER},
        content_type="application/json",
        headers=headers,
    )
    revoked = client.delete(
        f"/api/v1/officials/{official_a.pk}/roles/{Role.PROCESSOR}?agency={ward.code}",
        headers=headers,
    )
    assert (listed.status_code, granted.status_code, revoked.status_code) == (status,) * 3
    if status == 403:
        assert granted.json()["code"] == "forbidden"
        assert official_a.roles_in(ward.pk) == {Role.PROCESSOR}
    else:
        assert granted.json()["roles"] == [Role.APPROVER, Role.PROCESSOR]
        assert revoked.json()["roles"] == [Role.APPROVER]
        assert [e.actor for e in audited("role_revoked")] == [people[who]]


def test_the_api_needs_authentication(client: Client, ward: Agency) -> None:
    response = client.get("/api/v1/officials", {"agency": ward.code})
    assert response.status_code == 401


def test_the_api_creates_an_official(client: Client, people: dict[str, User], ward: Agency) -> None:
    headers = bearer(people["agency admin of A"])
    payload = {
        "agency": ward.code,
        "username": "pheduyet.moi",
        "full_name": "Đoàn Thị Mới",
        "password": NEW_PASSWORD,
        "roles": [Role.APPROVER],
    }
    created = client.post(
        "/api/v1/officials", payload, content_type="application/json", headers=headers
    )
    assert created.status_code == 201
    assert created.json()["roles"] == [Role.APPROVER]
    again = client.post(
        "/api/v1/officials", payload, content_type="application/json", headers=headers
    )
    assert again.status_code == 422
    assert set(again.json()["errors"]) == {"username"}
    forbidden = client.post(
        "/api/v1/officials",
        payload | {"username": "khac", "roles": [Role.PLATFORM_ADMIN]},
        content_type="application/json",
        headers=headers,
    )
    assert forbidden.status_code == 403


def test_the_api_does_not_reach_across_agencies(
    client: Client, people: dict[str, User], official_b: User, ward: Agency, other_ward: Agency
) -> None:
    headers = bearer(people["agency admin of A"])
    # An official of B is not one of A's officials.
    response = client.post(
        f"/api/v1/officials/{official_b.pk}/roles",
        {"agency": ward.code, "role": Role.RECEIVER},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 404
    unknown = client.get("/api/v1/officials", {"agency": "000.00.99.H26"}, headers=headers)
    assert unknown.status_code == 404
    bad_role = client.post(
        f"/api/v1/officials/{people['receiver of A'].pk}/roles",
        {"agency": ward.code, "role": "minister"},
        content_type="application/json",
        headers=headers,
    )
    assert (bad_role.status_code, bad_role.json()["code"]) == (422, "invalid_role")
    platform = bearer(people["platform admin"])
    granted = client.post(
        f"/api/v1/officials/{official_b.pk}/roles",
        {"agency": other_ward.code, "role": Role.AGENCY_ADMIN},
        content_type="application/json",
        headers=platform,
    )
    assert granted.status_code == 200
    assert granted.json()["roles"] == [Role.AGENCY_ADMIN, Role.PROCESSOR]


def test_an_unverified_official_session_cannot_use_the_officials_api(
    client: Client, people: dict[str, User], ward: Agency
) -> None:
    client.force_login(people["agency admin of A"])
    response = client.get("/api/v1/officials", {"agency": ward.code})
    assert (response.status_code, response.json()["code"]) == (403, "otp_required")
    assert client.get(f"/officials/{ward.code}/").status_code == 302


# --- the demo ------------------------------------------------------------------------------------------


def test_demo_officials_log_in_with_the_published_secret(
    client: Client, agencies: dict[str, Agency]
) -> None:
    load_demo()
    load_demo()  # idempotent: no second authenticator
    for username, *_ in OFFICIALS:
        [device] = TOTPDevice.objects.filter(user__username=username)
        assert device.confirmed
        assert base64.b32encode(device.bin_key).decode() == DEMO_TOTP_SECRET
    assert is_platform_admin(User.objects.get(username="quantri.nentang"))

    client.post("/login/", {"username": "quantri.badinh", "password": DEMO_PASSWORD})
    code = f"{TOTP(base64.b32decode(DEMO_TOTP_SECRET)).token():06d}"
    response = client.post("/login/verify/", {"code": code, "next": "/officials/"})
    assert response["Location"] == "/officials/"
    assert client.get("/officials/")["Location"] == "/officials/000.00.31.H26/"


@pytest.mark.parametrize("who", ["agency admin of B", "receiver of A", "citizen"])
def test_a_refused_role_change_is_audited(
    client: Client, people: dict[str, User], official_a: User, ward: Agency, who: str
) -> None:
    actor = people[who]
    with pytest.raises(NotAllowed):
        grant_role(official_a, ward, Role.APPROVER, by=actor)
    with pytest.raises(NotAllowed):
        revoke_role(official_a, ward, Role.PROCESSOR, by=actor)
    refusals = AuditEntry.objects.filter(action="permission_denied", actor=actor)
    assert [(entry.object_type, entry.object_id, entry.data) for entry in refusals] == [
        ("agency", str(ward.pk), {"action": "grant_role", "roles": ["approver"]}),
        ("agency", str(ward.pk), {"action": "revoke_role", "roles": ["processor"]}),
    ]
