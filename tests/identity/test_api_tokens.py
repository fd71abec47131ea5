"""API tokens: obtained over HTTP (with the one-time code for officials), expiring, revocable by
their owner on a page and in the API, and recorded when used (docs/api.md)."""

from datetime import datetime, timedelta
from typing import Any

from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from egov.core.models import AuditEntry
from egov.identity.models import ApiToken, User
from egov.identity.tokens import issue_api_token
from tests.conftest import PASSWORD, log_in, totp_code
from tests.identity.conftest import START

URL = "/api/v1/auth/tokens"


def obtain(client: Client, username: str, password: str = PASSWORD, **more: str) -> Any:
    body = {"username": username, "password": password, "name": "ứng dụng"} | more
    return client.post(URL, body, content_type="application/json")


def call(client: Client, token: str, url: str = "/api/v1/dossiers") -> int:
    return client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_citizen_obtains_a_token_with_the_password(
    client: Client, clock: Any, citizen: User
) -> None:
    response = obtain(client, citizen.username)
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "ứng dụng"
    assert datetime.fromisoformat(body["expires_at"]) == START + timedelta(days=90)
    assert call(client, body["token"]) == 200
    token = ApiToken.objects.get(pk=body["id"])
    assert token.user == citizen and token.last_used_at == START
    assert AuditEntry.objects.filter(action="api_token_issued", actor=citizen).exists()


def test_a_wrong_password_gets_no_token_and_counts_as_at_the_login_page(
    client: Client, clock: Any, citizen: User
) -> None:
    for _ in range(3):
        client.post("/login/", {"username": citizen.username, "password": "wrong"})
    wrong = obtain(client, citizen.username, "wrong")
    assert (wrong.status_code, wrong.json()["code"]) == (401, "invalid_credentials")
    locked = obtain(client, citizen.username, "wrong")
    assert locked.status_code == 429
    assert locked.json()["code"] == "too_many_requests"
    assert locked["Retry-After"] == str(15 * 60)
    assert obtain(client, citizen.username).status_code == 429  # the right password too
    assert not ApiToken.objects.exists()


def test_an_official_needs_the_code_of_the_authenticator(
    client: Client, clock: Any, receiver: User, enrolled: TOTPDevice
) -> None:
    without = obtain(client, receiver.username)
    assert (without.status_code, without.json()["code"]) == (403, "otp_required")
    wrong = obtain(client, receiver.username, code="000000")
    assert wrong.status_code == 401
    assert AuditEntry.objects.filter(action="login_failed").count() == 1
    clock.shift(timedelta(seconds=30))
    response = obtain(client, receiver.username, code=totp_code(enrolled))
    assert response.status_code == 201
    assert datetime.fromisoformat(response.json()["expires_at"]) == START + timedelta(
        seconds=30, hours=8
    )
    assert call(client, response.json()["token"], "/api/v1/backoffice/dossiers") == 200


def test_an_official_without_an_authenticator_gets_no_token(
    client: Client, clock: Any, receiver: User
) -> None:
    response = obtain(client, receiver.username, code="123456")
    assert (response.status_code, response.json()["code"]) == (403, "otp_required")


def test_a_token_expires(client: Client, clock: Any, citizen: User, settings: Any) -> None:
    settings.API_TOKEN_DAYS = 2
    token = issue_api_token(citizen, "app")
    clock.shift(timedelta(days=2) - timedelta(seconds=1))
    assert call(client, token) == 200
    clock.shift(timedelta(seconds=1))
    assert call(client, token) == 401


def test_an_officials_token_lives_hours_and_stops_when_idle(
    client: Client, clock: Any, receiver: User
) -> None:
    token = issue_api_token(receiver, "script")
    url = "/api/v1/backoffice/dossiers"
    for _ in range(7 * 3):  # used every 20 minutes for 7 hours
        clock.shift(timedelta(minutes=20))
        assert call(client, token, url) == 200
    clock.shift(timedelta(minutes=31))
    assert call(client, token, url) == 401  # idle past OFFICIAL_IDLE_MINUTES
    fresh = issue_api_token(receiver, "script")
    for _ in range(8 * 3):
        clock.shift(timedelta(minutes=20))
    assert call(client, fresh, url) == 401  # and never past 8 hours


def test_last_use_is_written_at_most_once_a_minute(
    client: Client, clock: Any, citizen: User, django_assert_num_queries: Any
) -> None:
    token = issue_api_token(citizen, "app")
    assert call(client, token) == 200
    record = ApiToken.objects.get()
    assert record.last_used_at == START
    clock.shift(timedelta(seconds=59))
    assert call(client, token) == 200
    record.refresh_from_db()
    assert record.last_used_at == START
    clock.shift(timedelta(seconds=1))
    assert call(client, token) == 200
    record.refresh_from_db()
    assert record.last_used_at == START + timedelta(seconds=60)


def test_the_owner_lists_and_revokes_tokens_in_the_api(
    client: Client, clock: Any, citizen: User, other_citizen: User
) -> None:
    mine = issue_api_token(citizen, "first")
    second = issue_api_token(citizen, "second")
    theirs = issue_api_token(other_citizen, "theirs")
    headers = {"Authorization": f"Bearer {mine}"}
    listed = client.get(URL, headers=headers).json()["items"]
    assert [t["name"] for t in listed] == ["second", "first"]
    assert set(listed[0]) == {"id", "name", "created_at", "expires_at", "last_used_at"}
    second_id = listed[0]["id"]
    assert client.delete(f"{URL}/{second_id}", headers=headers).status_code == 204
    assert client.delete(f"{URL}/{second_id}", headers=headers).status_code == 204  # idempotent
    assert call(client, second) == 401
    their_id = ApiToken.objects.get(user=other_citizen).pk
    assert client.delete(f"{URL}/{their_id}", headers=headers).status_code == 404
    assert call(client, theirs) == 200
    assert AuditEntry.objects.filter(action="api_token_revoked", actor=citizen).count() == 1


def test_the_tokens_page_lists_creates_and_revokes(
    client: Client, clock: Any, citizen: User, other_citizen: User
) -> None:
    old = issue_api_token(citizen, "ứng dụng cũ")
    issue_api_token(other_citizen, "của người khác")
    ApiToken.objects.filter(user=citizen).update(last_used_at=START)
    client.force_login(citizen)
    page = client.get("/account/tokens/").content.decode()
    assert "ứng dụng cũ" in page and "của người khác" not in page
    created = client.post("/account/tokens/", {"name": "ứng dụng mới"})
    secret = created.context["secret"]
    assert secret and secret in created.content.decode()
    assert call(Client(), secret) == 200
    assert secret not in client.get("/account/tokens/").content.decode()  # shown once
    token = ApiToken.objects.get(user=citizen, name="ứng dụng cũ")
    revoked = client.post(f"/account/tokens/{token.pk}/revoke/")
    assert revoked["Location"] == "/account/tokens/"
    assert call(Client(), old) == 401
    listed = client.get("/account/tokens/")
    assert [t.name for t in listed.context["tokens"]] == ["ứng dụng mới"]
    [revoked_message] = listed.context["messages"]
    assert "ứng dụng cũ" in str(revoked_message)  # "… was revoked."
    theirs = ApiToken.objects.get(user=other_citizen)
    assert client.post(f"/account/tokens/{theirs.pk}/revoke/").status_code == 404


def test_an_official_creates_a_token_on_the_page_only_after_the_code(
    client: Client, clock: Any, receiver: User
) -> None:
    client.force_login(receiver)  # the password alone
    assert client.post("/account/tokens/", {"name": "x"}).status_code == 302
    assert not ApiToken.objects.exists()
    log_in(client, receiver)
    assert client.post("/account/tokens/", {"name": "x"}).status_code == 200
    assert ApiToken.objects.get().expires_at == START + timedelta(hours=8)
