"""A citizen who forgot their password gets a code at their verified email address, chooses a
new password and logs in with it, in a real browser, with axe-core on each page."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from egov.identity.models import User

from .test_journey import L, check_accessibility, labelled, log_out_button, password_step

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("e2e"),
]


def test_a_citizen_recovers_their_account(
    new_page: Callable[..., Any], make_citizen: Callable[..., User], axe_source: str
) -> None:
    citizen = make_citizen(personal_id="001080000777", email="quenmatkhau@example.vn")
    User.objects.filter(pk=citizen.pk).update(email_verified_at=timezone.now())
    page = new_page()
    page.goto("/login/")
    page.get_by_role("link", name=L("Forgot your password?", "Quên mật khẩu?")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        L("Forgot your password?", "Quên mật khẩu?")
    )
    check_accessibility(page, axe_source, "forgot password")
    labelled(page, "#id_username").fill(citizen.username)
    page.get_by_role("button", name=L("Send me a code")).click()
    expect(page.get_by_role("status")).to_be_visible()
    check_accessibility(page, axe_source, "forgot password: code and new password")

    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
    assert mail.outbox[-1].to == ["quenmatkhau@example.vn"]
    labelled(page, "#id_code").fill(code)
    labelled(page, "#id_new_password1").fill("Mật-khẩu-mới-2026!")
    labelled(page, "#id_new_password2").fill("Mật-khẩu-mới-2026!")
    page.get_by_role("button", name=L("Change my password")).click()

    expect(page).to_have_url(re.compile(r"/login/$"))
    password_step(page, citizen.username, "Mật-khẩu-mới-2026!")
    expect(log_out_button(page)).to_be_visible()
