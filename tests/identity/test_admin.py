"""The admin site: reached with two factors only, and no way around the audited role services."""

from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from egov.core.models import Agency, AuditEntry
from egov.identity.models import OfficialRole, User
from tests.conftest import PASSWORD, totp_code


@pytest.fixture
def superuser(db: Any) -> User:
    return User.objects.create_superuser("root", "root@example.vn", PASSWORD, full_name="Quản trị")


def verified(client: Client, user: User) -> None:
    """Logged in with the second factor proven, as the login page leaves an administrator."""
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


# --- 5. the second factor ------------------------------------------------------------------------


def test_the_admin_site_login_is_the_one_login_page(client: Client, db: Any) -> None:
    assert client.get("/admin/")["Location"] == "/admin/login/?next=/admin/"
    assert client.get("/admin/login/?next=/admin/")["Location"] == "/login/?next=/admin/"


def test_a_superuser_with_a_password_only_is_asked_for_the_code(
    client: Client, superuser: User
) -> None:
    client.force_login(superuser)  # e.g. a password typed into an old admin login form
    response = client.get("/admin/")
    assert response["Location"] == "/login/?next=/admin/"
    assert client.get("/admin/identity/user/").status_code == 302
    assert client.get(response["Location"])["Location"] == "/login/verify/?next=%2Fadmin%2F"


def test_a_superuser_logs_in_with_password_and_code(client: Client, superuser: User) -> None:
    device = TOTPDevice.objects.create(user=superuser, name="app", confirmed=True)
    step = client.post("/login/", {"username": "root", "password": PASSWORD, "next": "/admin/"})
    assert step["Location"] == "/login/verify/?next=%2Fadmin%2F"
    assert client.get("/admin/").status_code == 302  # not logged in yet
    done = client.post("/login/verify/?next=/admin/", {"code": totp_code(device)})
    assert done["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_staff_member_is_asked_for_the_code_too(client: Client, citizen: User) -> None:
    User.objects.filter(pk=citizen.pk).update(is_staff=True)
    client.force_login(citizen)
    assert client.get("/admin/")["Location"] == "/login/?next=/admin/"
    verified(client, User.objects.get(pk=citizen.pk))
    assert client.get("/admin/").status_code == 200


# --- 4. roles are not changed in the admin -------------------------------------------------------


def change_form_data(page: Any) -> dict[str, Any]:
    """What the browser would send back from the admin's change form, unchanged."""
    form = page.context["adminform"].form
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, datetime):  # two inputs, in the page's own format
            widget = form.fields[name].widget.get_context(name, value, {})["widget"]
            for index, part in enumerate(widget["subwidgets"]):
                data[f"{name}_{index}"] = part["value"]
                if form.fields[name].show_hidden_initial:  # a field with a callable default
                    data[f"initial-{name}_{index}"] = part["value"]
        elif value is True:
            data[name] = "on"
        elif value not in (None, False):
            data[name] = value
    return data


def test_roles_are_shown_but_not_editable_and_a_change_is_audited(
    client: Client, superuser: User, ward: Agency, make_official: Any
) -> None:
    official = make_official(ward, "receiver")
    # The form shows whole seconds: a stored fraction would count as a change.
    User.objects.filter(pk=official.pk).update(
        date_joined=official.date_joined.replace(microsecond=0)
    )
    verified(client, superuser)
    url = f"/admin/identity/user/{official.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "official_roles-0-role" not in html  # no editable role field
    assert "/officials/" in html  # where roles are changed instead

    data = change_form_data(page)
    data["full_name"] = "Cán bộ tiếp nhận"
    data |= {
        "official_roles-TOTAL_FORMS": "1",
        "official_roles-INITIAL_FORMS": "0",
        "official_roles-MIN_NUM_FORMS": "0",
        "official_roles-MAX_NUM_FORMS": "1000",
        "official_roles-0-agency": str(ward.pk),
        "official_roles-0-role": "agency_admin",
        "official_roles-0-user": str(official.pk),
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert set(OfficialRole.objects.filter(user=official).values_list("role", flat=True)) == {
        "receiver"
    }
    official.refresh_from_db()
    assert official.full_name == "Cán bộ tiếp nhận"
    entry = AuditEntry.objects.get(action="user_changed_in_admin", object_id=str(official.pk))
    assert entry.actor_id == superuser.pk
    assert entry.data == {"fields": ["full_name"]}


def test_someone_logged_in_without_admin_access_is_refused_not_sent_round(
    client: Client, citizen: User
) -> None:
    client.force_login(citizen)
    assert client.get("/admin/")["Location"] == "/admin/login/?next=/admin/"
    assert client.get("/admin/login/?next=/admin/").status_code == 403
