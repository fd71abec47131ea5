"""Fixtures of the payments tests: dossiers of fee-bearing procedures, the sandbox provider, and
signed callbacks as the sandbox bank sends them."""

import io
from collections.abc import Callable
from typing import Any

import pytest

from egov.catalog.models import Procedure
from egov.core.models import Agency
from egov.dossiers import services as dossier_services
from egov.dossiers.models import Dossier
from egov.dossiers.services import Upload
from egov.identity.models import User
from egov.payments import services
from egov.payments.models import Payment
from egov.payments.providers import sandbox
from tests.conftest import BUSINESS_FORM, business_files, pdf_bytes

COPIES = "2.000815"  # Chứng thực bản sao: 2.000 đ per copy, due at submission, 50% online
COPIES_FORM = {
    "requester_full_name": "Trần Thị Bình",
    "requester_personal_id": "001192000002",
    "document_name": "Bằng tốt nghiệp đại học",
    "issuing_authority": "Trường Đại học Bách khoa Hà Nội",
    "pages": 1,
    "copies": 3,
}


def copies_files() -> dict[str, Upload]:
    data = pdf_bytes("Bản chính")
    return {"BAN_CHINH": Upload(name="ban-chinh.pdf", stream=io.BytesIO(data), size=len(data))}


@pytest.fixture(autouse=True)
def _sandbox(settings: Any) -> None:
    settings.PAYMENT_PROVIDER = "sandbox"


@pytest.fixture
def copies(catalog: dict[str, Procedure]) -> Procedure:
    return catalog[COPIES]


@pytest.fixture
def copies_dossier(copies: Procedure, ward: Agency, citizen: User) -> Callable[..., Dossier]:
    """A submitted certified-copy request (3 copies: 6.000 đ, 3.000 đ online)."""

    def make(applicant: User | None = None, **form: Any) -> Dossier:
        dossier, _ = dossier_services.submit_online(
            applicant or citizen, copies, ward, {**COPIES_FORM, **form}, copies_files()
        )
        return dossier

    return make


@pytest.fixture
def business_dossier(business: Procedure, ward: Agency, citizen: User) -> Dossier:
    """A submitted household-business registration: 100.000 đ, 50.000 đ online, due before
    the result."""
    dossier, _ = dossier_services.submit_online(
        citizen, business, ward, BUSINESS_FORM, business_files()
    )
    return dossier


def bank_says(payment: Payment, result: str = "approved", **changes: str) -> dict[str, str]:
    """What the sandbox bank sends back for ``payment``, signed, with ``changes`` applied before
    signing."""
    params = {
        "reference": payment.reference,
        "amount": str(payment.amount),
        "currency": payment.currency,
        "result": result,
        "transaction": f"SBX{payment.pk:08d}",
        "return_url": "",
        **changes,
    }
    return sandbox.signed(params)


@pytest.fixture
def start_payment() -> Callable[..., Payment]:
    def start(dossier: Dossier, payer: User) -> Payment:
        payment, _url = services.start_online_payment(
            payer,
            dossier.pk,
            return_url="http://testserver/payments/return/sandbox/",
            client_ip="127.0.0.1",
        )
        return payment

    return start
