"""Login throttling that slows an attacker without locking out the owner: a lock per client and
account, growing delays per account and per client, the owner's known browsers, and a code to
their verified contact that lets a new browser in (docs/identity.md §8)."""

import re
from datetime import timedelta
from typing import Any

from django.core import mail
from django.test import Client

from egov.core.models import AuditEntry
from egov.identity.models import User
from egov.identity.throttling import DEVICE_COOKIE, delay_after
from tests.conftest import PASSWORD


def attempt(client: Client, login: str, password: str = PASSWORD) -> Any:
    return client.post("/login/", {"username": login, "password": password})


def from_address(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def guess_from_many_addresses(login: str, times: int, start: int = 0) -> list[int]:
    return [
        attempt(from_address(f"198.51.100.{start + n}"), login, "wrong").status_code
        for n in range(times)
    ]


def test_a_locked_out_address_does_not_lock_the_owner_out(clock: Any, owner: User) -> None:
    login = owner.username
    attacker = from_address("203.0.113.1")
    statuses = [attempt(attacker, login, "wrong").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert attempt(attacker, login).status_code == 429  # that address, that account: locked
    # The owner, elsewhere, logs in at once.
    assert attempt(from_address("203.0.113.2"), login).status_code == 302


def test_a_lock_on_one_account_does_not_shut_out_the_address(
    clock: Any, owner: User, other_citizen: User
) -> None:
    """The other people behind the same address (a NAT, an office) log in to their accounts."""
    attacker = from_address("203.0.113.1")
    for _ in range(5):
        attempt(attacker, owner.username, "wrong")
    neighbour = from_address("203.0.113.1")
    assert attempt(neighbour, other_citizen.username).status_code == 302


def test_delays_grow_per_account_whatever_the_address(
    clock: Any, owner: User, settings: Any
) -> None:
    free = settings.LOGIN_ACCOUNT_FAILURES
    assert guess_from_many_addresses(owner.username, free + 1) == [200] * (free + 1)
    refused = attempt(from_address("192.0.2.1"), owner.username, "wrong")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "2"
    assert re.search(r"2 (seconds|giây)", refused.content.decode())
    assert "/login/unlock/" in refused.content.decode()
    clock.shift(timedelta(seconds=2))
    assert attempt(from_address("192.0.2.2"), owner.username, "wrong").status_code == 200
    assert attempt(from_address("192.0.2.3"), owner.username, "wrong")["Retry-After"] == "4"
    clock.shift(timedelta(seconds=4))
    # An attempt during a wait is not checked and not counted: the next wait is 8 s, not more.
    attempt(from_address("192.0.2.4"), owner.username, "wrong")
    assert attempt(from_address("192.0.2.5"), owner.username)["Retry-After"] == "8"


def test_the_delay_is_capped(settings: Any) -> None:
    assert [delay_after(n, 10) for n in (10, 11, 12, 13)] == [0, 2, 4, 8]
    assert delay_after(40, 10) == settings.LOGIN_MAX_DELAY_MINUTES * 60


def test_the_owners_browser_is_not_slowed(clock: Any, owner: User, settings: Any) -> None:
    browser = from_address("203.0.113.9")
    assert attempt(browser, owner.username).status_code == 302
    assert DEVICE_COOKIE in browser.cookies
    browser.post("/logout/")
    guess_from_many_addresses(owner.username, settings.LOGIN_ACCOUNT_FAILURES + 5)
    assert attempt(from_address("192.0.2.1"), owner.username).status_code == 429
    assert attempt(browser, owner.username).status_code == 302


def test_a_known_browser_gets_no_more_guesses_than_an_address(
    clock: Any, owner: User, settings: Any
) -> None:
    browser = from_address("203.0.113.9")
    attempt(browser, owner.username)
    browser.post("/logout/")
    guess_from_many_addresses(owner.username, settings.LOGIN_ACCOUNT_FAILURES + 5)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(browser, owner.username, "wrong")
    assert attempt(browser, owner.username).status_code == 429


def test_a_code_to_the_verified_contact_lets_a_new_browser_in(
    clock: Any, owner: User, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    guess_from_many_addresses(owner.username, settings.LOGIN_ACCOUNT_FAILURES + 5)
    browser = from_address("203.0.113.9")
    assert attempt(browser, owner.username).status_code == 429
    with django_capture_on_commit_callbacks(execute=True):
        asked = browser.post("/login/unlock/", {"username": owner.username})
    assert asked["Location"] == "/login/unlock/"
    [message] = mail.outbox
    assert message.to == ["owner@example.vn"]
    code = re.search(r"\b(\d{6})\b", message.body).group(1)  # type: ignore[union-attr]
    assert browser.post("/login/unlock/", {"code": "000000"}).status_code == 422
    confirmed = browser.post("/login/unlock/", {"code": code})
    assert confirmed["Location"] == "/login/"
    assert attempt(browser, owner.username).status_code == 302
    assert AuditEntry.objects.filter(action="login_unlocked", actor=owner).exists()
    # The code works once.
    assert browser.post("/login/unlock/", {"username": owner.username}).status_code == 302
    assert browser.post("/login/unlock/", {"code": code}).status_code == 422


def test_asking_for_a_code_does_not_tell_who_has_an_account(
    clock: Any, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    def ask(login: str) -> tuple[int, str, str]:
        browser = Client()
        with django_capture_on_commit_callbacks(execute=True):
            response = browser.post("/login/unlock/", {"username": login})
        page = browser.get(response["Location"]).content.decode()
        page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)
        return response.status_code, response["Location"], page

    assert ask(owner.username) == ask("001099999999")
    assert len(mail.outbox) == 1


def test_an_attacker_cannot_use_up_the_owners_codes(
    clock: Any, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    """Asking for codes and trying wrong ones from elsewhere neither replaces the owner's code
    nor uses up their tries."""
    owners_browser = from_address("203.0.113.9")
    with django_capture_on_commit_callbacks(execute=True):
        owners_browser.post("/login/unlock/", {"username": owner.username})
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
    attacker = from_address("198.51.100.1")
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            assert attacker.post("/login/unlock/", {"username": owner.username}).status_code == 302
    assert attacker.post("/login/unlock/", {"username": owner.username}).status_code == 429
    for _ in range(10):
        attacker.post("/login/unlock/", {"code": "000000"})
    assert owners_browser.post("/login/unlock/", {"code": code})["Location"] == "/login/"


def test_the_token_api_is_slowed_down_like_the_login_page(
    clock: Any, owner: User, settings: Any
) -> None:
    guess_from_many_addresses(owner.username, settings.LOGIN_ACCOUNT_FAILURES + 1)
    response = from_address("192.0.2.1").post(
        "/api/v1/auth/tokens",
        {"username": owner.username, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_requests"
    assert response["Retry-After"] == "2"
