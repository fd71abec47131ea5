"""In a real browser: an approver approves, the result is signed by the worker (the immediate
task backend of the tests), and anyone who follows the QR link sees that it is valid, signed
by the agency; after a revocation the same link says revoked."""

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from egov.catalog.models import Procedure
from egov.core.files import read_stored
from egov.core.models import Agency
from egov.dossiers import services
from egov.dossiers.models import Dossier
from egov.identity.models import User
from egov.records.models import ResultDocument
from tests.conftest import BIRTH_CHECKLIST, BIRTH_FORM, birth_files
from tests.e2e.conftest import axe_source, browser, journey_staff, new_page  # noqa: F401
from tests.e2e.test_journey import (
    L,
    action_form,
    check_accessibility,
    log_in,
    log_out,
    open_in_back_office,
    status_of,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("e2e"),
]
WARD_NAME = "Ủy ban nhân dân phường Ba Đình"


@pytest.fixture
def proposed(
    birth: Procedure,
    ward: Agency,
    citizen: User,
    journey_staff: dict[str, User],  # noqa: F811
) -> Dossier:
    dossier, _ = services.submit_online(citizen, birth, ward, BIRTH_FORM, birth_files())
    services.receive(dossier.pk, journey_staff["receiver"], BIRTH_CHECKLIST)
    services.assign(dossier.pk, journey_staff["receiver"], journey_staff["processor"])
    return services.propose(dossier.pk, journey_staff["processor"])


def test_approve_sign_and_verify_by_the_qr_link(
    new_page: Callable[..., Page],  # noqa: F811
    axe_source: str,  # noqa: F811
    proposed: Dossier,
    journey_staff: dict[str, User],  # noqa: F811
) -> None:
    page = new_page()
    log_in(page, "pheduyet.badinh")
    open_in_back_office(page, proposed.code or "")
    approve = action_form(page, "Approve", "Phê duyệt")
    approve.get_by_role("button", name=L("Approve", "Phê duyệt")).click()
    expect(status_of(page)).to_have_text(L("Result ready", "Đã có kết quả"))
    expect(page.get_by_role("link", name=L("Download the result (PDF)"))).to_be_visible()

    # The link printed under the QR code of the signed PDF.
    document = ResultDocument.objects.get(dossier=proposed)
    assert document.file is not None
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(read_stored(document.file))).pages
    )
    match = re.search(r"/verify/([0-9A-Z-]+)/", text)
    assert match and match.group(1) == document.code
    qr_path = match.group(0)

    anyone = new_page()
    anyone.goto(qr_path)
    verdict = anyone.get_by_role("region", name=L("Valid: the document is genuine and unchanged"))
    expect(verdict).to_be_visible()
    expect(verdict).to_contain_text(WARD_NAME)  # the signer and the issuing agency
    expect(verdict).to_contain_text("000.00.31.H26")
    expect(verdict).to_contain_text(document.sha256)
    check_accessibility(anyone, axe_source, "verification (valid)")

    # The approver revokes it from the list of issued results.
    page.goto("/backoffice/results/")
    check_accessibility(page, axe_source, "issued results")
    page.get_by_role("link", name=re.compile(f"{document.code}$")).filter(
        has_text=re.compile("Thu hồi|Revoke")
    ).click()
    page.get_by_label(L("Reason for revocation", "Lý do thu hồi")).fill("Cấp sai ngày sinh")
    check_accessibility(page, axe_source, "revoke a result")
    page.get_by_role("button", name=L("Revoke", "Thu hồi")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        L("Issued electronic results", "Kết quả điện tử đã cấp")
    )
    log_out(page)

    anyone.goto(qr_path)
    revoked = anyone.get_by_role("region", name=L("Revoked: the document is no longer valid"))
    expect(revoked).to_contain_text("Cấp sai ngày sinh")
    check_accessibility(anyone, axe_source, "verification (revoked)")


def test_the_page_shows_the_signed_result_without_a_reload(
    new_page: Callable[..., Page],  # noqa: F811
    axe_source: str,  # noqa: F811
    proposed: Dossier,
    journey_staff: dict[str, User],  # noqa: F811
    settings: Any,
) -> None:
    """A busy worker: after approval the page says the result is being signed, then shows the
    download link by itself once the worker has signed it."""
    from egov.records.tasks import sign_result

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    page = new_page()
    log_in(page, "pheduyet.badinh")
    open_in_back_office(page, proposed.code or "")
    approve = action_form(page, "Approve", "Phê duyệt")
    approve.get_by_role("button", name=L("Approve", "Phê duyệt")).click()
    status = page.get_by_role("region", name=L("Electronic result")).get_by_role("status")
    expect(status).to_contain_text(re.compile("Đang ký số kết quả…|Signing the result…"))
    download = page.get_by_role("link", name=L("Download the result (PDF)"))
    expect(download).to_have_count(0)
    check_accessibility(page, axe_source, "result being signed")

    page.evaluate("window.notReloaded = true")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    sign_result.call(ResultDocument.objects.get(dossier=proposed).pk)
    expect(download).to_be_visible(timeout=15_000)
    expect(status).to_contain_text(
        re.compile("Kết quả đã được ký số.|The result has been signed electronically.")
    )
    assert page.evaluate("window.notReloaded") is True
    check_accessibility(page, axe_source, "result signed")


def test_anyone_verifies_an_uploaded_file(
    new_page: Callable[..., Page],  # noqa: F811
    axe_source: str,  # noqa: F811
    proposed: Dossier,
    journey_staff: dict[str, User],  # noqa: F811
    tmp_path: object,
) -> None:
    from pathlib import Path

    services.approve(proposed.pk, journey_staff["approver"])
    document = ResultDocument.objects.get(dossier=proposed)
    assert document.file is not None
    path = Path(str(tmp_path)) / "ket-qua.pdf"
    path.write_bytes(read_stored(document.file))
    page = new_page()
    page.goto("/verify/")
    check_accessibility(page, axe_source, "verification form")
    page.get_by_label(L("PDF document", "Tệp PDF")).set_input_files(str(path))
    page.get_by_role("button", name=L("Verify the file", "Xác thực tệp")).click()
    verdict = page.get_by_role("region", name=L("Valid: the document is genuine and unchanged"))
    expect(verdict).to_contain_text(document.code)
