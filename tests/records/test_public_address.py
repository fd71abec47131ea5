"""The verification address printed on a result (and encoded in its QR code) is the site's public
address: PUBLIC_URL when set, else the address the proposal (which draws the result up) was served
on — never a fixed development address."""

import io
from collections.abc import Callable
from typing import Any

import pytest
import segno
from django.test import Client
from pypdf import PdfReader

from egov.dossiers import services as dossier_services
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.identity.models import User
from egov.records.models import ResultDocument
from tests.conftest import log_in
from tests.records.conftest import signed_pdf


@pytest.fixture
def qr_payloads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the QR codes drawn on results encode."""
    made: list[str] = []
    real = segno.make

    def spy(content: str, *args: Any, **kwargs: Any) -> Any:
        made.append(content)
        return real(content, *args, **kwargs)

    monkeypatch.setattr(segno, "make", spy)
    return made


def propose_and_approve_on(
    client: Client, host: str, dossier: Dossier, staff: dict[str, User], **extra: Any
) -> None:
    """The processor proposes on ``host`` (the draft, with its printed address, is drawn up
    then); the approver signs that draft."""
    log_in(client, staff["processor"])
    response = client.post(
        f"/dossiers/{dossier.pk}/act/propose/",
        {"note": "Trình ký", "version": dossier.version},
        HTTP_HOST=host,
        **extra,
    )
    assert response.status_code in (200, 302), response.status_code
    dossier_services.approve(dossier.pk, staff["approver"])


def printed_text(document: ResultDocument) -> str:
    return "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(signed_pdf(document))).pages
    )


def test_the_address_served_is_printed_when_public_url_is_unset(
    client: Client,
    make_dossier: Callable[..., Dossier],
    staff: dict[str, User],
    qr_payloads: list[str],
    settings: Any,
) -> None:
    settings.PUBLIC_URL = ""
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    dossier = make_dossier(Status.PROCESSING)
    propose_and_approve_on(client, "127.0.0.1:8765", dossier, staff)
    document = ResultDocument.objects.get(dossier=dossier)
    expected = f"http://127.0.0.1:8765/verify/{document.code}/"
    assert document.public_url == "http://127.0.0.1:8765"
    assert expected in printed_text(document)
    assert qr_payloads == [expected]
    assert "127.0.0.1:8000" not in printed_text(document)


def test_a_secure_request_prints_https(
    client: Client,
    make_dossier: Callable[..., Dossier],
    staff: dict[str, User],
    qr_payloads: list[str],
    settings: Any,
) -> None:
    settings.PUBLIC_URL = ""
    settings.ALLOWED_HOSTS = ["dichvucong.example.gov.vn"]
    dossier = make_dossier(Status.PROCESSING)
    propose_and_approve_on(client, "dichvucong.example.gov.vn", dossier, staff, secure=True)
    document = ResultDocument.objects.get(dossier=dossier)
    assert qr_payloads == [f"https://dichvucong.example.gov.vn/verify/{document.code}/"]


def test_public_url_wins_over_the_address_served(
    client: Client,
    make_dossier: Callable[..., Dossier],
    staff: dict[str, User],
    qr_payloads: list[str],
    settings: Any,
) -> None:
    settings.PUBLIC_URL = "https://dichvucong.example.gov.vn"
    settings.ALLOWED_HOSTS = ["10.0.0.5"]
    dossier = make_dossier(Status.PROCESSING)
    propose_and_approve_on(client, "10.0.0.5:8000", dossier, staff)
    document = ResultDocument.objects.get(dossier=dossier)
    expected = f"https://dichvucong.example.gov.vn/verify/{document.code}/"
    assert expected in printed_text(document)
    assert qr_payloads == [expected]


def test_without_a_request_the_site_url_is_used(
    make_dossier: Callable[..., Dossier],
    staff: dict[str, User],
    qr_payloads: list[str],
    settings: Any,
) -> None:
    settings.PUBLIC_URL = ""
    settings.SITE_URL = "https://egov.example.gov.vn"
    dossier = make_dossier(Status.RESULT_READY)
    document = ResultDocument.objects.get(dossier=dossier)
    assert qr_payloads == [f"https://egov.example.gov.vn/verify/{document.code}/"]
