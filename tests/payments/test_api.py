"""The payments API: the breakdown before paying, online payment, claims, counter payments,
receipts; the same permissions as the pages."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from egov.dossiers.models import Dossier
from egov.identity.models import User
from egov.payments import services
from egov.payments.models import Payment
from tests.conftest import bearer

from .conftest import bank_says

pytestmark = pytest.mark.django_db


def get(client: Client, url: str, user: User) -> Any:
    return client.get(url, headers=bearer(user))


def post(client: Client, url: str, user: User, body: dict | None = None) -> Any:
    return client.post(url, body or {}, content_type="application/json", headers=bearer(user))


def test_the_breakdown_before_paying(
    client: Client, copies_dossier: Callable[..., Dossier], citizen: User
) -> None:
    dossier = copies_dossier()
    response = get(client, f"/api/v1/payments/dossiers/{dossier.pk}/fees", citizen)
    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["outstanding"], body["due"], body["held_step"]) == (
        3000,
        3000,
        "at_submission",
        "receive",
    )
    assert body["national_status"] == 6
    assert body["online_provider"] == "sandbox"
    [line] = body["lines"]
    assert (line["quantity"], line["gross"], line["amount"]) == (3, 6000, 3000)
    assert line["reduction"]["code"] == "GIAM_TRUC_TUYEN"


def test_pay_online_then_read_payment_and_receipt(
    client: Client, copies_dossier: Callable[..., Dossier], citizen: User, other_citizen: User
) -> None:
    dossier = copies_dossier()
    response = post(client, f"/api/v1/payments/dossiers/{dossier.pk}/online", citizen)
    assert response.status_code == 201
    started = response.json()
    assert started["redirect_url"].startswith("http://testserver/payments/sandbox/bank/?")
    assert started["payment"]["status"] == "pending" and started["payment"]["amount"] == 3000
    # Repeating the call returns the same open intent.
    again = post(client, f"/api/v1/payments/dossiers/{dossier.pk}/online", citizen).json()
    assert again["payment"]["reference"] == started["payment"]["reference"]

    payment = Payment.objects.get(reference=started["payment"]["reference"])
    services.handle_callback("sandbox", bank_says(payment), "notification")
    read = get(client, f"/api/v1/payments/{payment.reference}", citizen).json()
    assert read["status"] == "paid" and read["receipt"] == "H26.31-26E 0000001"
    receipt = get(client, f"/api/v1/payments/{payment.reference}/receipt", citizen)
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    assert get(client, f"/api/v1/payments/{payment.reference}", other_citizen).status_code == 404
    assert (
        get(client, f"/api/v1/payments/{payment.reference}/receipt", other_citizen).status_code
        == 404
    )
    assert (
        get(client, f"/api/v1/payments/dossiers/{dossier.pk}/fees", other_citizen).status_code
        == 404
    )
    listed = get(client, f"/api/v1/payments/dossiers/{dossier.pk}/payments", citizen).json()[
        "items"
    ]
    assert [p["reference"] for p in listed] == [payment.reference]


def test_errors_have_the_documented_shape(
    client: Client, business_dossier: Dossier, citizen: User, staff: dict[str, User]
) -> None:
    response = post(
        client,
        f"/api/v1/payments/dossiers/{business_dossier.pk}/claims",
        citizen,
        {"reduction": "NOPE", "declared": True},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input" and "reduction" in response.json()["errors"]
    response = post(
        client, f"/api/v1/payments/dossiers/{business_dossier.pk}/online", staff["receiver"]
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_claim_then_counter_payment(
    client: Client, business_dossier: Dossier, citizen: User, staff: dict[str, User]
) -> None:
    body = post(
        client,
        f"/api/v1/payments/dossiers/{business_dossier.pk}/claims",
        citizen,
        {"reduction": "MIEN_HO_NGHEO", "declared": True},
    ).json()
    assert body["outstanding"] == 0
    assert {r["code"]: r["claimed"] for r in body["reductions"]} == {"MIEN_HO_NGHEO": True}
    response = post(
        client,
        f"/api/v1/payments/dossiers/{business_dossier.pk}/counter",
        staff["receiver"],
        {"method": "cash"},
    )
    assert response.status_code == 409 and response.json()["code"] == "invalid_state"


def test_counter_payment_and_refund(
    client: Client, business_dossier: Dossier, citizen: User, staff: dict[str, User]
) -> None:
    url = f"/api/v1/payments/dossiers/{business_dossier.pk}/counter"
    assert post(client, url, citizen, {"method": "cash"}).status_code == 403
    response = post(client, url, staff["receiver"], {"method": "card"})
    assert response.status_code == 201
    paid = response.json()
    assert (paid["channel"], paid["method"], paid["amount"], paid["status"]) == (
        "counter",
        "card",
        50000,
        "paid",
    )
    refund = f"/api/v1/payments/{paid['reference']}/refund"
    assert post(client, refund, staff["receiver"], {"reason": "Thu nhầm"}).status_code == 403
    assert (
        post(client, refund, staff["agency_admin"], {"reason": "Thu nhầm"}).json()["status"]
        == "refunded"
    )
