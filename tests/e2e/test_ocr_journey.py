"""Digitisation that reads, in a real browser: at the police counter an official scans a paper
birth certificate (a scan generated from the result template), follows its reading on the
page, confirms the number, issuer and date OCR proposes, and files the dossier; the citizen
then uses that certificate in a new online dossier instead of uploading it again."""

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from django.test.utils import override_settings
from playwright.sync_api import Page, expect

from egov.catalog.models import Procedure
from egov.core.models import Agency
from egov.dossiers import services as dossier_services
from egov.dossiers.constants import ComponentSource
from egov.dossiers.models import Dossier, DossierEvent
from egov.identity.models import User
from egov.identity.officials.services import create_official
from egov.repository import ocr, services
from egov.repository.constants import SignatureState
from egov.repository.models import RepositoryDocument, Scan
from tests.conftest import PASSWORD, pdf_upload
from tests.repository.conftest import RESIDENCE_FORM
from tests.repository.scans import ScanCase, scan

from .test_journey import L, check_accessibility, log_in, log_out, screenshot

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("e2e"),
    pytest.mark.skipif(
        not ocr.available(),
        reason="OCRmyPDF is not installed (make ocr installs it with Tesseract's Vietnamese model)",
    ),
]

RESIDENCE_NAME = "Đăng ký thường trú"
POLICE_WARD_NAME = "Công an phường Ba Đình"
CERTIFICATE = ScanCase(
    document_type="GIAY_KHAI_SINH",
    number="H26.31-20240511-0000417",
    issuer="Ủy ban nhân dân phường Ba Đình",
    issued_on=date(2024, 5, 11),
    dpi=200,
    angle=-1.5,
    noise=15.0,
)
#: Reading waits for a worker: in the journey the test runs the task, as the worker would.
QUEUED_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def police_receiver(agencies: dict[str, Agency]) -> User:
    return create_official(
        username="tiepnhan.congan.badinh",
        full_name="Ngô Thanh Tùng",
        password=PASSWORD,
        agency=agencies["000.31.04.H26"],
        roles=["receiver"],
    )


@pytest.fixture
def paper_dossier(
    police_receiver: User, citizen: User, catalog: dict[str, Procedure], agencies: dict
) -> Dossier:
    """Filed at the police counter; the lease on paper was scanned at filing."""
    return dossier_services.submit_at_counter(
        police_receiver,
        citizen,
        catalog["1.004222"],
        agencies["000.31.04.H26"],
        RESIDENCE_FORM,
        {"TO_KHAI_CT01": pdf_upload("CT01"), "CHO_O_HOP_PHAP": pdf_upload("Hợp đồng thuê nhà")},
    )


def test_an_official_digitises_a_scan_that_reads_and_the_citizen_reuses_it(
    new_page: Callable[..., Page],
    axe_source: str,
    citizen: User,
    police_receiver: User,
    paper_dossier: Dossier,
    tmp_path: Path,
) -> None:
    certificate = tmp_path / "giay-khai-sinh.png"
    certificate.write_bytes(scan(CERTIFICATE))
    page = new_page()
    log_in(page, police_receiver.username)
    page.goto(f"/dossiers/{paper_dossier.pk}/")
    page.get_by_role("link", name=L("Digitise the paper documents")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(L("Digitise the paper documents"))

    # 1. The paper birth certificate, scanned, is read in the background; the page follows it.
    page.get_by_label(re.compile("^Giấy tờ, tài liệu chứng minh quan hệ")).set_input_files(
        certificate
    )
    relationship = page.get_by_role(
        "group", name=re.compile("^Giấy tờ, tài liệu chứng minh quan hệ")
    )
    with override_settings(TASKS=QUEUED_TASKS):
        page.get_by_role("button", name=L("Read the scans")).click()
        expect(relationship.locator("progress")).to_be_visible()
        region = relationship.locator("[hx-trigger]")
        expect(region).to_have_attribute("hx-trigger", "every 2s")
        check_accessibility(page, axe_source, "digitisation page while a scan is read")
        relationship.scroll_into_view_if_needed()
        screenshot(page, "repository-ocr-reading")
        # The scans taken at filing are read too (the declaration and the lease).
        assert Scan.objects.filter(dossier=paper_dossier).count() == 3
        for queued in Scan.objects.filter(dossier=paper_dossier).order_by("-id"):
            services.read_scan(queued.pk)  # what the worker does

    # 2. Read: the fields its text proposes appear without reloading the page.
    number = relationship.get_by_label(L("Number"))
    expect(number).to_have_value(CERTIFICATE.number, timeout=30_000)
    expect(relationship.get_by_role("status").locator("p")).to_have_text(
        L("Read by OCR", "Đã nhận dạng chữ", prefix=True)
    )
    expect(relationship.get_by_label(L("Issued by"))).to_have_value(CERTIFICATE.issuer)
    expect(relationship.get_by_label(L("Issue date"))).to_have_value("2024-05-11")
    expect(relationship.get_by_label(L("Document type"))).to_have_value("GIAY_KHAI_SINH")
    check_accessibility(page, axe_source, "digitisation page with proposed fields")
    relationship.scroll_into_view_if_needed()
    screenshot(page, "repository-ocr-proposed")
    lease_group = page.get_by_role("group", name=re.compile("^Giấy tờ, tài liệu chứng minh chỗ ở"))
    lease_group.get_by_label(L("Document type")).select_option("HOP_DONG_THUE_NHA")
    lease_group.get_by_label(L("Number")).fill("HĐ-2026/12")
    lease_group.get_by_label(L("Issued by")).fill("Nguyễn Thị Lan (bên cho thuê)")
    lease_group.get_by_label(L("Issue date")).fill("2026-01-05")
    page.get_by_role("button", name=L("Mark the dossier digitised")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(RESIDENCE_NAME)
    assert DossierEvent.objects.filter(dossier=paper_dossier, kind="digitised").count() == 1
    filed = RepositoryDocument.objects.get(
        source_dossier=paper_dossier, document_type="GIAY_KHAI_SINH"
    )
    assert filed.signature_state == SignatureState.DIGITISED
    assert filed.number == CERTIFICATE.number and filed.file.content_type == "application/pdf"
    log_out(page)

    # 3. The citizen starts a new registration online and uses the digitised certificate.
    log_in(page, citizen.personal_id)
    page.goto("/procedures/1.004222/start/")
    page.get_by_role("radio", name=POLICE_WARD_NAME).check()
    page.get_by_role("button", name=L("Start", "Bắt đầu")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(RESIDENCE_NAME)
    # Both documents digitised are offered, each beside the component it may stand for.
    expect(page.get_by_role("button", name=L("Use my document"))).to_have_count(2)
    offer = page.locator("p").filter(has_text=CERTIFICATE.number)
    expect(offer).to_contain_text(CERTIFICATE.issuer)
    expect(offer).to_contain_text("11/05/2024")
    use = offer.get_by_role("button", name=L("Use my document"))
    expect(use).to_have_accessible_description(re.compile(re.escape(CERTIFICATE.number)))
    use.click()
    expect(page.locator(".provenance")).to_contain_text(CERTIFICATE.number)
    check_accessibility(page, axe_source, "draft reusing a digitised document")
    draft = Dossier.objects.exclude(pk=paper_dossier.pk).get(applicant=citizen)
    component = draft.components.get(code="QUAN_HE_NHAN_THAN")
    assert component.source == ComponentSource.REPOSITORY
    assert component.repository_document_id == filed.pk
    assert DossierEvent.objects.filter(dossier=draft, kind="component_reused").count() == 1
