"""The public verification page and API: no login, Vietnamese first, uploads checked."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from egov.records.models import ResultDocument
from tests.conftest import pdf_bytes, png_bytes
from tests.records.conftest import signed_pdf


def test_the_qr_link_shows_the_verdict_without_login(
    client: Client, signed: ResultDocument
) -> None:
    page = client.get(f"/verify/{signed.code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Hợp lệ: văn bản là thật và không bị sửa đổi" in html
    assert "Ủy ban nhân dân phường Ba Đình" in html and "000.00.31.H26" in html
    assert signed.sha256 in html and signed.code in html
    assert 'lang="vi"' in html


def test_an_unknown_code_is_not_found(client: Client, db: object) -> None:
    page = client.get("/verify/0000-0000-0000-0000/")
    assert page.status_code == 404
    assert "Không có văn bản đã ký số nào mang mã xác thực này." in page.content.decode()


def test_a_code_entered_on_the_page_leads_to_its_verdict(
    client: Client, signed: ResultDocument
) -> None:
    assert client.get("/verify/").status_code == 200
    response = client.post("/verify/", {"code": signed.code.lower()})
    assert response.status_code == 302 and response["Location"] == f"/verify/{signed.code}/"


def test_an_uploaded_pdf_is_verified(client: Client, signed: ResultDocument) -> None:
    page = client.post("/verify/", {"document": SimpleUploadedFile("kq.pdf", signed_pdf(signed))})
    assert page.status_code == 200 and "Hợp lệ" in page.content.decode()
    tampered = bytearray(signed_pdf(signed))
    tampered[200] ^= 0x01
    page = client.post("/verify/", {"document": SimpleUploadedFile("kq.pdf", bytes(tampered))})
    html = page.content.decode()
    assert "Không hợp lệ: không sử dụng văn bản này" in html
    assert "egov chưa cấp văn bản nào có nội dung này (SHA-256)." in html


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("anh.pdf", png_bytes(), "Chỉ xác thực được văn bản PDF."),
        ("rong.pdf", b"", "không có nội dung"),
    ],
)
def test_uploads_are_checked(
    client: Client, db: object, name: str, data: bytes, message: str
) -> None:
    page = client.post("/verify/", {"document": SimpleUploadedFile(name, data)})
    assert page.status_code == 422 and message in page.content.decode()
    api = client.post("/api/v1/verification/document", {"document": SimpleUploadedFile(name, data)})
    assert api.status_code == 422 and message in api.json()["message"]


def test_uploads_over_the_size_limit_are_refused(
    client: Client, db: object, settings: object
) -> None:
    settings.UPLOAD_MAX_BYTES = 1024  # type: ignore[attr-defined]
    big = pdf_bytes("Giấy khai sinh") + b"%" * 2048
    page = client.post("/verify/", {"document": SimpleUploadedFile("to.pdf", big)})
    assert page.status_code == 422


def test_the_api_verifies_a_file_and_a_code(client: Client, signed: ResultDocument) -> None:
    response = client.post(
        "/api/v1/verification/document",
        {"document": SimpleUploadedFile("kq.pdf", signed_pdf(signed))},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["outcome"] == "valid" and body["reasons"] == []
    assert body["signer"] == "Ủy ban nhân dân phường Ba Đình"
    assert body["agency_code"] == "000.00.31.H26" and body["sha256"] == signed.sha256
    assert body["issued_at"] and body["timestamp"]
    by_code = client.get(f"/api/v1/verification/code/{signed.code}")
    assert by_code.status_code == 200 and by_code.json()["sha256"] == signed.sha256
    unknown = client.get("/api/v1/verification/code/0000-0000-0000-0000")
    assert unknown.status_code == 404 and unknown.json()["outcome"] == "unknown"


def test_the_verification_page_is_in_english_on_request(
    client: Client, signed: ResultDocument
) -> None:
    client.cookies["django_language"] = "en"
    html = client.get(f"/verify/{signed.code}/").content.decode()
    assert "Valid: the document is genuine and unchanged" in html
