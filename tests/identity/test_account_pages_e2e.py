"""The account pages in a real browser, checked with axe-core (they are plain forms that work
without JavaScript, as the Django client tests show): register, prove the email address, verify
against the population registry (through this deployment's gateway), register an organisation
and authorise a person, download the personal data."""

import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from egov.identity.models import IdentityLevel, User
from egov.registries.models import BusinessRecord, PopulationRecord
from tests.e2e import conftest as e2e
from tests.e2e.test_journey import L, check_accessibility
from tests.gateway_server import (
    gateway_server,
    join_business_registry,
    join_population_registry,
)

# The browser fixtures of the end-to-end tests, and the gateway's server, used here too.
browser, new_page, axe_source = e2e.browser, e2e.new_page, e2e.axe_source
__all__ = ["gateway_server"]

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("e2e"),
]


def test_from_registration_to_level_two_and_an_organisation(
    new_page: Callable[..., Page],
    axe_source: str,
    live_server: Any,
    gateway_server: str,
    agencies: Any,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    make_citizen: Callable[..., User],
) -> None:
    # The level-2 check goes through this deployment's gateway (uvicorn) to its registry.
    join_population_registry(gateway_server, settings, monkeypatch, "e2e-registry-key")
    join_business_registry(gateway_server, settings, "e2e-registry-key")
    BusinessRecord.objects.create(
        tax_code="0108888888",
        name="Công ty TNHH Giang Võ",
        address="17 Giảng Võ, Hà Nội",
        representative_name="Vũ Đức Giang",
        representative_personal_id="001087000006",
        status="active",
    )
    PopulationRecord.objects.create(
        personal_id="001087000006",
        full_name="Vũ Đức Giang",
        birth_date=date(1987, 9, 30),
        sex="male",
        permanent_address="17 Giảng Võ, phường Giảng Võ, Hà Nội",
    )
    colleague = make_citizen(full_name="Đồng nghiệp")
    page = new_page()

    page.goto("/account/register/")
    check_accessibility(page, axe_source, "registration")
    page.get_by_role("button", name=L("Create the account", "Tạo tài khoản")).click()
    expect(page.locator(".error-summary")).to_be_visible()
    check_accessibility(page, axe_source, "registration with errors")
    page.locator("#id_personal_id").fill("001087000006")
    page.locator("#id_full_name").fill("Vũ Đức Giang")
    page.locator("#id_birth_date").fill("1987-09-30")
    page.locator("#id_email").fill("giang.vu@example.vn")
    page.locator("#id_password").fill("Giang-Vu-2026-an-toan")
    page.locator("#id_password_again").fill("Giang-Vu-2026-an-toan")
    page.get_by_role("button", name=L("Create the account", "Tạo tài khoản")).click()

    expect(page).to_have_url(re.compile(r"/account/register/confirm/$"))
    check_accessibility(page, axe_source, "contact verification")
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body)
    assert code
    page.get_by_label(L("6-digit code", prefix=True)).fill(code.group(1))
    page.get_by_role("button", name=L("Verify", "Xác thực")).click()

    expect(page).to_have_url(re.compile(r"/account/$"))
    check_accessibility(page, axe_source, "account (level 1)")
    page.get_by_role(
        "button", name=L("Verify my identity against the population registry", prefix=True)
    ).click()
    expect(page).to_have_url(re.compile(r"/account/$"))
    person = User.objects.get(personal_id="001087000006")
    assert person.identity_level == IdentityLevel.LEVEL_2
    check_accessibility(page, axe_source, "account (level 2)")

    page.goto("/account/organisations/")
    check_accessibility(page, axe_source, "my organisations")
    page.locator("#id_tax_code").fill("0108888888")
    page.locator("#id_name").fill("Công ty TNHH Giang Võ")
    page.get_by_role("button", name=L("Register", "Đăng ký")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Công ty TNHH Giang Võ")
    check_accessibility(page, axe_source, "organisation")
    page.locator("#id_grant-personal_id").fill(colleague.personal_id or "")
    page.get_by_role("button", name=L("Authorise", "Ủy quyền")).click()
    expect(page.get_by_role("cell", name="Đồng nghiệp", exact=True)).to_be_visible()
    check_accessibility(page, axe_source, "organisation with a representative")

    page.goto("/account/")
    with page.expect_download() as download:
        page.get_by_role("button", name=L("Download my data (JSON)", prefix=True)).click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["identity"]["level"] == 2
    assert data["representations"][0]["organisation"]["tax_code"] == "0108888888"
