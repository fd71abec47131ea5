"""Two deployments, one login: deployment B (the portal under test, pytest-django's live server)
logs people in through deployment A's identity provider (a separate uvicorn process with its own
SQLite database and signing keys), in a real browser.

A is set up as an operator would: migrate, ``rotate_oidc_key --if-missing``, a citizen, and
``create_oidc_client`` with B's callback address; B gets ``OIDC_ISSUER``, ``OIDC_CLIENT_ID`` and
``OIDC_CLIENT_SECRET``. A answers on 127.0.0.1 and B on localhost: the browser keeps the two
sites' cookies apart, as it would for two host names in production.

The citizen logs in, consents, submits a dossier, logs out of B (which logs her out of A too),
and logs in again without being asked for her consent a second time.

The consent page is saved as docs/screenshots/10-oidc-consent.png with ``EGOV_SCREENSHOTS=1``.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from egov.catalog.models import Procedure
from egov.core.models import Agency
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.identity.models import IdentityLevel, User, UserKind
from tests.conftest import PASSWORD
from tests.deployments import Deployment

from .test_journey import (
    BIRTH_NAME,
    RECEIPT_CODE,
    WARD_NAME,
    L,
    check_accessibility,
    labelled,
    log_out_button,
    screenshot,
    write_pdf,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("e2e"),
]

PERSONAL_ID = "001190000009"
FULL_NAME = "Hoàng Thị Thu"
PORTAL_B = "Cổng dịch vụ công tỉnh B"

#: Run in A's shell: the citizen who has an account on A only.
MAKE_CITIZEN = f"""
from datetime import date
from egov.identity.models import User
from egov.identity.services import create_citizen
user = create_citizen(personal_id="{PERSONAL_ID}", full_name="{FULL_NAME}", password="{PASSWORD}",
                      birth_date=date(1990, 1, 9), email="thu.hoang@example.vn", phone="0912000009")
User.objects.filter(pk=user.pk).update(identity_level=2)
"""


@dataclass
class Provider:
    issuer: str
    client_id: str
    client_secret: str


@pytest.fixture
def deployment_a(tmp_path: Path, live_server: Any) -> Iterator[Provider]:
    """Deployment A, with B registered as its client."""
    a = Deployment(tmp_path, "a")
    a.migrate()
    a.manage("rotate_oidc_key", "--if-missing")
    a.manage("shell", "-c", MAKE_CITIZEN)
    printed = a.manage("create_oidc_client", PORTAL_B, f"{live_server.url}/oidc/callback/")
    registration = dict(re.findall(r"^(OIDC_CLIENT_\w+)=(\S+)$", printed, re.MULTILINE))
    with a.serving("/o/.well-known/openid-configuration") as url:
        yield Provider(
            f"{url}/o", registration["OIDC_CLIENT_ID"], registration["OIDC_CLIENT_SECRET"]
        )


@pytest.fixture
def portal_b(settings: Any, deployment_a: Provider) -> Provider:
    """Deployment B logs in through A."""
    settings.OIDC_ISSUER = deployment_a.issuer
    settings.OIDC_CLIENT_ID = deployment_a.client_id
    settings.OIDC_CLIENT_SECRET = deployment_a.client_secret
    return deployment_a


def test_a_citizen_of_deployment_a_logs_in_on_b_and_submits_a_dossier(
    new_page: Callable[..., Page],
    axe_source: str,
    portal_b: Provider,
    birth: Procedure,
    ward: Agency,
    tmp_path: Path,
) -> None:
    assert not User.objects.filter(personal_id=PERSONAL_ID).exists()  # B has never seen her
    page = new_page()

    # On B, "Log in" goes to A.
    page.goto("/")
    page.get_by_role("link", name=L("Log in", "Đăng nhập")).click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(portal_b.issuer[:-2])}/login/\?next="))
    expect(page.get_by_role("heading", level=1)).to_have_text(L("Log in", "Đăng nhập"))
    labelled(page, "#id_username").fill(PERSONAL_ID)
    page.get_by_label(L("Password", "Mật khẩu")).fill(PASSWORD)
    page.get_by_role("button", name=L("Log in", "Đăng nhập")).click()

    # A's consent page, in Vietnamese, names B and what B will receive.
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(PORTAL_B)
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    consent = page.get_by_role("form", name=re.compile(re.escape(PORTAL_B)))
    expect(consent.get_by_role("listitem")).to_have_count(4)
    check_accessibility(page, axe_source, "consent page (deployment A)")
    screenshot(page, "10-oidc-consent")
    consent.get_by_role("button", name=L("Allow", "Cho phép", "Đồng ý")).click()

    # Back on B, logged in; B made her account from A's claims.
    expect(page).to_have_url(re.compile(r"^http://localhost:\d+/$"))
    expect(log_out_button(page)).to_contain_text(FULL_NAME)
    user = User.objects.get(personal_id=PERSONAL_ID)
    assert user.kind == UserKind.CITIZEN
    assert user.full_name == FULL_NAME
    assert user.identity_level == IdentityLevel.LEVEL_2
    assert user.birth_date is not None and user.birth_date.isoformat() == "1990-01-09"
    assert not user.has_usable_password()

    # She submits a birth registration on B.
    page.goto(f"/procedures/{birth.code}/")
    page.get_by_role("link", name=L("Submit online", "Nộp hồ sơ trực tuyến")).click()
    page.get_by_role("radio", name=WARD_NAME).check()
    page.get_by_role("button", name=L("Start", "Bắt đầu")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(BIRTH_NAME)
    page.get_by_label("Họ, chữ đệm và tên người được khai sinh").fill("Nguyễn Hoàng An")
    page.get_by_label("Ngày, tháng, năm sinh").fill(
        (timezone.localdate() - timedelta(days=5)).isoformat()
    )
    page.get_by_role("radio", name="Nữ", exact=True).check()
    page.get_by_label("Nơi sinh").fill("Bệnh viện Phụ sản Trung ương")
    page.get_by_label("Họ, chữ đệm và tên người mẹ").fill(FULL_NAME)
    page.get_by_label("Quan hệ với người được khai sinh").select_option("Mẹ")
    page.get_by_label(re.compile("^Giấy chứng sinh")).set_input_files(
        write_pdf(tmp_path, "chung-sinh.pdf", "Giấy chứng sinh")
    )
    page.get_by_role("button", name=L("Submit dossier", "Nộp hồ sơ")).click()
    code_cell = page.get_by_role("definition").first
    expect(code_cell).to_have_text(RECEIPT_CODE)
    dossier = Dossier.objects.get(code=code_cell.inner_text().strip())
    assert dossier.status == Status.SUBMITTED
    assert dossier.applicant_id == user.pk
    assert dossier.agency_id == ward.pk

    # Logging out of B ends her session at A too (RP-initiated logout) and brings her back to B.
    log_out_button(page).click()
    expect(page).to_have_url(re.compile(r"^http://localhost:\d+/$"))
    expect(page.get_by_role("link", name=L("Log in", "Đăng nhập"))).to_be_visible()
    provider_site = portal_b.issuer[:-2]
    page.goto(f"{provider_site}/account/")
    expect(page).to_have_url(re.compile(rf"^{re.escape(provider_site)}/login/\?next="))

    # Logging in again: A asks for her password, but not again for her consent.
    page.goto("/")
    page.get_by_role("link", name=L("Log in", "Đăng nhập")).click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(provider_site)}/login/\?next="))
    labelled(page, "#id_username").fill(PERSONAL_ID)
    page.get_by_label(L("Password", "Mật khẩu")).fill(PASSWORD)
    page.get_by_role("button", name=L("Log in", "Đăng nhập")).click()
    expect(page).to_have_url(re.compile(r"^http://localhost:\d+/$"))
    expect(log_out_button(page)).to_contain_text(FULL_NAME)
