"""Logging in: citizens with their password; officials with their password and a one-time code
(enrolling their authenticator app the first time); sessions of officials that lack the second
factor or sat idle; the lockout after repeated failures."""

import base64
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.http import HttpResponse
from django.test import Client, override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from egov.core.models import Agency, AuditEntry
from egov.identity.models import User
from egov.identity.oidc.services import SESSION_AMR
from egov.identity.throttling import login_key
from tests.conftest import PASSWORD, bearer, log_in, totp_code


def password_step(client: Client, username: str, password: str = PASSWORD, **query: str) -> Any:
    url = "/login/" + (f"?{urlencode(query)}" if query else "")
    return client.post(url, {"username": username, "password": password})


def code_step(client: Client, code: str, **query: str) -> Any:
    url = "/login/verify/" + (f"?{urlencode(query)}" if query else "")
    return client.post(url, {"code": code, **query})


def logged_in_user(client: Client) -> Any:
    return client.get("/").wsgi_request.user


def text(response: HttpResponse) -> str:
    return response.content.decode()


# --- citizens ------------------------------------------------------------------------------------


def test_a_citizen_logs_in_with_the_password_alone(client: Client, citizen: User) -> None:
    assert citizen.personal_id is not None
    response = password_step(client, citizen.personal_id, next="/dossiers/")
    assert response.status_code == 302
    assert response["Location"] == "/dossiers/"
    assert logged_in_user(client) == citizen
    entry = AuditEntry.objects.filter(action="login", actor=citizen).get()
    assert entry.data == {}


def test_a_citizen_without_next_lands_on_the_home_page(client: Client, citizen: User) -> None:
    assert citizen.personal_id is not None
    assert password_step(client, citizen.personal_id)["Location"] == "/"


# --- officials: where they land ----------------------------------------------------------------------


def test_an_official_without_next_lands_on_the_back_office_queue(
    client: Client, clock: Any, receiver: User, enrolled: TOTPDevice
) -> None:
    password_step(client, receiver.username)
    response = code_step(client, totp_code(enrolled))
    assert response.status_code == 302
    assert response["Location"] == "/backoffice/"
    assert client.get(response["Location"]).status_code == 200


def test_next_still_decides_where_an_official_lands(
    client: Client, clock: Any, receiver: User, enrolled: TOTPDevice
) -> None:
    password_step(client, receiver.username, next="/procedures/")
    response = code_step(client, totp_code(enrolled), next="/procedures/")
    assert response["Location"] == "/procedures/"


def test_an_official_without_a_dossier_role_lands_on_the_home_page(
    client: Client, clock: Any, ward: Agency, make_official: Callable[..., User]
) -> None:
    """A platform administrator handles no dossiers: the queue is not theirs to land on."""
    admin = make_official(ward, "platform_admin", username="quantri.kiemthu")
    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    password_step(client, admin.username)
    assert code_step(client, totp_code(device))["Location"] == "/"


# --- officials: the second step --------------------------------------------------------------------


def test_after_the_password_an_official_is_not_yet_logged_in(
    client: Client, receiver: User, enrolled: TOTPDevice
) -> None:
    response = password_step(client, receiver.username, next="/backoffice/")
    assert response.status_code == 302
    assert response["Location"] == "/login/verify/?next=%2Fbackoffice%2F"
    assert not logged_in_user(client).is_authenticated
    assert not AuditEntry.objects.filter(action="login").exists()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["enrolling"] is False
    assert "data:image/svg+xml" not in text(page)
    assert client.get("/backoffice/")["Location"] == "/login/?next=/backoffice/"


def test_an_enrolled_official_logs_in_with_the_code(
    client: Client, clock: Any, receiver: User, enrolled: TOTPDevice
) -> None:
    password_step(client, receiver.username, next="/backoffice/")
    response = code_step(client, totp_code(enrolled), next="/backoffice/")
    assert response.status_code == 302
    assert response["Location"] == "/backoffice/"
    user = client.get("/backoffice/").wsgi_request.user
    assert user == receiver
    assert user.is_verified()
    assert client.get("/backoffice/").status_code == 200
    login = AuditEntry.objects.filter(action="login", actor=receiver).get()
    assert login.data == {"second_factor": "totp"}


def test_the_code_page_is_accessible(client: Client, receiver: User, enrolled: TOTPDevice) -> None:
    password_step(client, receiver.username)
    page = text(client.get("/login/verify/"))
    field = re.search(r"<input[^>]*name=\"code\"[^>]*>", page)
    assert field is not None
    for attribute in (
        'autocomplete="one-time-code"',
        'inputmode="numeric"',
        'id="id_code"',
        'aria-describedby="id_code_helptext"',
    ):
        assert attribute in field.group(0)
    assert '<label for="id_code">' in page


def test_an_official_enrols_an_authenticator_at_the_first_login(
    client: Client, clock: Any, receiver: User
) -> None:
    password_step(client, receiver.username, next="/backoffice/")
    page = client.get("/login/verify/?next=/backoffice/")
    assert page.context["enrolling"] is True
    body = text(page)
    # The QR code is an image (no inline script or style), with a text alternative, and the
    # key is printed for typing by hand.
    image = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)"[^>]*alt="([^"]+)"', body)
    assert image is not None
    assert base64.b64decode(image.group(1)).startswith(b"<svg")
    secret = page.context["secret"]
    assert secret in body
    device = TOTPDevice.objects.get(user=receiver)
    assert not device.confirmed
    assert base64.b32decode(secret.replace(" ", "")) == device.bin_key
    # Reloading shows the same key: what was scanned stays valid.
    assert client.get("/login/verify/").context["secret"] == secret
    assert TOTPDevice.objects.filter(user=receiver).count() == 1

    # The app shows the code; typing it confirms the app and logs in.
    code = f"{TOTP(base64.b32decode(secret.replace(' ', ''))).token():06d}"
    response = code_step(client, code[:3] + " " + code[3:], next="/backoffice/")
    assert response["Location"] == "/backoffice/"
    device.refresh_from_db()
    assert device.confirmed
    assert logged_in_user(client).is_verified()
    enrolment = AuditEntry.objects.get(action="totp_enrolled")
    assert (enrolment.actor_id, enrolment.object_id, enrolment.data) == (
        receiver.pk,
        str(receiver.pk),
        {},
    )

    # The next login asks for the code only.
    client.post("/logout/")
    clock.shift(timedelta(seconds=30))
    password_step(client, receiver.username)
    assert client.get("/login/verify/").context["enrolling"] is False


def test_a_wrong_code_is_a_failed_login(
    client: Client, clock: Any, receiver: User, enrolled: TOTPDevice
) -> None:
    password_step(client, receiver.username)
    response = code_step(client, "000000" if totp_code(enrolled) != "000000" else "111111")
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert not logged_in_user(client).is_authenticated
    failed = AuditEntry.objects.filter(action="login_failed").get()
    assert failed.data == {"path": "/login/verify/"}
    attempt = AccessAttempt.objects.get()
    assert attempt.failures_since_start == 1
    assert attempt.username == login_key(None, {"username": receiver.username})
    assert "000000" not in attempt.post_data  # the typed code is masked as well
    # Not a number: refused by the form, also counted.
    assert code_step(client, "abcdef").context["form"].errors["code"]
    # Once django-otp's short slow-down after a wrong code has passed, the right one works.
    clock.shift(timedelta(seconds=5))
    assert code_step(client, totp_code(enrolled))["Location"] == "/backoffice/"


def test_a_code_is_accepted_once(
    client: Client, clock: Any, receiver: User, enrolled: TOTPDevice
) -> None:
    code = totp_code(enrolled)
    password_step(client, receiver.username)
    assert code_step(client, code).status_code == 302
    other = Client()
    password_step(other, receiver.username)
    assert code_step(other, code).status_code == 200  # replayed: refused
    assert not logged_in_user(other).is_authenticated


def test_next_survives_both_steps(
    client: Client, clock: Any, receiver: User, enrolled: TOTPDevice
) -> None:
    """The OpenID Connect provider sends people to LOGIN_URL with next=/o/authorize/?…"""
    authorize = "/o/authorize/?client_id=abc&response_type=code&scope=openid&state=xyz"
    first = password_step(client, receiver.username, next=authorize)
    assert first["Location"] == "/login/verify/?" + urlencode({"next": authorize})
    page = client.get(first["Location"])
    assert f'name="next" value="{authorize.replace("&", "&amp;")}"' in text(page)
    response = client.post("/login/verify/", {"code": totp_code(enrolled), "next": authorize})
    assert response["Location"] == authorize


def test_next_to_another_site_is_ignored(
    client: Client, clock: Any, receiver: User, enrolled: TOTPDevice
) -> None:
    first = password_step(client, receiver.username, next="https://evil.example/")
    assert first["Location"] == "/login/verify/"
    response = client.post(
        "/login/verify/", {"code": totp_code(enrolled), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/backoffice/"  # the official's own landing, not evil


def test_the_second_step_expires(
    client: Client, clock: Any, receiver: User, enrolled: TOTPDevice
) -> None:
    password_step(client, receiver.username)
    clock.shift(timedelta(minutes=6))
    response = code_step(client, totp_code(enrolled), next="/backoffice/")
    assert response["Location"] == "/login/?next=%2Fbackoffice%2F"
    assert not logged_in_user(client).is_authenticated


def test_the_second_step_needs_the_first(client: Client, db: Any) -> None:
    assert client.get("/login/verify/")["Location"] == "/login/"


# --- officials' sessions without the second factor ------------------------------------------------


def test_an_official_session_without_the_second_factor_is_refused(
    client: Client,
    clock: Any,
    receiver: User,
    enrolled: TOTPDevice,
    make_dossier: Callable[..., Any],
) -> None:
    """Logged in elsewhere (the admin site, an external provider) with the password only."""
    dossier = make_dossier()
    client.force_login(receiver)
    for url in ("/backoffice/", f"/dossiers/{dossier.pk}/", "/backoffice/counter/", "/"):
        assert client.get(url)["Location"] == "/login/?" + urlencode({"next": url}, safe="/")
    acting = client.post(f"/dossiers/{dossier.pk}/act/receive/", {})
    assert acting.status_code == 302
    api = client.get("/api/v1/backoffice/dossiers")
    assert api.status_code == 403
    assert api.json()["code"] == "otp_required"
    assert client.get(f"/api/v1/dossiers/{dossier.pk}").json()["code"] == "otp_required"

    # The login page asks for the code and brings the official back.
    login = client.get("/login/?next=/backoffice/")
    assert login["Location"] == "/login/verify/?next=%2Fbackoffice%2F"
    assert code_step(client, totp_code(enrolled), next="/backoffice/")["Location"] == "/backoffice/"
    assert client.get("/backoffice/").status_code == 200
    assert client.get("/api/v1/backoffice/dossiers").status_code == 200


@pytest.mark.parametrize(("methods", "status"), [(["pwd", "otp"], 200), (["pwd"], 302)])
def test_a_login_through_the_identity_provider_counts_with_its_code(
    client: Client, receiver: User, methods: list[str], status: int
) -> None:
    """The external provider's signed ``amr`` says whether it checked a one-time code."""
    client.force_login(receiver)
    session = client.session
    session[SESSION_AMR] = methods
    session.save()
    assert client.get("/backoffice/").status_code == status


def test_bearer_tokens_are_not_asked_for_a_second_factor(client: Client, receiver: User) -> None:
    """Tokens are machine credentials: no session, no one-time code."""
    response = client.get("/api/v1/backoffice/dossiers", headers=bearer(receiver))
    assert response.status_code == 200


def test_citizens_are_not_asked_for_a_second_factor(client: Client, citizen: User) -> None:
    client.force_login(citizen)
    assert client.get("/dossiers/").status_code == 200
    assert client.get("/api/v1/dossiers").status_code == 200


# --- idle sessions ----------------------------------------------------------------------------------


def test_an_official_is_logged_out_after_30_idle_minutes(
    client: Client, clock: Any, receiver: User
) -> None:
    log_in(client, receiver)
    assert client.get("/backoffice/").status_code == 200
    clock.shift(timedelta(minutes=29))
    assert client.get("/backoffice/").status_code == 200  # activity: the clock restarts
    clock.shift(timedelta(minutes=29))
    assert client.get("/backoffice/").status_code == 200
    clock.shift(timedelta(minutes=31))
    response = client.get("/backoffice/")
    assert response["Location"] == "/login/?next=/backoffice/"
    page = client.get("/login/?next=/backoffice/")
    assert page.status_code == 200  # the login form, not a redirect: logged out
    [message] = page.context["messages"]
    assert "30" in str(message)
    assert AuditEntry.objects.filter(action="logout", actor=receiver).exists()
    expired = AuditEntry.objects.get(action="session_expired")
    assert (expired.actor, expired.data) == (receiver, {"idle_minutes": 30})


def test_the_api_session_expires_too(client: Client, clock: Any, receiver: User) -> None:
    log_in(client, receiver)
    assert client.get("/api/v1/backoffice/dossiers").status_code == 200
    clock.shift(timedelta(minutes=31))
    response = client.get("/api/v1/backoffice/dossiers")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


@override_settings(OFFICIAL_IDLE_MINUTES=5)
def test_the_idle_limit_is_configurable(client: Client, clock: Any, receiver: User) -> None:
    log_in(client, receiver)
    assert client.get("/backoffice/").status_code == 200
    clock.shift(timedelta(minutes=6))
    assert client.get("/backoffice/").status_code == 302


def test_citizens_keep_their_session_while_idle(client: Client, clock: Any, citizen: User) -> None:
    client.force_login(citizen)
    assert client.get("/dossiers/").status_code == 200
    clock.shift(timedelta(hours=2))
    assert client.get("/dossiers/").status_code == 200


# --- lockout -------------------------------------------------------------------------------------------


def fail(client: Client, username: str, times: int) -> list[int]:
    return [password_step(client, username, "wrong-password").status_code for _ in range(times)]


def test_the_sixth_attempt_is_refused_even_with_the_right_password(
    client: Client, clock: Any, citizen: User
) -> None:
    assert citizen.personal_id is not None
    assert fail(client, citizen.personal_id, 4) == [200, 200, 200, 200]
    fifth = password_step(client, citizen.personal_id, "wrong-password")
    assert fifth.status_code == 429
    sixth = password_step(client, citizen.personal_id)
    assert sixth.status_code == 429
    assert not logged_in_user(client).is_authenticated
    assert sixth["Retry-After"] == str(15 * 60)
    assert "identity/locked_out.html" in [t.name for t in sixth.templates]
    assert re.search(r"15 (minutes|phút)", text(sixth))
    assert AuditEntry.objects.filter(action="login_locked_out").exists()


def test_the_lock_lifts_after_the_cool_off(client: Client, clock: Any, citizen: User) -> None:
    assert citizen.personal_id is not None
    fail(client, citizen.personal_id, 5)
    clock.shift(timedelta(minutes=14))
    assert password_step(client, citizen.personal_id).status_code == 429
    # That attempt restarted the wait.
    clock.shift(timedelta(minutes=15, seconds=1))
    response = password_step(client, citizen.personal_id)
    assert response.status_code == 302
    assert logged_in_user(client) == citizen


def test_wrong_codes_lock_an_official_out(
    client: Client, clock: Any, receiver: User, enrolled: TOTPDevice
) -> None:
    password_step(client, receiver.username)
    statuses = []
    for _ in range(5):
        clock.shift(timedelta(seconds=20))  # past django-otp's own slow-down
        statuses.append(code_step(client, "000000").status_code)
    assert statuses == [200, 200, 200, 200, 429]
    clock.shift(timedelta(seconds=20))
    assert code_step(client, totp_code(enrolled)).status_code == 429
    assert password_step(client, receiver.username).status_code == 429
    assert not logged_in_user(client).is_authenticated


def test_failures_on_any_logins_slow_an_address_down_without_locking_it_out(
    client: Client, clock: Any, citizen: User, other_citizen: User, settings: Any
) -> None:
    """One address guessing many logins waits longer and longer; it is never locked out, so the
    other people behind it (a NAT, an office) are slowed for seconds, not shut out."""
    settings.LOGIN_CLIENT_FAILURES = 5
    for n in range(6):
        password_step(client, f"00109999999{n}", "wrong-password")
    assert other_citizen.personal_id is not None
    refused = password_step(client, other_citizen.personal_id)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "2"
    clock.shift(timedelta(seconds=2))
    assert password_step(client, other_citizen.personal_id).status_code == 302


def test_the_lockout_tables_never_hold_a_personal_id(
    client: Client, clock: Any, citizen: User, caplog: Any
) -> None:
    personal_id = citizen.personal_id
    assert personal_id is not None

    def stored() -> list[dict[str, Any]]:
        return [
            *AccessAttempt.objects.values(),
            *AccessFailureLog.objects.values(),
            *AccessLog.objects.values(),
        ]

    fail(client, personal_id, 6)
    assert AccessAttempt.objects.get().username == login_key(None, {"username": personal_id})
    clock.shift(timedelta(minutes=16))
    assert password_step(client, personal_id).status_code == 302
    password_step(Client(), personal_id, "wrong-password")
    rows = stored()
    assert rows
    for row in rows:
        assert personal_id not in str(row)
    assert personal_id not in caplog.text  # axes' log lines
    for entry in AuditEntry.objects.all():
        assert personal_id not in str(entry.data)
