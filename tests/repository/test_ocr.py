"""Digitisation that reads: each scan taken at the counter is read by OCR in a task (a searchable
PDF/A, and the number, issuer and date its text proposes); the official confirms or corrects
the fields before filing; without OCR (missing, failing, too slow) the scan is filed as taken."""

import io
import json
import stat
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.test.utils import override_settings

from egov.catalog.models import Procedure
from egov.core.files import read_stored
from egov.core.models import Agency, AuditEntry
from egov.dossiers import services as dossier_services
from egov.dossiers.models import Dossier, DossierEvent
from egov.dossiers.services import Upload
from egov.identity.models import User
from egov.repository import ocr, selectors
from egov.repository.constants import ScanState, SignatureState
from egov.repository.extraction import extract, fold, same_text
from egov.repository.models import RepositoryDocument, Scan
from egov.repository.services import (
    InvalidInput,
    NotAllowed,
    NotFound,
    PaperDocument,
    add_scan,
    digitise,
    read_scan,
)
from tests.conftest import bearer, log_in, pdf_bytes

from .conftest import RESIDENCE_FORM, residence_files
from .scans import ScanCase, scan

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 7)

# --- extraction rules, on text as OCR gives it ------------------------------------------------

DECREE_30 = """ỦY BAN NHÂN DÂN          CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
TỈNH BẮC NINH                     Độc lập - Tự do - Hạnh phúc
Số: 123 /QĐ-UBND          Bắc Ninh, ngày 5 tháng 3 năm 2025
QUYẾT ĐỊNH
Về việc cấp giấy phép
Ngày, tháng, năm sinh: 01/02/1990
"""

RESULT = """ỦY BAN NHÂN DÂN PHƯỜNG BA CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
ĐÌNH Độc lập - Tự do - Hạnh phúc
Số: H26.31-20260605-0000123
GIẤY KHAI SINH
Ngày, tháng, năm sinh: 01/05/2026
Số định danh cá nhân: 001226000123
ngày 05 tháng 06 năm 2026
Ủy ban nhân dân phường Ba Đình
(Đã ký số)
"""

LABELLED = """CĂN CƯỚC
Số định danh cá nhân: 001095000004
Ngày sinh: 17/08/1995
Có giá trị đến: 17/08/2035
Nơi cấp: Bộ Công an
Ngày cấp: 20/09/2021
"""


def test_a_decree_30_document() -> None:
    found = extract(DECREE_30, TODAY)
    assert found.number == "123/QĐ-UBND"
    assert found.issuer == "ỦY BAN NHÂN DÂN TỈNH BẮC NINH"
    assert found.issued_on == date(2025, 3, 5)  # not the date of birth


def test_a_result_prefers_the_issuers_name_above_the_signature() -> None:
    found = extract(RESULT, TODAY, ["GIAY_CHUNG_SINH", "GIAY_KHAI_SINH"])
    assert found.number == "H26.31-20260605-0000123"  # not the personal ID number
    assert found.issuer == "Ủy ban nhân dân phường Ba Đình"
    assert found.issued_on == date(2026, 6, 5)
    assert found.document_type == "GIAY_KHAI_SINH"


def test_labelled_fields_and_dates_that_are_not_the_issue_date() -> None:
    found = extract(LABELLED, TODAY)
    assert found.number == ""  # "Số định danh cá nhân" is a field, not the document's number
    assert found.issuer == "Bộ Công an"
    assert found.issued_on == date(2021, 9, 20)  # neither the birth nor the expiry


def test_ocr_slips_in_diacritics_and_spacing_are_tolerated() -> None:
    text = "SỞ TƯ PHÁP\nSô: 0098765 / STP-LLTP\nHà Nội, ngay 9 thang 11 nam 2024\n"
    found = extract(text, TODAY)
    assert (found.number, found.issuer, found.issued_on) == (
        "0098765/STP-LLTP",
        "SỞ TƯ PHÁP",
        date(2024, 11, 9),
    )


# Read by Tesseract from two generated scans (bench/ocr.py): the rule drawn under the agency's
# name read as "=—==--. tê"; the motto read only in part, its line starting with ":".
NOISY_HEADERS = [
    """ỦY BAN NHÂN DÂN PHƯỜNG CẦU CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
GIẤY Độc lập - Tự do - Hạnh phúc
=—==--. tê
Số: 146/2025/GIAY
GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH
""",
    """SỞ TƯ PHÁP TỈNH BẮC NINH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
: Độc lập - Tự do - H
Số: H26.83-20201212-0843822 §CIẬP 109 Hạn HT
PHIẾU LÝ LỊCH TƯ PHÁP
""",
]


def test_the_name_above_the_signature_wins_over_a_header_with_noise_after_it() -> None:
    text = RESULT.replace("ĐÌNH Độc lập", "ĐÌNH BÊ Độc lập")
    assert extract(text, TODAY).issuer == "Ủy ban nhân dân phường Ba Đình"
    # Not when it names something else (a title above the signature, another unit).
    other = RESULT.replace("Ủy ban nhân dân phường Ba Đình\n(Đã", "Ủy ban\n(Đã")
    assert extract(other, TODAY).issuer == "ỦY BAN NHÂN DÂN PHƯỜNG BA ĐÌNH"


def test_what_ocr_makes_of_the_rule_and_the_motto_is_not_the_issuer() -> None:
    first, second = (extract(text, TODAY) for text in NOISY_HEADERS)
    assert (first.issuer, first.number) == ("ỦY BAN NHÂN DÂN PHƯỜNG CẦU GIẤY", "146/2025/GIAY")
    assert (second.issuer, second.number) == ("SỞ TƯ PHÁP TỈNH BẮC NINH", "H26.83-20201212-0843822")


def test_impossible_and_future_dates_are_not_proposed() -> None:
    assert extract("ngày 31 tháng 02 năm 2025\n15/01/2027", TODAY).issued_on is None
    assert extract("Cấp ngày: 30/04/2025", TODAY).issued_on == date(2025, 4, 30)


def test_nothing_found_proposes_nothing() -> None:
    found = extract("", TODAY)
    assert (found.number, found.issuer, found.issued_on, found.document_type) == ("", "", None, "")


def test_folding_keeps_positions_and_comparison_ignores_case_and_marks() -> None:
    assert fold("Ủy ban, ngày Đông") == "uy ban, ngay dong"
    assert len(fold("Ủy ban nhân dân")) == len("Ủy ban nhân dân")
    assert same_text("ỦY BAN  NHÂN DÂN phường Ba Đình.", "Ủy ban nhân dân phường Ba Đình")
    assert same_text("PHÒNG TÀI CHÍNH KẾ HOẠCH", "Phòng Tài chính - Kế hoạch")
    assert not same_text("Ủy ban nhân dân phường Ba Đình", "Ủy ban nhân dân phường Cầu Giấy")


# --- a counter dossier whose family relationship is a paper birth certificate -----------------

CERTIFICATE = ScanCase(
    document_type="GIAY_KHAI_SINH",
    number="H26.31-20240511-0000417",
    issuer="Ủy ban nhân dân phường Ba Đình",
    issued_on=date(2024, 5, 11),
    dpi=200,
    angle=1.5,
    noise=15.0,
)


@pytest.fixture
def police_receiver(police_ward: Agency, make_official: Callable[..., User]) -> User:
    return make_official(police_ward, "receiver")


@pytest.fixture
def paper_dossier(
    police_receiver: User, citizen: User, residence: Procedure, police_ward: Agency
) -> Dossier:
    """A permanent residence registration filed at the police counter; the family
    relationship is a birth certificate on paper, scanned at filing (a PDF here)."""
    files = residence_files()
    files["QUAN_HE_NHAN_THAN"] = Upload(
        "giay-khai-sinh.pdf",
        io.BytesIO(pdf_bytes("Giấy khai sinh")),
        len(pdf_bytes("Giấy khai sinh")),
    )
    return dossier_services.submit_at_counter(
        police_receiver, citizen, residence, police_ward, RESIDENCE_FORM, files
    )


#: The lease the other paper component is, described by hand each time.
LEASE = PaperDocument(
    document_type="HOP_DONG_THUE_NHA",
    number="HĐ-2026/12",
    issuer_name="Nguyễn Thị Lan (bên cho thuê)",
    issued_on=date(2026, 1, 5),
)


def certificate_of(documents: list[RepositoryDocument]) -> RepositoryDocument:
    [document] = [d for d in documents if d.document_type == "GIAY_KHAI_SINH"]
    return document


def scan_upload(data: bytes, name: str = "giay-khai-sinh.png") -> Upload:
    return Upload(name, io.BytesIO(data), len(data))


FAKE_TEXT = RESULT.replace("Số: H26.31-20260605-0000123", "Số: 417/2024/KS")


def fake_ocr(folder: Path, body: str) -> str:
    """An OCR program standing in for OCRmyPDF: ``body`` runs with the arguments parsed."""
    program = folder / "fake-ocrmypdf"
    program.write_text(
        "#!/usr/bin/env python3\n"
        "import sys, time, shutil\n"
        "args = sys.argv[1:]\n"
        "sidecar = args[args.index('--sidecar') + 1]\n"
        "source, target = args[-2], args[-1]\n" + body
    )
    program.chmod(program.stat().st_mode | stat.S_IEXEC)
    return str(program)


def reading_ocr(folder: Path) -> str:
    """Reads every scan as ``FAKE_TEXT``, its PDF/A a small PDF; says which page it is on."""
    pdf = folder / "searchable.pdf"
    pdf.write_bytes(pdf_bytes("PDF/A"))
    return fake_ocr(
        folder,
        f"print('    1 page is facing up', file=sys.stderr)\n"
        f"open(sidecar, 'w').write({FAKE_TEXT!r})\n"
        f"shutil.copy({str(pdf)!r}, target)\n",
    )


def read(dossier: Dossier, official: User, code: str, upload: Upload | None, capture: Any) -> Scan:
    with capture(execute=True):
        added = add_scan(dossier.pk, official, code, upload)
    return Scan.objects.get(pk=added.pk)


def test_a_scan_is_read_in_a_task_and_its_fields_proposed(
    paper_dossier: Dossier,
    police_receiver: User,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with override_settings(OCR_COMMAND=reading_ocr(tmp_path)):
        with django_capture_on_commit_callbacks(execute=False) as queued:
            added = add_scan(paper_dossier.pk, police_receiver, "QUAN_HE_NHAN_THAN")
        assert Scan.objects.get(pk=added.pk).state == ScanState.QUEUED
        assert len(queued) == 1  # the reading is queued when the scan is kept, not run inline
        queued[0]()
    done = Scan.objects.get(pk=added.pk)
    assert done.state == ScanState.READ and done.progress == 100 and done.pages == 1
    assert (done.number, done.issuer_name, done.issued_on, done.document_type) == (
        "417/2024/KS",
        "Ủy ban nhân dân phường Ba Đình",
        date(2026, 6, 5),
        "GIAY_KHAI_SINH",  # the only type the component accepts that the text names
    )
    assert done.original == paper_dossier.components.get(code="QUAN_HE_NHAN_THAN").file
    assert done.searchable is not None and done.filed_file == done.searchable
    assert done.filed_filename == "giay-khai-sinh.pdf"


def test_the_confirmed_fields_are_filed_and_what_reuse_shows(
    paper_dossier: Dossier,
    police_receiver: User,
    citizen: User,
    residence: Procedure,
    police_ward: Agency,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with override_settings(OCR_COMMAND=reading_ocr(tmp_path)):
        done = read(
            paper_dossier,
            police_receiver,
            "QUAN_HE_NHAN_THAN",
            None,
            django_capture_on_commit_callbacks,
        )
    confirmed = PaperDocument(
        scan=done.pk,
        document_type="GIAY_KHAI_SINH",
        number="417/2024/KS",
        issuer_name="Ủy ban nhân dân phường Ba Đình",
        issued_on=date(2024, 5, 11),  # corrected: the text's date was another one
    )
    document = certificate_of(
        digitise(
            paper_dossier.pk,
            police_receiver,
            {"QUAN_HE_NHAN_THAN": confirmed, "CHO_O_HOP_PHAP": LEASE},
        )
    )

    assert document.signature_state == SignatureState.DIGITISED and document.owner_person == citizen
    assert (document.number, document.issued_on) == ("417/2024/KS", date(2024, 5, 11))
    assert document.file == done.searchable and document.filename == "giay-khai-sinh.pdf"
    component = paper_dossier.components.get(code="QUAN_HE_NHAN_THAN")
    assert component.file == done.searchable and component.repository_document_id == document.pk
    assert Scan.objects.get(pk=done.pk).document == document
    # Counted for the digitisation rate as before; the corrections are recorded, by name only.
    event = DossierEvent.objects.get(dossier=paper_dossier, kind="digitised")
    assert "QUAN_HE_NHAN_THAN" in event.data["components"]
    audit = AuditEntry.objects.get(action="dossier_digitised")
    assert audit.data["read"] == {
        "QUAN_HE_NHAN_THAN": {"state": "read", "corrected": ["issued_on"]}
    }

    draft = dossier_services.start_draft(citizen, residence, police_ward)
    [offered] = selectors.reuse_offers(citizen, draft)["QUAN_HE_NHAN_THAN"]
    assert (offered.number, offered.issuer_name, offered.issued_on) == (
        "417/2024/KS",
        "Ủy ban nhân dân phường Ba Đình",
        date(2024, 5, 11),
    )


def test_reading_is_idempotent_and_a_half_read_scan_is_read_again(
    paper_dossier: Dossier, police_receiver: User, tmp_path: Path
) -> None:
    with override_settings(OCR_COMMAND=reading_ocr(tmp_path)):
        queued = add_scan(paper_dossier.pk, police_receiver, "QUAN_HE_NHAN_THAN")  # not run
        # A worker stopped while reading left it "reading": the task run again reads it.
        Scan.objects.filter(pk=queued.pk).update(state=ScanState.READING, progress=40)
        assert read_scan(queued.pk).state == ScanState.READ
    # Read, it stays so: run once more (with an OCR that would fail), nothing changes.
    (tmp_path / "failing").mkdir()
    with override_settings(OCR_COMMAND=fake_ocr(tmp_path / "failing", "sys.exit(2)\n")):
        again = read_scan(queued.pk)
    assert (again.state, again.number, again.problem) == (ScanState.READ, "417/2024/KS", "")


def test_a_scan_still_being_read_is_not_filed(
    paper_dossier: Dossier, police_receiver: User, tmp_path: Path
) -> None:
    with override_settings(OCR_COMMAND=reading_ocr(tmp_path)):
        queued = add_scan(paper_dossier.pk, police_receiver, "QUAN_HE_NHAN_THAN")  # never run
    paper = PaperDocument(
        scan=queued.pk,
        document_type="GIAY_KHAI_SINH",
        number="1",
        issuer_name="UBND",
        issued_on=date(2024, 5, 11),
    )
    with pytest.raises(InvalidInput) as refusal:
        digitise(paper_dossier.pk, police_receiver, {"QUAN_HE_NHAN_THAN": paper})
    assert "QUAN_HE_NHAN_THAN:file" in refusal.value.errors
    wrong = PaperDocument(**{**paper.__dict__, "scan": queued.pk})
    with pytest.raises(InvalidInput) as refusal:
        digitise(paper_dossier.pk, police_receiver, {"CHO_O_HOP_PHAP": wrong})
    assert "CHO_O_HOP_PHAP:file" in refusal.value.errors
    assert not RepositoryDocument.objects.exists()


# --- OCR unavailable: the counter still files the scan, and says so ----------------------------


@pytest.mark.parametrize(
    ("body", "timeout", "problem"),
    [
        (None, 180, "missing"),
        ("sys.exit(2)\n", 180, "failed"),
        ("time.sleep(60)\n", 1, "timeout"),
    ],
)
def test_without_ocr_the_scan_is_filed_as_taken(
    body: str | None,
    timeout: int,
    problem: str,
    paper_dossier: Dossier,
    police_receiver: User,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    command = fake_ocr(tmp_path, body) if body else str(tmp_path / "no-such-ocrmypdf")
    image = scan(CERTIFICATE)
    with override_settings(OCR_COMMAND=command, OCR_TIMEOUT=timeout):
        done = read(
            paper_dossier,
            police_receiver,
            "QUAN_HE_NHAN_THAN",
            scan_upload(image),
            django_capture_on_commit_callbacks,
        )
    assert (done.state, done.problem, done.searchable) == (ScanState.UNAVAILABLE, problem, None)
    assert done.number == "" and done.issued_on is None
    paper = PaperDocument(
        scan=done.pk,
        document_type="GIAY_KHAI_SINH",
        number="417/2024/KS",
        issuer_name="Ủy ban nhân dân phường Ba Đình",
        issued_on=date(2024, 5, 11),
    )
    document = certificate_of(
        digitise(
            paper_dossier.pk, police_receiver, {"QUAN_HE_NHAN_THAN": paper, "CHO_O_HOP_PHAP": LEASE}
        )
    )
    assert document.file == done.original and read_stored(document.file) == image
    assert document.file.content_type == "image/png" and document.filename == "giay-khai-sinh.png"
    assert DossierEvent.objects.filter(dossier=paper_dossier, kind="digitised").count() == 1


def test_the_page_says_ocr_is_unavailable(
    client: Client, paper_dossier: Dossier, police_receiver: User, tmp_path: Path
) -> None:
    log_in(client, police_receiver)
    url = f"/backoffice/dossiers/{paper_dossier.pk}/digitise/"
    with override_settings(OCR_COMMAND=str(tmp_path / "missing"), LANGUAGE_CODE="en"):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "OCR is unavailable on this server" in page
        response = client.post(
            f"/backoffice/dossiers/{paper_dossier.pk}/scans/",
            {"file_QUAN_HE_NHAN_THAN": io.BytesIO(scan(CERTIFICATE))},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 302
    done = Scan.objects.get(dossier=paper_dossier, component="QUAN_HE_NHAN_THAN")
    assert done.state == ScanState.UNAVAILABLE
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "the scan is filed as it was taken" in page
    assert f'name="scan_QUAN_HE_NHAN_THAN" value="{done.pk}"' in page
    assert 'name="number_QUAN_HE_NHAN_THAN" value=""' in page  # nothing proposed: by hand


# --- the page: progress while reading, then the proposed fields --------------------------------


def test_the_page_polls_a_scan_being_read_then_proposes_its_fields(
    client: Client,
    paper_dossier: Dossier,
    police_receiver: User,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    log_in(client, police_receiver)
    with override_settings(OCR_COMMAND=reading_ocr(tmp_path)):
        with django_capture_on_commit_callbacks(execute=False) as queued:
            client.post(f"/backoffice/dossiers/{paper_dossier.pk}/scans/", {})
        # Without a new scan, the ones taken at filing are read: one per component on paper.
        assert {s.component for s in Scan.objects.all()} == {
            "TO_KHAI_CT01",
            "CHO_O_HOP_PHAP",
            "QUAN_HE_NHAN_THAN",
        }
        pending = Scan.objects.get(component="QUAN_HE_NHAN_THAN")
        region = client.get(f"/backoffice/scans/{pending.pk}/").content.decode()
        assert 'hx-trigger="every 2s"' in region and "<progress" in region
        assert 'name="number_QUAN_HE_NHAN_THAN"' not in region  # nothing to confirm yet
        for callback in queued:
            callback()
    region = client.get(f"/backoffice/scans/{pending.pk}/").content.decode()
    assert "hx-trigger" not in region  # read: the polling stops
    assert 'name="number_QUAN_HE_NHAN_THAN" value="417/2024/KS"' in region
    assert 'name="issued_on_QUAN_HE_NHAN_THAN" value="2026-06-05"' in region
    page = client.get(f"/backoffice/dossiers/{paper_dossier.pk}/digitise/").content.decode()
    assert 'value="Ủy ban nhân dân phường Ba Đình"' in page


# --- who may ------------------------------------------------------------------------------------


def test_only_receivers_of_the_dossiers_agency_scan_and_follow_a_reading(
    paper_dossier: Dossier,
    police_receiver: User,
    police_ward: Agency,
    ward: Agency,
    make_official: Callable[..., User],
    citizen: User,
    other_citizen: User,
    tmp_path: Path,
) -> None:
    with override_settings(OCR_COMMAND=str(tmp_path / "missing")):
        mine = add_scan(paper_dossier.pk, police_receiver, "QUAN_HE_NHAN_THAN")
        processor = make_official(police_ward, "processor")
        elsewhere = make_official(ward, "receiver")
        with pytest.raises(NotAllowed):
            add_scan(paper_dossier.pk, processor, "QUAN_HE_NHAN_THAN")
        with pytest.raises(NotFound):
            add_scan(paper_dossier.pk, elsewhere, "QUAN_HE_NHAN_THAN")
        with pytest.raises(NotAllowed):  # the applicant sees the dossier, does not digitise it
            add_scan(paper_dossier.pk, citizen, "QUAN_HE_NHAN_THAN")
        with pytest.raises(NotFound):
            add_scan(paper_dossier.pk, other_citizen, "QUAN_HE_NHAN_THAN")
    assert Scan.objects.count() == 1
    for person in (processor, elsewhere, citizen, other_citizen):
        client = Client()
        log_in(client, person)
        assert client.get(f"/backoffice/scans/{mine.pk}/").status_code == 404, person
        assert client.post(f"/backoffice/dossiers/{paper_dossier.pk}/scans/").status_code == 404
        api = Client().get(f"/api/v1/repository/scans/{mine.pk}", headers=bearer(person))
        assert api.status_code == 404, person
    assert AuditEntry.objects.filter(action="permission_denied").count() >= 12


def test_a_citizen_sees_only_their_own_digitised_document(
    paper_dossier: Dossier,
    police_receiver: User,
    citizen: User,
    other_citizen: User,
    tmp_path: Path,
) -> None:
    with override_settings(OCR_COMMAND=str(tmp_path / "missing")):
        done = add_scan(paper_dossier.pk, police_receiver, "QUAN_HE_NHAN_THAN")
    paper = PaperDocument(
        scan=done.pk,
        document_type="GIAY_KHAI_SINH",
        number="417/2024/KS",
        issuer_name="Ủy ban nhân dân phường Ba Đình",
        issued_on=date(2024, 5, 11),
    )
    document = certificate_of(
        digitise(
            paper_dossier.pk, police_receiver, {"QUAN_HE_NHAN_THAN": paper, "CHO_O_HOP_PHAP": LEASE}
        )
    )
    owner, stranger = Client(), Client()
    log_in(owner, citizen)
    log_in(stranger, other_citizen)
    assert owner.get(f"/repository/{document.pk}/").status_code == 200
    assert stranger.get(f"/repository/{document.pk}/").status_code == 404
    assert "417/2024/KS" not in stranger.get("/repository/").content.decode()
    assert (
        stranger.get(
            f"/api/v1/repository/documents/{document.pk}", headers=bearer(other_citizen)
        ).status_code
        == 404
    )


# --- the API --------------------------------------------------------------------------------------


def test_scan_read_and_digitise_through_the_api(
    paper_dossier: Dossier,
    police_receiver: User,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = Client()
    headers = bearer(police_receiver)
    image = scan(CERTIFICATE)
    with (
        override_settings(OCR_COMMAND=reading_ocr(tmp_path)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            f"/api/v1/repository/dossiers/{paper_dossier.pk}/scans",
            {"component": "QUAN_HE_NHAN_THAN", "file": io.BytesIO(image)},
            headers=headers,
        )
    assert response.status_code == 202, response.content
    scan_id = response.json()["id"]
    read_now = client.get(f"/api/v1/repository/scans/{scan_id}", headers=headers).json()
    assert read_now["state"] == "read" and read_now["number"] == "417/2024/KS"
    assert read_now["issuer"] == "Ủy ban nhân dân phường Ba Đình"
    described = {
        "QUAN_HE_NHAN_THAN": {
            "scan": scan_id,
            "document_type": "GIAY_KHAI_SINH",
            "number": read_now["number"],
            "issuer": read_now["issuer"],
            "issued_on": "2024-05-11",
        },
        "CHO_O_HOP_PHAP": {
            "document_type": "HOP_DONG_THUE_NHA",
            "number": "HĐ-2026/12",
            "issuer": "Nguyễn Thị Lan",
            "issued_on": "2026-01-05",
        },
    }
    filed = client.post(
        f"/api/v1/repository/dossiers/{paper_dossier.pk}/digitise",
        {"documents": json.dumps(described)},
        headers=headers,
    )
    assert filed.status_code == 201, filed.content
    [document] = [d for d in filed.json() if d["document_type"] == "GIAY_KHAI_SINH"]
    assert document["sha256"] == read_now["sha256"] and document["number"] == "417/2024/KS"
    after = client.get(f"/api/v1/repository/scans/{scan_id}", headers=headers).json()
    assert after["filed_as"] == document["id"]


# --- the real reader, on one generated scan ------------------------------------------------------


@pytest.mark.skipif(
    not ocr.available(),
    reason="OCRmyPDF is not installed (make ocr installs it with Tesseract's Vietnamese model)",
)
def test_ocrmypdf_reads_a_generated_scan_into_a_searchable_pdf_a() -> None:
    progress: list[tuple[int, int, str]] = []
    reading = ocr.make_searchable(
        scan(CERTIFICATE), "image/png", lambda *step: progress.append(step)
    )
    assert reading.pdf.startswith(b"%PDF-") and b"pdfaid:part" in reading.pdf  # PDF/A metadata
    assert reading.pages == 1 and (1, 1, "reading") in progress
    found = extract(reading.text, TODAY, ["GIAY_KHAI_SINH"])
    assert found.number == CERTIFICATE.number
    assert same_text(found.issuer, CERTIFICATE.issuer)
    assert found.issued_on == CERTIFICATE.issued_on
    assert found.document_type == "GIAY_KHAI_SINH"
    assert "Nguyễn Minh Anh" in ocr._text_of(reading.pdf)  # searchable: the text is in the PDF
