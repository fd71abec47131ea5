"""Uploads: the type is read from the content, the size is limited, the bytes are stored once."""

import hashlib
import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.test import Client, override_settings
from PIL import Image

from egov.catalog.models import Procedure
from egov.core.files import (
    clean_filename,
    read_checked_upload,
    read_stored,
    sniff_content_type,
    store_bytes,
)
from egov.core.models import Agency, StoredFile
from egov.dossiers import services
from egov.dossiers.services import Upload
from egov.identity.models import User
from tests.conftest import BIRTH_FORM, birth_files, pdf_bytes, png_bytes


def jpeg_bytes() -> bytes:
    """A valid 2×2 JPEG image."""
    out = io.BytesIO()
    Image.new("RGB", (2, 2), (200, 10, 10)).save(out, format="JPEG")
    return out.getvalue()


JPEG = jpeg_bytes()


def check(data: bytes, name: str, size: int | None = None) -> tuple[bytes, str]:
    return read_checked_upload(io.BytesIO(data), name, size)


def test_a_pdf_is_accepted_as_a_pdf() -> None:
    data = pdf_bytes("Tờ khai")
    assert check(data, "to-khai.pdf", len(data)) == (data, "application/pdf")


def test_a_png_renamed_to_pdf_is_stored_as_a_png(db: Any) -> None:
    data, content_type = check(png_bytes(), "giay-chung-sinh.pdf")
    assert content_type == "image/png"
    stored = store_bytes(data, content_type)
    assert StoredFile.objects.get(pk=stored.pk).content_type == "image/png"


def test_a_jpeg_is_recognised_by_content() -> None:
    assert sniff_content_type(JPEG) == "image/jpeg"
    assert check(JPEG, "scan.png")[1] == "image/jpeg"


@pytest.mark.parametrize(
    "data",
    [
        b"Day la mot tep van ban, khong phai PDF.\n" * 5,
        b"<html><body>not a document</body></html>",
        b"PK\x03\x04" + b"\x00" * 60,  # a ZIP archive
        b"MZ\x90\x00" + b"\x00" * 60,  # a Windows executable
    ],
)
def test_other_content_named_pdf_is_refused(data: bytes) -> None:
    with pytest.raises(ValidationError) as excinfo:
        check(data, "giay-to.pdf")
    assert "giay-to.pdf" in excinfo.value.messages[0]


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(ValidationError) as excinfo:
        check(b"", "trong.pdf")
    assert "trong.pdf" in excinfo.value.messages[0]


@override_settings(UPLOAD_MAX_BYTES=1000)
def test_a_file_over_the_limit_is_refused_by_its_declared_size() -> None:
    with pytest.raises(ValidationError):
        check(b"%PDF-1.4" + b"0" * 10, "lon.pdf", size=1001)


def test_a_file_over_the_limit_is_refused_by_its_bytes(settings: Any) -> None:
    data = pdf_bytes("Tờ khai")
    settings.UPLOAD_MAX_BYTES = len(data) - 1
    with pytest.raises(ValidationError):
        check(data, "lon.pdf", size=None)  # the size was not declared
    with pytest.raises(ValidationError):
        check(data, "lon.pdf", size=10)  # the size was understated


def test_a_file_at_the_limit_is_accepted(settings: Any) -> None:
    data = pdf_bytes("Tờ khai")
    settings.UPLOAD_MAX_BYTES = len(data)
    assert check(data, "vua.pdf", size=len(data)) == (data, "application/pdf")


def test_identical_bytes_are_stored_once(db: Any) -> None:
    data = pdf_bytes("Bản sao")
    first = store_bytes(data, "application/pdf")
    second = store_bytes(data, "application/pdf")
    assert first.pk == second.pk
    assert StoredFile.objects.filter(sha256=first.sha256).count() == 1
    assert first.sha256 == hashlib.sha256(data).hexdigest()
    assert first.size == len(data)
    assert first.storage_name == f"cas/{first.sha256[:2]}/{first.sha256[2:4]}/{first.sha256}"
    assert default_storage.exists(first.storage_name)
    assert read_stored(first) == data


def test_different_bytes_are_stored_apart(db: Any) -> None:
    first = store_bytes(pdf_bytes("Một"), "application/pdf")
    second = store_bytes(pdf_bytes("Hai"), "application/pdf")
    assert first.pk != second.pk
    assert read_stored(first) != read_stored(second)


@pytest.mark.parametrize(
    ("name", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("/var/www/giay-to.pdf", "giay-to.pdf"),
        ("C:\\Users\\Bình\\Tờ khai.pdf", "Tờ khai.pdf"),
        ("Giấy chứng sinh.pdf", "Giấy chứng sinh.pdf"),
        ("a<b>|c;rm -rf.pdf", "a_b_c_rm -rf.pdf"),
        ("tờ\x00khai.pdf", "tờ_khai.pdf"),
        ("...", "tep"),
        ("", "tep"),
        ("dir/", "tep"),
    ],
)
def test_clean_filename(name: str, clean: str) -> None:
    assert clean_filename(name) == clean


def test_clean_filename_keeps_names_short_and_composed() -> None:
    assert len(clean_filename("a" * 500 + ".pdf")) == 120
    decomposed = "To\u0302\u0300 khai.pdf"  # "Tồ" written with combining marks
    assert clean_filename(decomposed) == "Tồ khai.pdf"


def test_a_png_named_pdf_in_a_dossier_is_kept_and_served_as_a_png(
    birth: Procedure, ward: Agency, citizen: User, client: Client
) -> None:
    scan = png_bytes()
    files = birth_files() | {
        "GIAY_CHUNG_SINH": Upload(name="giay-chung-sinh.pdf", stream=io.BytesIO(scan))
    }
    dossier, _ = services.submit_online(citizen, birth, ward, BIRTH_FORM, files)
    component = dossier.components.select_related("file").get(code="GIAY_CHUNG_SINH")
    assert component.file.content_type == "image/png"
    assert component.filename == "giay-chung-sinh.pdf"
    client.force_login(citizen)
    response = client.get(f"/dossiers/{dossier.pk}/files/GIAY_CHUNG_SINH/")
    assert response["Content-Type"] == "image/png"
    assert response.content == scan
