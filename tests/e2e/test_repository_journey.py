"""The data repository in a real browser: a citizen holding a birth certificate extract (filed in
their repository from a signed result) starts a permanent residence registration, uses that
document instead of an upload, submits, and the receiving police official sees the reused
document with its signed state and provenance. axe-core checks every page on the way."""

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test.utils import override_settings
from playwright.sync_api import Page, expect

from egov.core.models import Agency
from egov.dossiers.constants import ComponentSource, Status
from egov.dossiers.models import Dossier, DossierEvent
from egov.identity.models import User
from egov.identity.officials.services import create_official
from egov.payments.constants import CounterMethod
from egov.payments.services import record_counter_payment
from egov.repository.constants import SignatureState
from egov.repository.models import RepositoryDocument
from tests.conftest import PASSWORD

from .test_journey import L, check_accessibility, log_in, log_out, screenshot, vi, write_pdf

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("e2e"),
]

RESIDENCE_NAME = "Đăng ký thường trú"
POLICE_WARD_NAME = "Công an phường Ba Đình"


@pytest.fixture
def police_receiver(agencies: dict[str, Agency]) -> User:
    return create_official(
        username="tiepnhan.congan.badinh",
        full_name="Ngô Thanh Tùng",
        password=PASSWORD,
        agency=agencies["000.31.04.H26"],
        roles=["receiver"],
    )


def test_a_citizen_reuses_a_birth_certificate_for_permanent_residence(
    new_page: Callable[..., Page],
    axe_source: str,
    citizen: User,
    birth_certificate: RepositoryDocument,
    police_receiver: User,
    tmp_path: Path,
) -> None:
    certificate_number = birth_certificate.number
    lease = write_pdf(tmp_path, "hop-dong-thue-nha.pdf", "Hợp đồng thuê nhà")
    page = new_page()
    log_in(page, citizen.personal_id)

    # The repository, from the account navigation.
    page.get_by_role("link", name=L("My documents", "Kho dữ liệu của tôi")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(L("My data repository"))
    expect(page.get_by_role("cell", name=certificate_number)).to_be_visible()
    check_accessibility(page, axe_source, "my data repository")
    page.get_by_role("link", name=L("Birth certificate", "Giấy khai sinh", prefix=True)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        L("Birth certificate", "Giấy khai sinh", prefix=True)
    )
    check_accessibility(page, axe_source, "repository document")

    # Start a permanent residence registration at the ward police.
    page.goto("/procedures/1.004222/start/")
    expect(page.get_by_role("heading", level=1)).to_have_text(RESIDENCE_NAME)
    page.get_by_role("radio", name=POLICE_WARD_NAME).check()
    page.get_by_role("button", name=L("Start", "Bắt đầu")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(RESIDENCE_NAME)

    page.get_by_label("Ngày, tháng, năm sinh").fill("1992-03-04")
    page.get_by_role("radio", name="Nữ", exact=True).check()
    page.get_by_label("Địa chỉ đề nghị đăng ký thường trú").fill(
        "12 Phan Đình Phùng, phường Ba Đình, Hà Nội"
    )
    page.get_by_label("Trường hợp đăng ký").select_option(
        "Về ở với người thân (vợ/chồng, cha/mẹ, con…)"
    )
    # The CT01 declaration is the form filled in above: nothing to upload for it.
    page.get_by_label(re.compile("^Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp")).set_input_files(
        lease
    )
    check_accessibility(page, axe_source, "draft with repository offers")

    # "Use my document" beside the upload of the family-relationship component.
    use = page.get_by_role("button", name=L("Use my document"))
    expect(use).to_have_count(1)
    expect(use).to_have_accessible_description(re.compile(certificate_number))
    use.click()
    expect(page.get_by_role("status").locator("p").first).to_have_text(
        L("Your document has been attached.", prefix=True)
    )
    provenance = page.locator(".provenance")
    expect(provenance).to_contain_text(certificate_number)
    expect(use).to_have_count(0)  # attached: no longer offered
    # What was typed and uploaded before choosing the document was kept.
    expect(page.get_by_label("Địa chỉ đề nghị đăng ký thường trú")).to_have_value(
        "12 Phan Đình Phùng, phường Ba Đình, Hà Nội"
    )
    provenance.scroll_into_view_if_needed()
    screenshot(page, "repository-reuse")
    check_accessibility(page, axe_source, "draft with a reused document")

    page.get_by_role("button", name=L("Submit dossier", "Nộp hồ sơ")).click()
    expect(page.get_by_role("status").locator("p").first).to_have_text(
        L(
            "Your dossier has been submitted.",
            "Hồ sơ của bạn đã được nộp thành công.",
            prefix=True,
        )
    )
    dossier = Dossier.objects.get(procedure__code="1.004222", applicant=citizen)
    assert dossier.status == Status.SUBMITTED
    component = dossier.components.get(code="QUAN_HE_NHAN_THAN")
    assert component.source == ComponentSource.REPOSITORY
    assert component.repository_document_id == birth_certificate.pk
    assert DossierEvent.objects.filter(dossier=dossier, kind="component_reused").count() == 1
    log_out(page)

    # The receiving official of the ward police sees the reused document, signed, and where
    # it comes from.
    log_in(page, police_receiver.username)
    page.goto(f"/dossiers/{dossier.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(RESIDENCE_NAME)
    # The fees are due at submission: intake is not offered, and the page says why.
    expect(page.locator(".held-steps")).to_be_visible()
    expect(page.get_by_role("button", name=L("Receive", "Tiếp nhận"))).to_have_count(0)
    record_counter_payment(police_receiver, dossier.pk, CounterMethod.CASH)
    page.reload()
    expect(page.locator(".held-steps")).to_have_count(0)
    provenance = page.locator(".provenance").last  # in the documents' list (also at intake)
    expect(provenance).to_contain_text(certificate_number)
    expect(page.locator(".actions .provenance")).to_contain_text(certificate_number)
    with_label = L(str(SignatureState.SIGNED.label))
    expect(provenance.locator("strong").first).to_have_text(with_label)
    page.locator(".actions .provenance").scroll_into_view_if_needed()
    screenshot(page, "repository-official-view")
    check_accessibility(page, axe_source, "official's dossier view with a reused document")
    provenance.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        L("Birth certificate", "Giấy khai sinh", prefix=True)
    )
    check_accessibility(page, axe_source, "repository document seen by the official")


def test_digitisation_at_the_counter_and_a_share_link(
    new_page: Callable[..., Page],
    axe_source: str,
    citizen: User,
    staff: dict[str, User],
    counter_dossier: Dossier,
    tmp_path: Path,
) -> None:
    scan = write_pdf(tmp_path, "giay-chung-sinh-scan.pdf", "Giấy chứng sinh (bản quét)")
    receiver = staff["receiver"]
    page = new_page()

    # The receiver scans and describes the hospital's birth notice of a counter dossier, on a
    # server without OCR: the scan is filed as taken, and the page says so.
    log_in(page, receiver.username)
    page.goto(f"/dossiers/{counter_dossier.pk}/")
    page.get_by_role("link", name=L("Digitise the paper documents")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(L("Digitise the paper documents"))
    check_accessibility(page, axe_source, "digitisation form")
    page.get_by_label(re.compile("^Giấy chứng sinh")).set_input_files(scan)
    with override_settings(OCR_COMMAND=str(tmp_path / "no-ocrmypdf")):
        page.get_by_role("button", name=L("Read the scans")).click()
        notice = page.get_by_role("group", name=re.compile("^Giấy chứng sinh"))
        expect(notice.get_by_role("status").locator("p")).to_have_text(
            L(
                "OCR is unavailable: the scan is filed as it was taken. "
                "Enter the fields from the paper.",
                prefix=True,
            )
        )
    notice.get_by_label(L("Document type")).select_option("GIAY_CHUNG_SINH")
    notice.get_by_label(L("Number")).fill("CS-4567")
    notice.get_by_label(L("Issued by")).fill("Bệnh viện Phụ sản Hà Nội")
    notice.get_by_label(L("Issue date")).fill("2026-10-30")
    page.get_by_role("button", name=L("Mark the dossier digitised")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(counter_dossier.procedure.name)
    expect(page.get_by_role("link", name=L("Digitise the paper documents"))).to_have_count(0)
    assert DossierEvent.objects.filter(dossier=counter_dossier, kind="digitised").count() == 1
    document = RepositoryDocument.objects.get(source_dossier=counter_dossier)
    assert document.filename == "giay-chung-sinh-scan.pdf"  # the scan as taken, unread
    log_out(page)

    # The citizen finds it in their repository and shares it by a link.
    log_in(page, citizen.personal_id)
    page.get_by_role("link", name=L("My documents", "Kho dữ liệu của tôi")).click()
    page.get_by_role("link", name=L("Birth notice from the hospital")).click()
    expect(page.get_by_role("definition").filter(has_text="CS-4567")).to_be_visible()
    page.get_by_label(L("Valid for (days)")).fill("3")
    page.get_by_role("button", name=L("Create a link")).click()
    link = page.get_by_label(L("Your link (shown only now; copy it):"))
    url = link.input_value()
    check_accessibility(page, axe_source, "document with a share link")

    # Anyone with the link reads the document without logging in.
    stranger = new_page()
    stranger.goto(url)
    expect(stranger.get_by_role("heading", level=1)).to_have_text(
        L("Birth notice from the hospital")
    )
    expect(stranger.get_by_role("link", name=L("Download the document"))).to_be_visible()
    check_accessibility(stranger, axe_source, "shared document")

    # Revoked, the link no longer works (fetched, not opened: the browser would log the 404).
    page.get_by_role("button", name=L("Revoke", prefix=True)).click()
    expect(page.get_by_role("cell", name=L("Revoked"))).to_be_visible()
    gone = stranger.request.get(url)
    assert gone.status == 404 and vi("Link not valid") in gone.text()
