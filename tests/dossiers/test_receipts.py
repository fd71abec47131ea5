"""The receipt slip ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả") as a PDF with Vietnamese text."""

import io
import unicodedata
from collections.abc import Callable

import pytest
import time_machine
from django.test import Client
from pypdf import PdfReader

from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.dossiers.receipts import receipt_pdf
from egov.dossiers.services import WrongState
from egov.identity.models import User
from tests.conftest import bearer, vn

MakeDossier = Callable[..., Dossier]
TITLE = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return unicodedata.normalize("NFC", text)


def test_the_receipt_of_a_received_dossier(
    make_dossier: MakeDossier, staff: dict[str, User], citizen: User
) -> None:
    with time_machine.travel(vn(2026, 2, 13, 10), tick=False):
        dossier = make_dossier(Status.RECEIVED)
    data = receipt_pdf(dossier)
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    text = pdf_text(data)
    assert TITLE in text
    assert dossier.code == "H26.31-20260213-0000001"
    assert dossier.code in text
    assert "Ủy ban nhân dân phường Ba Đình" in text
    assert citizen.full_name in text  # the slip is the applicant's own paper
    assert "Đăng ký khai sinh" in text
    assert "1 ngày làm việc" in text
    assert "23/02/2026" in text  # the promised date: after Tết
    assert staff["receiver"].full_name in text


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SUBMITTED, Status.REFUSED])
def test_no_receipt_before_intake(make_dossier: MakeDossier, status: str) -> None:
    dossier = make_dossier(status)
    with pytest.raises(WrongState):
        receipt_pdf(dossier)


def test_the_receipt_is_served_on_the_page_and_the_api(
    client: Client, make_dossier: MakeDossier, citizen: User
) -> None:
    dossier = make_dossier(Status.PROCESSING)
    response = client.get(f"/api/v1/dossiers/{dossier.pk}/receipt.pdf", headers=bearer(citizen))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert dossier.code in response["Content-Disposition"]
    assert TITLE in pdf_text(response.content)

    client.force_login(citizen)
    page = client.get(f"/dossiers/{dossier.pk}/receipt.pdf")
    assert page.status_code == 200
    assert page["Content-Type"] == "application/pdf"
    assert dossier.code in pdf_text(page.content)


def test_asking_for_a_receipt_too_early(
    client: Client, make_dossier: MakeDossier, citizen: User
) -> None:
    dossier = make_dossier(Status.SUBMITTED)
    api = client.get(f"/api/v1/dossiers/{dossier.pk}/receipt.pdf", headers=bearer(citizen))
    assert api.status_code == 409
    assert api.json()["code"] == "invalid_state"
    client.force_login(citizen)
    assert client.get(f"/dossiers/{dossier.pk}/receipt.pdf").status_code == 404
    assert client.get(f"/dossiers/{dossier.pk}/result/").status_code == 404
