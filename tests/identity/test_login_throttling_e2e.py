"""The pages of login throttling and of API tokens in a real browser, checked with axe-core: the
429 page of an account being slowed down, the way in by a code to the verified contact, and the
owner's list of API tokens with a new token and a revocation."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from egov.identity.models import User
from tests.e2e import conftest as e2e
from tests.e2e.test_journey import L, check_accessibility, log_in

browser, new_page, axe_source = e2e.browser, e2e.new_page, e2e.axe_source

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("e2e"),
]


def test_a_slowed_down_owner_gets_in_with_a_code(
    new_page: Callable[..., Page], axe_source: str, make_citizen: Callable[..., User], settings: Any
) -> None:
    settings.LOGIN_ACCOUNT_FAILURES = 0  # every failure brings a wait
    settings.LOGIN_MAX_DELAY_MINUTES = 15
    owner = make_citizen(email="owner.e2e@example.vn", phone="")
    User.objects.filter(pk=owner.pk).update(email_verified_at=timezone.now())
    page = new_page()
    page.goto("/login/")
    page.locator("#id_username").fill(owner.username)
    page.locator("#id_password").fill("not the password")
    page.get_by_role("button", name=L("Log in", "Đăng nhập")).click()
    page.locator("#id_username").fill(owner.username)
    page.locator("#id_password").fill("not the password either")
    page.get_by_role("button", name=L("Log in", "Đăng nhập")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        L("Too many failed logins", "Đăng nhập sai quá nhiều lần")
    )
    check_accessibility(page, axe_source, "login slowed down")

    page.get_by_role("link", name=L("Get a code", "Nhận mã")).click()
    expect(page.locator("#id_username")).to_be_visible()  # the unlock page, loaded
    check_accessibility(page, axe_source, "unlock: the login")
    page.locator("#id_username").fill(owner.username)
    page.get_by_role("button", name=L("Send me a code", "Gửi mã cho tôi")).click()
    expect(page.get_by_role("status")).to_be_visible()
    check_accessibility(page, axe_source, "unlock: the code")
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
    page.locator("#id_code").fill(code)
    page.get_by_role("button", name=L("Confirm", "Xác nhận")).click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    log_in(page, owner.username)  # at once, although every failure brings a wait


def test_the_owner_manages_api_tokens(
    new_page: Callable[..., Page], axe_source: str, citizen: User
) -> None:
    page = new_page()
    log_in(page, citizen.username)
    page.goto("/account/")
    page.get_by_role("link", name=L("My API tokens", "Mã truy cập API của tôi")).click()
    expect(page).to_have_url(re.compile(r"/account/tokens/$"))
    check_accessibility(page, axe_source, "API tokens (none)")
    page.locator("#id_name").fill("ứng dụng kế toán")
    page.get_by_role("button", name=L("Create a token", "Tạo mã")).click()
    expect(page.locator("#new-token")).to_be_visible()
    expect(page.get_by_role("cell", name="ứng dụng kế toán", exact=True)).to_be_visible()
    check_accessibility(page, axe_source, "API tokens (a new one)")
    page.get_by_role("button", name=re.compile("ứng dụng kế toán")).click()
    expect(page.get_by_role("cell", name="ứng dụng kế toán", exact=True)).to_have_count(0)
    check_accessibility(page, axe_source, "API tokens (revoked)")
