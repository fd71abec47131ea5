"""A paper taken from an official document received on the exchange axis: its signed main file,
by a secretary who may see it there (the agency's clerk), put on a meeting's agenda."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from egov.cabinet import meetings
from egov.cabinet.constants import SeatRole
from egov.cabinet.models import Body, Seat
from egov.core.errors import NotAllowed, NotFound
from egov.exchange.models import Document
from egov.identity.models import User
from tests.conftest import log_in
from tests.exchange import conftest as exchange
from tests.exchange.conftest import CITY, JUSTICE

# The exchange tests' fixtures: its clerks, a document sent and delivered at once.
clerks, compose, sent = exchange.clerks, exchange.compose, exchange.sent
_deliver_when_committed, _fresh_caches = exchange._deliver_when_committed, exchange._fresh_caches


@pytest.fixture
def received(sent: Callable[..., Document], clerks: dict[str, User]) -> Document:
    sent(JUSTICE, recipients=[CITY], issuer_abbreviation="STP")
    return Document.objects.get(incoming=True, agency__code=CITY)


def test_the_secretariat_puts_a_received_document_on_the_agenda(
    body: Body,
    people: dict[str, User],
    clerks: dict[str, User],
    received: Document,
    client: Client,
) -> None:
    clerk = clerks[CITY]
    Seat.objects.create(body=body, user=clerk, role=SeatRole.SECRETARY)
    meeting = meetings.create_meeting(
        clerk,
        body,
        title="Phiên họp",
        starts_at=timezone.now() + timedelta(days=1),
        items=[meetings.Item("Triển khai văn bản của Sở Tư pháp")],
    )
    item = meeting.items.get()
    log_in(client, clerk)
    page = client.get(f"/ecabinet/hop/{meeting.pk}/").content.decode()
    assert received.subject in page
    client.post(
        f"/ecabinet/hop/{meeting.pk}/",
        {
            "action": "exchange_paper",
            "item": item.pk,
            "document": received.pk,
            "confidentiality": "restricted",
        },
    )
    paper = item.papers.get()
    main = received.attachments.get(is_main=True)
    assert (paper.file_id, paper.exchange_document_id) == (main.file_id, received.pk)
    assert paper.title == received.subject and paper.confidentiality == "restricted"
    # A secretary who cannot see it on the axis cannot take it.
    with pytest.raises(NotFound):
        meetings.paper_from_exchange(people["secretary"], body, received.pk, "normal")
    with pytest.raises(NotAllowed):
        meetings.paper_from_exchange(people["chair"], body, received.pk, "normal")
