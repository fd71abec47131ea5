"""The pages: fees on the dossier page, the breakdown, the sandbox bank, the result page,
receipts (payer and the agency's officials only), and the counter form."""

import io
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from pypdf import PdfReader

from egov.dossiers.models import Dossier, DossierEvent
from egov.identity.models import User
from egov.payments.constants import PaymentStatus
from egov.payments.models import Payment

pytestmark = pytest.mark.django_db


def pay_through_the_sandbox(client: Client, dossier: Dossier, decision: str = "approve") -> Any:
    started = client.post(f"/dossiers/{dossier.pk}/fees/pay/")
    assert started.status_code == 302
    bank = client.get(started["Location"])
    assert bank.status_code == 200
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', bank.content.decode()))
    fields = {k: v.replace("&amp;", "&") for k, v in fields.items()}
    back = client.post("/payments/sandbox/bank/", {**fields, "decision": decision})
    assert back.status_code == 302
    return client.get(back["Location"], follow=True)


def test_the_dossier_page_shows_the_fees(
    client: Client, copies_dossier: Callable[..., Dossier], citizen: User
) -> None:
    dossier = copies_dossier()
    client.force_login(citizen)
    page = client.get(f"/dossiers/{dossier.pk}/").content.decode()
    assert f"/dossiers/{dossier.pk}/fees/" in page
    fees = client.get(f"/dossiers/{dossier.pk}/fees/").content.decode()
    assert "Giảm 50% phí chứng thực khi nộp yêu cầu trực tuyến" in fees
    assert "2.000 ₫" in fees and "−3.000 ₫" in fees and 'id="owed"><strong>3.000 ₫' in fees


def test_a_citizen_pays_through_the_sandbox_bank_and_gets_the_receipt(
    client: Client, copies_dossier: Callable[..., Dossier], citizen: User
) -> None:
    dossier = copies_dossier()
    client.force_login(citizen)
    result = pay_through_the_sandbox(client, dossier)
    payment = Payment.objects.get(dossier=dossier)
    assert payment.status == PaymentStatus.PAID
    assert result.redirect_chain[-1][0] == f"/payments/{payment.reference}/"
    assert f"/payments/{payment.reference}/receipt.pdf" in result.content.decode()
    assert DossierEvent.objects.filter(dossier=dossier, kind="paid").count() == 1
    pdf = client.get(f"/payments/{payment.reference}/receipt.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    for expected in (
        "BIÊN LAI THU PHÍ, LỆ PHÍ",
        "Ký hiệu: H26.31-26E",
        "Số: 0000001",
        "Trần Thị Bình",
        "Phí chứng thực bản sao từ bản chính",
        "3.000 đ",
        "Ba nghìn đồng",
        "Ủy ban nhân dân phường Ba Đình".upper(),
    ):
        assert expected in text, expected


def test_declining_at_the_bank_leaves_it_unpaid(
    client: Client, copies_dossier: Callable[..., Dossier], citizen: User
) -> None:
    dossier = copies_dossier()
    client.force_login(citizen)
    result = pay_through_the_sandbox(client, dossier, "decline")
    assert Payment.objects.get(dossier=dossier).status == PaymentStatus.FAILED
    assert "/receipt.pdf" not in result.content.decode()


def test_a_tampered_bank_request_is_refused(
    client: Client, copies_dossier: Callable[..., Dossier], citizen: User
) -> None:
    dossier = copies_dossier()
    client.force_login(citizen)
    started = client.post(f"/dossiers/{dossier.pk}/fees/pay/")
    url = started["Location"].replace("amount=3000", "amount=1")
    assert client.get(url).status_code == 400
    query = urlsplit(started["Location"]).query.replace(
        "return_url=http%3A%2F%2Ftestserver", "return_url=https%3A%2F%2Fevil.example"
    )
    assert client.get(f"/payments/sandbox/bank/?{query}").status_code == 400


def test_receipts_for_the_payer_and_the_agency_only(
    client: Client,
    copies_dossier: Callable[..., Dossier],
    citizen: User,
    other_citizen: User,
    staff: dict[str, User],
    make_official: Callable[..., User],
    other_ward: Any,
    login_official: Callable[[Client, User], None],
) -> None:
    dossier = copies_dossier()
    client.force_login(citizen)
    pay_through_the_sandbox(client, dossier)
    reference = Payment.objects.get(dossier=dossier).reference
    url = f"/payments/{reference}/receipt.pdf"
    assert client.get(url).status_code == 200
    client.force_login(other_citizen)
    assert client.get(url).status_code == 404
    assert client.get(f"/payments/{reference}/").status_code == 404
    officials = Client()
    login_official(officials, staff["processor"])
    assert officials.get(url).status_code == 200
    login_official(officials, make_official(other_ward, "receiver"))
    assert officials.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_the_counter_form_for_the_receiver(
    client: Client,
    business_dossier: Dossier,
    staff: dict[str, User],
    login_official: Callable[[Client, User], None],
) -> None:
    login_official(client, staff["processor"])
    assert (
        "Ghi nhận thu phí tại quầy"
        not in client.get(f"/dossiers/{business_dossier.pk}/fees/").content.decode()
    )
    assert (
        client.post(
            f"/dossiers/{business_dossier.pk}/fees/counter/", {"method": "cash"}
        ).status_code
        == 302
    )
    assert not Payment.objects.exists()
    login_official(client, staff["receiver"])
    page = client.get(f"/dossiers/{business_dossier.pk}/fees/").content.decode()
    assert 'name="method"' in page
    client.post(f"/dossiers/{business_dossier.pk}/fees/counter/", {"method": "cash"})
    payment = Payment.objects.get()
    assert (payment.channel, payment.method, payment.amount) == ("counter", "cash", 50000)


def test_a_claim_from_the_page(client: Client, business_dossier: Dossier, citizen: User) -> None:
    client.force_login(citizen)
    client.post(
        f"/dossiers/{business_dossier.pk}/fees/claim/",
        {"reduction": "MIEN_HO_NGHEO", "declared": "on"},
    )
    page = client.get(f"/dossiers/{business_dossier.pk}/fees/").content.decode()
    assert 'id="owed"><strong>0 ₫</strong>' in page
    assert "Pay 0" not in page and "/fees/pay/" not in page


def test_notification_endpoint_answers_json(
    client: Client, copies_dossier: Callable[..., Dossier]
) -> None:
    response = client.get("/payments/notify/sandbox/", {"reference": "X", "signature": "bad"})
    assert response.status_code == 200 and response.json() == {"code": "invalid_signature"}
    assert client.get("/payments/notify/vnpay/").status_code == 404


def test_an_organisations_receipt_names_the_organisation(
    client: Client, copies: Any, ward: Any, citizen: User, other_citizen: User
) -> None:
    from egov.dossiers import services as dossier_services
    from egov.identity.organisations.services import register_organisation

    from .conftest import COPIES_FORM, copies_files

    company = register_organisation(
        by=citizen, kind="business", name="Công ty TNHH Hoa Sen", tax_code="0101234565"
    )
    dossier, _ = dossier_services.submit_online(
        citizen, copies, ward, COPIES_FORM, copies_files(), organisation=company
    )
    client.force_login(citizen)
    pay_through_the_sandbox(client, dossier)
    payment = Payment.objects.get(dossier=dossier)
    pdf = client.get(f"/payments/{payment.reference}/receipt.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Tên người nộp: Công ty TNHH Hoa Sen" in text
    client.force_login(other_citizen)
    assert client.get(f"/payments/{payment.reference}/receipt.pdf").status_code == 404
