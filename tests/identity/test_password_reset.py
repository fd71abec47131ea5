"""Quên mật khẩu: a code to the verified contact, then a new password; the answers never tell
who has an account, a code works once, guesses are limited, the old sessions end."""

import re
from typing import Any

from django.core import mail
from django.test import Client

from egov.core.models import AuditEntry
from egov.identity import unlock
from egov.identity.models import User
from tests.conftest import PASSWORD

NEW_PASSWORD = "Mật-khẩu-mới-2026!"
URL = "/login/forgot/"


def ask(browser: Client, login: str, capture: Any) -> str:
    with capture(execute=True):
        response = browser.post(URL, {"username": login})
    assert response.status_code == 302 and response["Location"] == URL
    page = browser.get(URL).content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


def sent_code() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)  # type: ignore[union-attr]


def reset(browser: Client, code: str, password: str = NEW_PASSWORD, again: str = "") -> Any:
    return browser.post(
        URL, {"code": code, "new_password1": password, "new_password2": again or password}
    )


def test_a_code_to_the_verified_email_sets_a_new_password_once(
    clock: Any, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    logged_in = Client()
    logged_in.force_login(owner)
    browser = Client()
    ask(browser, owner.username, django_capture_on_commit_callbacks)
    [message] = mail.outbox
    assert message.to == ["owner@example.vn"]
    assert "mật khẩu" in message.subject.lower()
    code = sent_code()

    assert reset(browser, "000000").status_code == 422  # wrong code: nothing changes
    assert User.objects.get(pk=owner.pk).check_password(PASSWORD)
    done = reset(browser, code)
    assert done.status_code == 302 and done["Location"] == "/login/"
    changed = User.objects.get(pk=owner.pk)
    assert changed.check_password(NEW_PASSWORD) and not changed.check_password(PASSWORD)
    assert AuditEntry.objects.filter(action="password_reset", actor=owner).count() == 1
    # Every session of the account ended with the old password.
    assert logged_in.get("/account/")["Location"].startswith("/login/")

    # The code works once.
    ask(browser, owner.username, django_capture_on_commit_callbacks)
    assert reset(browser, code, "Another-pass-2026!").status_code == 422
    assert User.objects.get(pk=owner.pk).check_password(NEW_PASSWORD)


def test_a_weak_or_mistyped_new_password_is_refused_and_keeps_the_code(
    clock: Any, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    browser = Client()
    ask(browser, owner.username, django_capture_on_commit_callbacks)
    code = sent_code()
    assert reset(browser, code, "12345678").status_code == 422
    mistyped = reset(browser, code, NEW_PASSWORD, again=NEW_PASSWORD + "x")
    assert mistyped.status_code == 422
    assert "not the same" in mistyped.content.decode() or "không giống" in (
        mistyped.content.decode()
    )
    assert reset(browser, code).status_code == 302  # the code was not spent by the refusals


def test_asking_does_not_tell_who_has_an_account_or_a_verified_contact(
    clock: Any, owner: User, make_citizen: Any, django_capture_on_commit_callbacks: Any
) -> None:
    unverified = make_citizen(personal_id="001080000999", email="nobody@example.vn")
    pages = {
        login: ask(Client(), login, django_capture_on_commit_callbacks)
        for login in (owner.username, unverified.username, "079099000000")
    }
    assert len(set(pages.values())) == 1
    assert [message.to for message in mail.outbox] == [["owner@example.vn"]]


def test_guesses_are_limited_per_login_and_address(
    clock: Any, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    browser = Client()
    ask(browser, owner.username, django_capture_on_commit_callbacks)
    code = sent_code()
    for guess in range(unlock.TRIES_PER_LOGIN_AND_ADDRESS):
        assert reset(browser, f"{guess:06d}").status_code == 422
    assert reset(browser, code).status_code == 422  # even the right code, this hour
    assert User.objects.get(pk=owner.pk).check_password(PASSWORD)


def test_unlock_codes_and_reset_codes_are_not_interchangeable(
    clock: Any, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        unlock.send_code("198.51.100.7", owner.username, unlock.UNLOCK)
    code = sent_code()
    assert unlock.reset_password("198.51.100.7", owner.username, code, NEW_PASSWORD) is None
    assert User.objects.get(pk=owner.pk).check_password(PASSWORD)
