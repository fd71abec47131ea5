"""How the result is received: the choice at submission and its change until the result is
ready, the postal fee paid once with the fees, the consignment booked once, the provider's
signed callbacks (valid, forged, stale, replayed, out of order, unknown), delivered -> returned,
and who may see or do what. Against a local server that speaks the VNPost-style protocol."""

import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from egov.catalog.models import Procedure
from egov.core.models import Agency, AuditEntry
from egov.dossiers import services
from egov.dossiers.constants import DeliveryMethod, PostalStatus, Status
from egov.dossiers.models import Delivery, Dossier, DossierEvent, PostalCallback
from egov.dossiers.services import DeliveryChoice
from egov.dossiers.services import delivery as delivery_services
from egov.identity.models import User
from egov.payments import services as payments
from tests.conftest import (
    BIRTH_CHECKLIST,
    BIRTH_FORM,
    BUSINESS_FORM,
    bearer,
    birth_files,
    business_files,
    log_in,
)
from tests.payments.conftest import bank_says

from .fake_vnpost import OTHER_PROVINCE, SAME_PROVINCE, FakeVnpost

CALLBACK = "/postal/callback/vnpost/"

BY_POST = DeliveryChoice(
    method=DeliveryMethod.POST,
    recipient_name="Nguyễn Văn An",
    phone="0912 345 678",
    street="12 phố Hàng Bông",
    commune="phường Hoàn Kiếm",
    province="thành phố Hà Nội",
)


def submit(
    applicant: User, procedure: Procedure, agency: Agency, choice: DeliveryChoice | None = BY_POST
) -> Dossier:
    form, files = (
        (BIRTH_FORM, birth_files())
        if procedure.code == "1.001193"
        else (BUSINESS_FORM, business_files())
    )
    prepared = delivery_services.prepare(agency, choice) if choice else None
    dossier, _ = services.submit_online(
        applicant, procedure, agency, form, files, delivery=prepared
    )
    return dossier


def pay(dossier: Dossier, payer: User) -> None:
    payment, _url = payments.start_online_payment(
        payer,
        dossier.pk,
        return_url="http://testserver/payments/return/sandbox/",
        client_ip="127.0.0.1",
    )
    payments.handle_callback("sandbox", bank_says(payment), "notification")


def to_result_ready(
    dossier: Dossier, staff: dict[str, User], checklist: Any = BIRTH_CHECKLIST
) -> Dossier:
    services.receive(dossier.pk, staff["receiver"], checklist)
    services.assign(dossier.pk, staff["receiver"], staff["processor"])
    services.propose(dossier.pk, staff["processor"])
    services.approve(dossier.pk, staff["approver"])
    dossier.refresh_from_db()
    assert dossier.status == Status.RESULT_READY
    return dossier


@pytest.fixture
def posted(
    post_office: FakeVnpost,
    birth: Procedure,
    ward: Agency,
    citizen: User,
    staff: dict[str, User],
    django_capture_on_commit_callbacks: Any,
) -> Callable[[], Dossier]:
    """A birth registration to be posted, paid, approved and signed: its consignment booked."""

    def make() -> Dossier:
        dossier = submit(citizen, birth, ward)
        pay(dossier, citizen)
        with django_capture_on_commit_callbacks(execute=True):
            dossier = to_result_ready(dossier, staff)
        dossier.refresh_from_db()
        return dossier

    return make


def callback(client: Client, message: tuple[bytes, dict[str, str]]) -> Any:
    body, headers = message
    return client.post(CALLBACK, data=body, content_type="application/json", headers=headers)


# --- the choice -------------------------------------------------------------------------------


def test_online_is_the_default_and_the_post_is_quoted_at_submission(
    post_office: FakeVnpost, birth: Procedure, ward: Agency, citizen: User
) -> None:
    online = submit(citizen, birth, ward, None)
    assert services.delivery_of(online) is None and services.postal_fee(online) == 0

    dossier = submit(citizen, birth, ward)
    delivery = Delivery.objects.get(dossier=dossier)
    assert delivery.method == DeliveryMethod.POST
    assert (delivery.commune, delivery.commune_code) == ("phường Hoàn Kiếm", "000.00.32.H26")
    assert (delivery.province, delivery.province_code) == ("thành phố Hà Nội", "000.00.00.H26")
    assert delivery.phone == "0912345678"
    assert delivery.postal_fee == SAME_PROVINCE == services.postal_fee(dossier)
    # The provider was asked, signed, from the agency's province to the recipient's.
    assert post_office.refused == []
    assert post_office.quotes[-1]["from"]["province"] == "thành phố Hà Nội"
    assert post_office.quotes[-1]["to"] == {
        "province": "thành phố Hà Nội",
        "commune": "phường Hoàn Kiếm",
    }


def test_a_place_outside_the_agency_tree_is_written_out(
    post_office: FakeVnpost, birth: Procedure, ward: Agency, citizen: User
) -> None:
    choice = DeliveryChoice(
        method="post",
        recipient_name="Lê Thị Hoa",
        phone="+84 38 123 4567",
        street="Thôn 3",
        commune="xã Đông Hưng",
        province="tỉnh Thái Bình",
    )
    dossier = submit(citizen, birth, ward, choice)
    delivery = services.delivery_of(dossier)
    assert delivery is not None
    assert (delivery.province_code, delivery.commune_code) == ("", "")
    assert delivery.postal_fee == OTHER_PROVINCE


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"phone": "12345"}, "delivery_phone"),
        ({"recipient_name": " "}, "delivery_recipient_name"),
        ({"street": ""}, "delivery_street"),
        ({"province": ""}, "delivery_province"),
        # A commune of the tree must lie in the province of the tree chosen.
        ({"commune": "phường Ba Đình", "province": "tỉnh Thái Bình"}, "delivery_province"),
        ({"method": "pigeon"}, "delivery_method"),
    ],
)
def test_a_bad_address_is_refused_field_by_field(
    post_office: FakeVnpost, ward: Agency, change: dict[str, str], field: str, catalog: Any
) -> None:
    choice = DeliveryChoice(**{**BY_POST.__dict__, **change})
    with pytest.raises(services.InvalidInput) as refused:
        delivery_services.prepare(ward, choice)
    assert field in refused.value.errors or (
        field == "delivery_province" and "delivery_commune" in refused.value.errors
    )
    assert post_office.quotes == []  # nothing is quoted for an address that is not valid


def test_a_commune_of_another_province_is_refused(
    post_office: FakeVnpost, ward: Agency, agencies: Any
) -> None:
    Agency.objects.create(
        code="000.00.00.H40",
        name="Ủy ban nhân dân tỉnh Nghệ An",
        level="province",
        kind="people_committee",
    )
    choice = DeliveryChoice(**{**BY_POST.__dict__, "province": "000.00.00.H40"})
    with pytest.raises(services.InvalidInput) as refused:
        delivery_services.prepare(ward, choice)
    assert set(refused.value.errors) == {"delivery_commune"}


def test_the_post_is_not_offered_without_a_provider(
    settings: Any, ward: Agency, agencies: Any
) -> None:
    settings.POSTAL_PROVIDER = ""
    with pytest.raises(services.InvalidInput) as refused:
        delivery_services.prepare(ward, BY_POST)
    assert "delivery_method" in refused.value.errors


def test_an_unreachable_provider_is_a_clear_refusal(
    post_office: FakeVnpost, ward: Agency, agencies: Any
) -> None:
    post_office.unavailable = 1
    with pytest.raises(services.PostalUnavailable):
        delivery_services.prepare(ward, BY_POST)


def test_the_choice_changes_until_the_result_is_ready_then_is_refused(
    post_office: FakeVnpost,
    birth: Procedure,
    ward: Agency,
    citizen: User,
    staff: dict[str, User],
) -> None:
    dossier = submit(citizen, birth, ward, None)
    services.receive(dossier.pk, staff["receiver"], BIRTH_CHECKLIST)
    services.change_delivery(dossier.pk, citizen, DeliveryChoice(method="counter"))
    event = DossierEvent.objects.filter(dossier=dossier, kind="delivery_chosen").get()
    assert event.data == {"method": "counter", "postal_fee": 0}  # never the address
    services.change_delivery(dossier.pk, citizen, BY_POST)
    assert services.postal_fee(dossier) == SAME_PROVINCE
    services.change_delivery(dossier.pk, citizen, DeliveryChoice(method="online"))
    assert services.postal_fee(dossier) == 0

    services.assign(dossier.pk, staff["receiver"], staff["processor"])
    services.propose(dossier.pk, staff["processor"])
    services.approve(dossier.pk, staff["approver"])
    with pytest.raises(services.WrongState) as refused:
        services.change_delivery(dossier.pk, citizen, BY_POST)
    assert "không thể thay đổi hình thức nhận kết quả" in refused.value.message
    assert services.delivery_of(dossier).method == "online"  # type: ignore[union-attr]


# --- the fee -----------------------------------------------------------------------------------


def test_the_postal_fee_is_added_once_and_never_reduced(
    post_office: FakeVnpost, business: Procedure, ward: Agency, citizen: User
) -> None:
    dossier = submit(citizen, business, ward)
    breakdown = payments.fees_of(dossier)
    postal = [line for line in breakdown.lines if line.kind == "postal"]
    assert len(postal) == 1 and postal[0].amount == postal[0].gross == SAME_PROVINCE
    assert postal[0].reduction is None  # the online reduction halves the fee, not the post
    assert breakdown.total == 50_000 + SAME_PROVINCE
    # The same address again: still one line, the same total.
    services.change_delivery(dossier.pk, citizen, BY_POST)
    assert payments.fees_of(dossier).total == 50_000 + SAME_PROVINCE

    pay(dossier, citizen)
    assert payments.outstanding(dossier) == 0
    payment = dossier.payments.get(status="paid")
    assert payment.amount == 50_000 + SAME_PROVINCE
    assert [line["code"] for line in payment.lines] == ["LP_DK_HKD", "CUOC_BUU_CHINH"]
    # Paid: another address at the same fee is fine, another fee or way is not.
    services.change_delivery(
        dossier.pk, citizen, DeliveryChoice(**{**BY_POST.__dict__, "street": "5 Lý Thái Tổ"})
    )
    assert payments.outstanding(dossier) == 0
    with pytest.raises(services.WrongState):
        services.change_delivery(dossier.pk, citizen, DeliveryChoice(method="counter"))
    with pytest.raises(services.WrongState):
        services.change_delivery(
            dossier.pk,
            citizen,
            DeliveryChoice(
                **{**BY_POST.__dict__, "province": "tỉnh Thái Bình", "commune": "xã Đông Hưng"}
            ),
        )


def test_a_free_procedure_by_post_asks_for_the_postal_fee(
    post_office: FakeVnpost, birth: Procedure, ward: Agency, citizen: User
) -> None:
    dossier = submit(citizen, birth, ward)
    dossier.refresh_from_db()
    assert dossier.payment_held_step == "return_result"
    assert payments.outstanding(dossier) == SAME_PROVINCE


# --- booking -----------------------------------------------------------------------------------


def test_the_consignment_is_booked_once_the_result_is_ready_paid_and_signed(
    posted: Callable[[], Dossier], post_office: FakeVnpost, citizen: User
) -> None:
    dossier = posted()
    delivery = Delivery.objects.get(dossier=dossier)
    assert delivery.consignment and delivery.postal_status == PostalStatus.BOOKED
    order = post_office.orders[delivery.order_code]
    assert order["consignment"] == delivery.consignment
    assert order["receiver"]["name"] == "Nguyễn Văn An"
    assert order["receiver"]["commune"] == "phường Hoàn Kiếm"
    assert order["callback_url"].endswith(CALLBACK)
    assert DossierEvent.objects.filter(dossier=dossier, kind="consignment_booked").count() == 1
    # Run again (a retried task): nothing more is booked.
    assert services.book_consignment(dossier.pk) == "already_booked"
    assert len(post_office.orders) == 1


def test_nothing_is_booked_while_the_postal_fee_is_owed(
    post_office: FakeVnpost,
    birth: Procedure,
    ward: Agency,
    citizen: User,
    staff: dict[str, User],
    django_capture_on_commit_callbacks: Any,
) -> None:
    dossier = submit(citizen, birth, ward)
    with django_capture_on_commit_callbacks(execute=True):
        to_result_ready(dossier, staff)
    assert post_office.orders == {}
    assert services.book_consignment(dossier.pk) == "held_back"
    with django_capture_on_commit_callbacks(execute=True):
        pay(dossier, citizen)  # the payment's event queues the booking
    assert Delivery.objects.get(dossier=dossier).consignment
    assert len(post_office.orders) == 1


def test_a_booking_whose_answer_was_lost_is_retried_without_booking_twice(
    post_office: FakeVnpost,
    birth: Procedure,
    ward: Agency,
    citizen: User,
    staff: dict[str, User],
    django_capture_on_commit_callbacks: Any,
) -> None:
    dossier = submit(citizen, birth, ward)
    pay(dossier, citizen)
    post_office.lose_answers = 100  # every answer lost while the dossier becomes ready
    with django_capture_on_commit_callbacks(execute=True):
        to_result_ready(dossier, staff)
    delivery = Delivery.objects.get(dossier=dossier)
    assert delivery.consignment == "" and delivery.booking_error
    assert len(post_office.orders) == 1  # booked at the provider, the answer lost
    tries = delivery.booking_attempts

    post_office.lose_answers = 0
    assert services.book_consignment(dossier.pk) == "booked"
    delivery.refresh_from_db()
    assert len(post_office.orders) == 1
    assert delivery.consignment == post_office.orders[delivery.order_code]["consignment"]
    assert delivery.booking_attempts == tries + 1 and delivery.booking_error == ""


# --- callbacks ---------------------------------------------------------------------------------


def test_statuses_arrive_and_delivered_returns_the_dossier(
    client: Client, posted: Callable[[], Dossier], post_office: FakeVnpost
) -> None:
    dossier = posted()
    consignment = Delivery.objects.get(dossier=dossier).consignment
    for status in ("ACCEPTED", "IN_TRANSIT"):
        response = callback(client, post_office.status_message(consignment, status))
        assert (response.status_code, response.json()["code"]) == (200, "00")
    dossier.refresh_from_db()
    assert dossier.status == Status.RESULT_READY
    assert Delivery.objects.get(dossier=dossier).postal_status == PostalStatus.IN_TRANSIT

    assert callback(client, post_office.status_message(consignment, "DELIVERED")).status_code == 200
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED and dossier.finished_at
    returned = DossierEvent.objects.get(dossier=dossier, kind="returned")
    assert returned.actor is None
    assert returned.data == {"on_time": True, "delivery": "post", "consignment": consignment}
    assert dossier.national_status == 10
    statuses = list(
        DossierEvent.objects.filter(dossier=dossier, kind="postal_status").values_list(
            "data__status", flat=True
        )
    )
    assert statuses == ["accepted", "in_transit", "delivered"]


@pytest.mark.parametrize(
    ("tamper", "reason", "http"),
    [
        ("signature", "invalid_signature", 401),
        ("body", "invalid_signature", 401),
        ("client", "invalid_signature", 401),
        ("stale", "stale", 401),
        ("unknown", "unknown_consignment", 404),
    ],
)
def test_a_bad_callback_is_refused_and_logged(
    client: Client,
    posted: Callable[[], Dossier],
    post_office: FakeVnpost,
    tamper: str,
    reason: str,
    http: int,
) -> None:
    dossier = posted()
    consignment = Delivery.objects.get(dossier=dossier).consignment
    if tamper == "unknown":
        consignment = "EB999999995VN"
    timestamp = int(timezone.now().timestamp()) - 3600 if tamper == "stale" else None
    body, headers = post_office.status_message(consignment, "DELIVERED", timestamp=timestamp)
    if tamper == "signature":
        headers["X-VNPost-Signature"] = "0" * 64
    elif tamper == "body":
        body = body.replace(b"DELIVERED", b"RETURNED")
    elif tamper == "client":
        headers["X-VNPost-Client"] = "SOMEONE"
    response = callback(client, (body, headers))
    assert response.status_code == http
    dossier.refresh_from_db()
    assert dossier.status == Status.RESULT_READY
    assert Delivery.objects.get(dossier=dossier).postal_status == PostalStatus.BOOKED
    entry = AuditEntry.objects.filter(action="postal_callback_rejected").latest("id")
    assert entry.data == {"provider": "vnpost", "reason": reason}


def test_a_replayed_callback_is_refused(
    client: Client, posted: Callable[[], Dossier], post_office: FakeVnpost
) -> None:
    dossier = posted()
    consignment = Delivery.objects.get(dossier=dossier).consignment
    message = post_office.status_message(consignment, "IN_TRANSIT", event_id="ev-1")
    assert callback(client, message).status_code == 200
    response = callback(client, message)
    assert (response.status_code, response.json()["code"]) == (409, "02")
    assert PostalCallback.objects.filter(event_id="ev-1").count() == 1
    assert DossierEvent.objects.filter(dossier=dossier, kind="postal_status").count() == 1
    entry = AuditEntry.objects.filter(action="postal_callback_rejected").latest("id")
    assert entry.data["reason"] == "replayed"


def test_callbacks_out_of_order_never_move_the_status_back(
    client: Client, posted: Callable[[], Dossier], post_office: FakeVnpost
) -> None:
    dossier = posted()
    consignment = Delivery.objects.get(dossier=dossier).consignment
    now = timezone.now()
    assert (
        callback(
            client, post_office.status_message(consignment, "IN_TRANSIT", occurred_at=now)
        ).status_code
        == 200
    )
    # The acceptance, earlier, arrives after: kept, not shown as current.
    earlier = post_office.status_message(
        consignment, "ACCEPTED", occurred_at=now - timedelta(hours=2)
    )
    assert callback(client, earlier).status_code == 200
    assert Delivery.objects.get(dossier=dossier).postal_status == PostalStatus.IN_TRANSIT
    assert PostalCallback.objects.get(status="accepted").applied is False
    # Delivered is final: a late "in transit" changes nothing.
    later = now + timedelta(hours=3)
    assert (
        callback(
            client, post_office.status_message(consignment, "DELIVERED", occurred_at=later)
        ).status_code
        == 200
    )
    assert (
        callback(
            client,
            post_office.status_message(
                consignment, "IN_TRANSIT", occurred_at=later + timedelta(hours=1)
            ),
        ).status_code
        == 200
    )
    assert Delivery.objects.get(dossier=dossier).postal_status == PostalStatus.DELIVERED
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED
    assert DossierEvent.objects.filter(dossier=dossier, kind="returned").count() == 1


def test_the_official_returns_the_result_only_when_the_post_brought_it_back(
    client: Client, posted: Callable[[], Dossier], post_office: FakeVnpost, staff: dict[str, User]
) -> None:
    dossier = posted()
    with pytest.raises(services.WrongState) as refused:
        services.return_result(dossier.pk, staff["receiver"])
    assert "bưu chính" in refused.value.message
    consignment = Delivery.objects.get(dossier=dossier).consignment
    callback(client, post_office.status_message(consignment, "DELIVERY_FAILED"))
    callback(client, post_office.status_message(consignment, "RETURNED"))
    services.return_result(dossier.pk, staff["receiver"])  # handed over at the counter
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED


# --- API and permissions ---------------------------------------------------------------------------


def test_the_api_submits_with_the_post_and_changes_it(
    client: Client, post_office: FakeVnpost, citizen: User, catalog: Any
) -> None:
    from tests.dossiers.test_api import submission

    body = submission()
    body["delivery"] = json.dumps({**BY_POST.__dict__})
    response = client.post("/api/v1/dossiers", body, headers=bearer(citizen))
    assert response.status_code == 201, response.content
    dossier_id = response.json()["id"]
    got = client.get(f"/api/v1/dossiers/{dossier_id}/delivery", headers=bearer(citizen)).json()
    assert (got["method"], got["postal_fee"], got["changeable"]) == ("post", SAME_PROVINCE, True)
    assert got["commune_code"] == "000.00.32.H26"

    changed = client.put(
        f"/api/v1/dossiers/{dossier_id}/delivery",
        {
            "method": "post",
            **{k: v for k, v in BY_POST.__dict__.items() if k != "method"},
            "phone": "1",
        },
        content_type="application/json",
        headers=bearer(citizen),
    )
    assert changed.status_code == 422 and "delivery_phone" in changed.json()["errors"]
    changed = client.put(
        f"/api/v1/dossiers/{dossier_id}/delivery",
        {"method": "counter"},
        content_type="application/json",
        headers=bearer(citizen),
    )
    assert changed.status_code == 200 and changed.json()["method"] == "counter"


def test_no_one_else_sees_or_changes_a_delivery(
    client: Client,
    posted: Callable[[], Dossier],
    other_citizen: User,
    other_ward: Agency,
    make_official: Callable[..., User],
    staff: dict[str, User],
) -> None:
    dossier = posted()
    stranger = make_official(other_ward, "receiver", username="other-receiver")
    url = f"/api/v1/dossiers/{dossier.pk}/delivery"
    for user in (other_citizen, stranger):
        assert client.get(url, headers=bearer(user)).status_code == 404
        put = client.put(
            url, {"method": "online"}, content_type="application/json", headers=bearer(user)
        )
        assert put.status_code == 404
        book = client.post(
            f"/api/v1/backoffice/dossiers/{dossier.pk}/delivery/book", headers=bearer(user)
        )
        assert book.status_code == 404
    # The agency's official sees it, but only the applicant chooses.
    assert client.get(url, headers=bearer(staff["receiver"])).json()["method"] == "post"
    put = client.put(
        url,
        {"method": "online"},
        content_type="application/json",
        headers=bearer(staff["receiver"]),
    )
    assert put.status_code == 403
    # The pages too.
    client.force_login(other_citizen)
    assert client.get(f"/dossiers/{dossier.pk}/delivery/").status_code == 404


def test_only_a_receiver_of_the_agency_books_again(
    client: Client,
    post_office: FakeVnpost,
    birth: Procedure,
    ward: Agency,
    citizen: User,
    staff: dict[str, User],
    django_capture_on_commit_callbacks: Any,
) -> None:
    dossier = submit(citizen, birth, ward)
    pay(dossier, citizen)
    post_office.unavailable = 100
    with django_capture_on_commit_callbacks(execute=True):
        to_result_ready(dossier, staff)
    assert Delivery.objects.get(dossier=dossier).consignment == ""
    post_office.unavailable = 0
    url = f"/api/v1/backoffice/dossiers/{dossier.pk}/delivery/book"
    assert client.post(url, headers=bearer(staff["processor"])).status_code == 403
    response = client.post(url, headers=bearer(staff["receiver"]))
    assert response.status_code == 200 and response.json()["consignment"]
    assert client.post(url, headers=bearer(staff["receiver"])).status_code == 409


def test_tracking_shows_the_postal_status_with_the_check(
    client: Client, posted: Callable[[], Dossier], citizen: User, start_of_an_hour: Any
) -> None:
    dossier = posted()
    bare = client.get(f"/api/v1/tracking/{dossier.code}").json()
    assert (bare["delivery_method"], bare["postal_status"]) == (None, None)
    checked = client.get(
        f"/api/v1/tracking/{dossier.code}", {"check": citizen.personal_id[-4:]}
    ).json()
    assert (checked["delivery_method"], checked["postal_status"]) == ("post", "booked")
    page = client.get("/track/", {"code": dossier.code, "check": citizen.personal_id[-4:]})
    assert "Result sent by post" in page.content.decode() or "bưu chính" in page.content.decode()


# --- pages ----------------------------------------------------------------------------------------


def test_the_draft_page_saves_the_post_and_shows_errors(
    client: Client, post_office: FakeVnpost, birth: Procedure, ward: Agency, citizen: User
) -> None:
    draft = services.start_draft(citizen, birth, ward)
    log_in(client, citizen)
    page = client.get(f"/dossiers/{draft.pk}/edit/")
    assert 'name="delivery_method"' in page.content.decode()
    fields = {f"delivery_{k}": v for k, v in BY_POST.__dict__.items()}
    response = client.post(
        f"/dossiers/{draft.pk}/edit/", {**fields, "delivery_phone": "12", "action": "save"}
    )
    assert response.status_code == 422
    assert 'id="delivery-phone-error"' in response.content.decode()
    response = client.post(f"/dossiers/{draft.pk}/edit/", {**fields, "action": "save"})
    assert response.status_code == 302
    assert Delivery.objects.get(dossier=draft).postal_fee == SAME_PROVINCE


def test_the_change_page_is_refused_once_the_result_is_ready(
    client: Client, posted: Callable[[], Dossier], citizen: User
) -> None:
    dossier = posted()
    log_in(client, citizen)
    detail = client.get(f"/dossiers/{dossier.pk}/").content.decode()
    assert Delivery.objects.get(dossier=dossier).consignment in detail
    response = client.post(f"/dossiers/{dossier.pk}/delivery/", {"delivery_method": "online"})
    assert response.status_code == 409
    assert Delivery.objects.get(dossier=dossier).method == "post"


# --- the sandbox post office (make run) -----------------------------------------------------------


def test_the_sandbox_post_office_books_and_delivers_through_the_same_checks(
    client: Client,
    settings: Any,
    birth: Procedure,
    ward: Agency,
    citizen: User,
    staff: dict[str, User],
    other_ward: Agency,
    make_official: Callable[..., User],
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.POSTAL_PROVIDER, settings.PAYMENT_PROVIDER = "sandbox", "sandbox"
    dossier = submit(citizen, birth, ward)
    assert services.postal_fee(dossier) == 18_000  # within the agency's province
    pay(dossier, citizen)
    with django_capture_on_commit_callbacks(execute=True):
        to_result_ready(dossier, staff)
    delivery = Delivery.objects.get(dossier=dossier)
    assert re.fullmatch(r"EG\d{9}VN", delivery.consignment)

    # An official of another agency does not see it.
    log_in(client, make_official(other_ward, "receiver", username="elsewhere"))
    assert delivery.consignment not in client.get("/postal/sandbox/").content.decode()
    assert (
        client.post(
            "/postal/sandbox/", {"delivery": delivery.pk, "status": "delivered"}
        ).status_code
        == 404
    )

    log_in(client, staff["receiver"])
    assert delivery.consignment in client.get("/postal/sandbox/").content.decode()
    client.post("/postal/sandbox/", {"delivery": delivery.pk, "status": "delivered"})
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED


def test_a_malformed_callback_is_refused(
    client: Client, post_office: FakeVnpost, agencies: Any
) -> None:
    body, headers = post_office.signed({"event_id": "x", "status": "LOST_AT_SEA"})
    response = callback(client, (body, headers))
    assert response.status_code == 400
    assert (
        AuditEntry.objects.filter(action="postal_callback_rejected").latest("id").data["reason"]
        == "malformed"
    )


def test_the_persons_data_download_holds_the_address_given(
    post_office: FakeVnpost, birth: Procedure, ward: Agency, citizen: User
) -> None:
    from egov.dossiers.personal_data import personal_data

    submit(citizen, birth, ward)
    submit(citizen, birth, ward, None)
    exported = {entry["code"]: entry["delivery"] for entry in personal_data(citizen)["dossiers"]}
    posted = [value for value in exported.values() if value]
    assert len(exported) == 2 and len(posted) == 1
    assert posted[0]["address"] == "12 phố Hàng Bông, phường Hoàn Kiếm, thành phố Hà Nội"
    assert posted[0]["phone"] == "0912345678" and posted[0]["method"] == "post"


def test_the_post_chosen_after_intake_holds_back_the_return_until_its_fee_is_paid(
    post_office: FakeVnpost,
    catalog: dict[str, Procedure],
    ward: Agency,
    citizen: User,
    staff: dict[str, User],
) -> None:
    """Fees due at submission are paid before intake; the post chosen afterwards adds a fee
    that then holds back the return of the result (national status 6 when it is ready)."""
    from tests.payments.conftest import COPIES, COPIES_FORM, copies_files

    dossier, _ = services.submit_online(citizen, catalog[COPIES], ward, COPIES_FORM, copies_files())
    dossier.refresh_from_db()
    assert dossier.payment_held_step == "receive"
    pay(dossier, citizen)
    services.receive(dossier.pk, staff["receiver"], {"BAN_CHINH": (True, "")})
    services.change_delivery(dossier.pk, citizen, BY_POST)
    dossier.refresh_from_db()
    assert dossier.payment_held_step == "return_result"
    assert payments.outstanding(dossier) == SAME_PROVINCE
    assert payments.due_step(dossier) == "return_result"
    # Back to online: nothing is owed any more.
    services.change_delivery(dossier.pk, citizen, DeliveryChoice(method="online"))
    dossier.refresh_from_db()
    assert dossier.payment_held_step == ""


def test_the_official_books_again_from_the_dossier_page(
    client: Client,
    post_office: FakeVnpost,
    birth: Procedure,
    ward: Agency,
    citizen: User,
    staff: dict[str, User],
    django_capture_on_commit_callbacks: Any,
) -> None:
    dossier = submit(citizen, birth, ward)
    pay(dossier, citizen)
    post_office.unavailable = 100
    with django_capture_on_commit_callbacks(execute=True):
        to_result_ready(dossier, staff)
    post_office.unavailable = 0
    log_in(client, staff["receiver"])
    page = client.get(f"/dossiers/{dossier.pk}/").content.decode()
    assert f"/dossiers/{dossier.pk}/delivery/book/" in page  # offered: the booking failed
    client.post(f"/dossiers/{dossier.pk}/delivery/book/")
    assert Delivery.objects.get(dossier=dossier).consignment
