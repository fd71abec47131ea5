"""Between nodes: the envelope endpoint's credentials and validation, routing through the
address book, and the outbox's retries, dead letters and retry by hand."""

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from egov.core.errors import NotFound
from egov.core.models import Agency
from egov.exchange import edxml, outbox, routing, selectors, services
from egov.exchange.models import Delivery, DeliveryStatus, Document, Node
from egov.identity.models import User
from egov.records import pki
from tests.exchange.conftest import CITY, JUSTICE, NODE_SECRET, PROVINCE, WARD, NodeServer

URL = "/api/v1/exchange/envelopes"


def message_from(sender: str, to: list[str], **overrides: Any) -> Any:
    fields: dict[str, Any] = {
        "sender": edxml.Organ(organ_id=sender, name="UBND TP. Hồ Chí Minh"),
        "recipients": [edxml.Organ(organ_id=code) for code in to],
        "document_id": edxml.document_id(sender, timezone.localdate(), "15", "CV-UBND"),
        "code_number": "15",
        "code_notation": "UBND-VP",
        "place": "TP. Hồ Chí Minh",
        "promulgation_date": timezone.localdate(),
        "type": 1,
        "type_detail": 18,
        "type_name": "Công văn",
        "subject": "Về việc phối hợp cung cấp thông tin",
        "traces": [edxml.Trace(sender, services._vn_now())],
        "attachments": [edxml.Attachment("1", "cong-van.pdf", "application/pdf", b"%PDF-1.7 test")],
    }
    fields.update(overrides)
    return edxml.DocumentMessage(**fields)


def signed_as(agency: Agency, message: Any) -> bytes:
    row = pki.agency_certificate(agency)
    return edxml.build(
        message, pki.decrypt_key(row.key_pem), pki.load_certificate(row), pki.load_chain(row)
    )


def post(
    client: Client, body: bytes, node: str = "hcm", secret: str = NODE_SECRET, **extra: Any
) -> Any:
    timestamp = str(extra.pop("timestamp", int(time.time())))
    mac = routing._mac(secret.encode(), timestamp, body)
    return client.post(
        URL,
        data=body,
        content_type="application/xml",
        headers={
            "X-Egov-Node": node,
            "X-Egov-Timestamp": timestamp,
            "X-Egov-Signature": f"sha256={mac}",
        },
    )


@pytest.fixture
def province(remote: Node) -> Agency:
    return Agency.objects.get(code=PROVINCE)


def test_a_node_delivers_once_and_gets_status_01_back(
    client: Client, province: Agency, node_server: NodeServer
) -> None:
    body = signed_as(province, message_from(PROVINCE, [JUSTICE]))
    first = post(client, body)
    assert first.status_code == 201, first.content
    assert first.json()["duplicate"] is False
    again = post(client, body)
    assert (again.status_code, again.json()["duplicate"]) == (200, True)
    received = Document.objects.get(incoming=True)
    assert (received.agency.code, received.sender_code, received.signature) == (
        JUSTICE,
        PROVINCE,
        "valid",
    )
    # The arrival status went to the sender's node, signed by the receiving agency.
    assert len(node_server.received) == 1
    headers, status_body = node_server.received[0]
    assert headers["X-Egov-Node"] == "egov"
    status = edxml.parse(status_body)
    assert isinstance(status, edxml.StatusMessage)
    assert (status.status_code, status.sender.organ_id) == ("01", JUSTICE)
    assert routing._mac(NODE_SECRET.encode(), headers["X-Egov-Timestamp"], status_body) == headers[
        "X-Egov-Signature"
    ].removeprefix("sha256=")  # authenticated with the link's secret


@pytest.mark.parametrize(
    "tamper",
    [
        {"node": "nobody"},
        {"secret": "wrong"},
        {"timestamp": int(time.time()) - 3600},
    ],
)
def test_a_request_without_the_nodes_credentials_is_refused(
    client: Client, province: Agency, tamper: dict[str, Any]
) -> None:
    body = signed_as(province, message_from(PROVINCE, [JUSTICE]))
    answer = post(client, body, **tamper)
    assert answer.status_code == 401
    assert answer.json()["code"] == "unauthenticated"
    assert not Document.objects.exists()


def test_a_node_sends_only_as_the_agencies_it_serves(
    client: Client, province: Agency, city: Agency
) -> None:
    body = signed_as(city, message_from(CITY, [JUSTICE]))
    answer = post(client, body)
    assert answer.status_code == 422
    assert list(answer.json()["errors"]) == ["MessageHeader/From/OrganId"]
    assert not Document.objects.exists()


def test_a_tampered_or_wrongly_signed_envelope_is_refused(
    client: Client, province: Agency, justice: Agency
) -> None:
    body = signed_as(province, message_from(PROVINCE, [JUSTICE]))
    tampered = body.replace("phối hợp".encode(), "PHỐI HỢP".encode())
    answer = post(client, tampered)
    assert answer.status_code == 422
    assert answer.json()["errors"]["Signature"] in ("digest_mismatch", "bad_signature")
    by_other = signed_as(justice, message_from(PROVINCE, [JUSTICE]))
    answer = post(client, by_other)
    assert answer.status_code == 422
    assert answer.json()["errors"]["Signature"] == "wrong_signer"
    unsigned = edxml.build(message_from(PROVINCE, [JUSTICE]))
    answer = post(client, unsigned)
    assert (answer.status_code, answer.json()["errors"]["Signature"]) == (422, "absent")
    assert not Document.objects.exists()


def test_an_invalid_envelope_is_refused_with_each_reason(client: Client, remote: Node) -> None:
    answer = post(client, b"<not-xml")
    assert answer.status_code == 422
    assert answer.json()["code"] == "envelope_refused"
    assert answer.json()["errors"]


def test_an_envelope_for_nobody_here_is_refused(client: Client, province: Agency) -> None:
    body = signed_as(province, message_from(PROVINCE, ["000.00.00.G22"]))
    answer = post(client, body)
    assert answer.status_code == 422
    assert "MessageHeader/To/OrganId" in answer.json()["errors"]


def test_an_envelope_over_the_limit_is_refused(
    client: Client, province: Agency, settings: Any
) -> None:
    settings.EXCHANGE_MAX_ENVELOPE_BYTES = 1000
    body = signed_as(province, message_from(PROVINCE, [JUSTICE]))
    assert post(client, body).status_code == 413


# --- routing and the outbox ----------------------------------------------------------------------


def test_recipients_on_another_node_get_one_delivery_per_node(
    sent: Callable[..., Document], remote: Node, node_server: NodeServer
) -> None:
    document = sent(recipients=[JUSTICE, PROVINCE])
    deliveries = {d.node_id: d.status for d in Delivery.objects.filter(envelope=document.envelope)}
    assert deliveries == {None: DeliveryStatus.DELIVERED, remote.pk: DeliveryStatus.DELIVERED}
    headers, body = node_server.received[0]
    assert routing._mac(NODE_SECRET.encode(), headers["X-Egov-Timestamp"], body) == headers[
        "X-Egov-Signature"
    ].removeprefix("sha256=")
    message = edxml.parse(body)
    assert [o.organ_id for o in message.recipients] == [JUSTICE, PROVINCE]
    assert edxml.verify(body, pki.trust_root_certificates()).organ_id == CITY


def test_an_unreachable_node_is_retried_with_backoff_then_declared_dead(
    sent: Callable[..., Document],
    remote: Node,
    node_server: NodeServer,
    settings: Any,
    clerks: dict[str, User],
) -> None:
    node_server.status, node_server.body = 503, b"{}"
    document = sent(recipients=[PROVINCE])
    delivery = Delivery.objects.get(envelope=document.envelope)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.last_error == "ConnectionError: HTTP 503"
    first_wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=3) < first_wait <= timedelta(seconds=settings.EXCHANGE_BACKOFF_SECONDS)
    assert outbox.deliver(delivery.pk) == DeliveryStatus.PENDING  # not due yet: not tried
    assert Delivery.objects.get(pk=delivery.pk).attempts == 1
    with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1)):
        outbox.deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at - delivery.created_at > first_wait * 2  # doubled
    later = delivery.created_at + timedelta(seconds=settings.EXCHANGE_DEAD_AFTER_SECONDS + 1)
    with time_machine.travel(later):
        assert outbox.deliver(delivery.pk) == DeliveryStatus.DEAD
    assert len(node_server.received) == 3
    # The clerk sees it with the reason, and sends it again once the node is back.
    assert [d.pk for d in selectors.undelivered(clerks[CITY])] == [delivery.pk]
    node_server.status, node_server.body = 201, b"{}"
    outbox.retry(clerks[CITY], delivery)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED


def test_a_refusal_by_the_receiving_node_is_final_and_says_why(
    sent: Callable[..., Document], remote: Node, node_server: NodeServer
) -> None:
    node_server.status = 422
    node_server.body = (
        b'{"code": "envelope_refused", "message": "Refused.", "errors": {"Signature": "absent"}}'
    )
    document = sent(recipients=[PROVINCE])
    delivery = Delivery.objects.get(envelope=document.envelope)
    assert delivery.status == DeliveryStatus.DEAD
    assert delivery.last_error == "Refused. (Signature: absent)"


def test_only_the_senders_clerk_retries(
    sent: Callable[..., Document], remote: Node, node_server: NodeServer, clerks: dict[str, User]
) -> None:
    node_server.status, node_server.body = 422, b"{}"
    document = sent(recipients=[PROVINCE])
    delivery = Delivery.objects.get(envelope=document.envelope)
    with pytest.raises(NotFound):
        outbox.retry(clerks[WARD], delivery)


def test_an_agency_nobody_serves_goes_to_the_hub(
    agencies: dict[str, Agency], monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(routing.NoRoute):
        routing.node_for("000.00.00.G22")
    hub = Node.objects.create(
        code="axis", name="Trục quốc gia", url="http://axis.invalid/", secret_env="X", is_hub=True
    )
    assert routing.node_for("000.00.00.G22") == hub
    assert routing.node_for(JUSTICE) is None
    assert routing.may_send_as(hub, "000.00.00.G22")


def test_an_agency_deactivated_after_the_address_book_was_read_still_files(
    agencies: dict[str, Agency],
) -> None:
    assert routing.local_agency(JUSTICE) == agencies[JUSTICE]  # kept in the address book
    Agency.objects.filter(code=JUSTICE).update(is_active=False)
    routing.invalidate()
    assert JUSTICE not in routing.address_book().local
    assert routing.local_agency(JUSTICE) == agencies[JUSTICE]  # read from the database
    with pytest.raises(Agency.DoesNotExist):
        routing.local_agency("000.00.99.Z99")


def test_the_address_book_loads_from_yaml(tmp_path: Any, agencies: dict[str, Agency]) -> None:
    path = tmp_path / "exchange.yaml"
    path.write_text(
        "nodes:\n"
        "  - code: axis\n    name: Trục liên thông quốc gia\n    url: http://axis.example/api/v1/exchange/envelopes\n"
        "    secret_env: EXCHANGE_SECRET_AXIS\n    hub: true\n"
        "    agencies:\n      - {code: 000.00.00.G22, name: Văn phòng Chính phủ}\n",
        encoding="utf-8",
    )
    assert routing.load_address_book(path) == {"nodes": 1, "routes": 1}
    assert routing.load_address_book(path) == {"nodes": 1, "routes": 1}  # idempotent
    assert routing.node_for("000.00.00.G22").code == "axis"
    assert ("000.00.00.G22", "Văn phòng Chính phủ") in routing.known_agencies()


def test_a_document_can_be_addressed_to_an_agency_of_another_node(
    compose: Callable[..., Document], remote: Node
) -> None:
    document = compose(recipients=[PROVINCE, WARD])
    assert {r.agency_code: r.agency_name for r in document.recipients.all()} == {
        PROVINCE: "Ủy ban nhân dân Thành phố Hồ Chí Minh",
        WARD: Agency.objects.get(code=WARD).name,
    }
