"""A member performed on another deployment: the contract of both sides in one process (what
the portal hands over, what the performing deployment files and publishes, what the portal
applies). ``test_two_deployments.py`` carries the same through the gateway between processes."""

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from django.conf import settings

from egov.core.errors import NotAllowed, WrongState
from egov.core.models import Agency
from egov.dossiers import services as dossier_services
from egov.dossiers.constants import ComponentSource, Status
from egov.dossiers.models import Dossier, DossierEvent
from egov.identity.models import User
from egov.interconnected import remote, services
from egov.interconnected.constants import ApplicationStatus, PartState
from egov.interconnected.models import Application, Intake, Part, Subscription
from egov.interconnected.services import load_activations
from egov.repository.models import RepositoryDocument

from .conftest import BIRTH, BIRTH_GROUP, HEALTH_CARD, NEWBORN, WARD, WARD_INSURANCE, newborn_files

pytestmark = pytest.mark.usefixtures("in_process_registry")
SERVICE = "000.00.07.H26/BHXH/lienthong"
TOPIC = "000.00.07.H26/BHXH/lienthong-status"
PORTAL = "000.00.00.H26/DVC"


@pytest.fixture
def remote_insurance(groups: dict[str, Any]) -> None:
    """The city's activation with the health-insurance card performed on BHXH's deployment."""
    entries = yaml.safe_load(settings.INTERCONNECTED_FILE.read_text("utf-8"))
    entries[0]["remote"] = {HEALTH_CARD: SERVICE}
    load_activations(entries)
    Subscription.objects.create(topic=TOPIC, signing_secret="webhook-key")


@pytest.fixture
def card_part(
    remote_insurance: None,
    groups: dict[str, Any],
    mother: User,
    process: Callable[..., Dossier],
    commit: Any,
) -> Part:
    """An application whose birth has its result: the card is due to go to BHXH."""
    with commit():
        application = services.submit_application(
            mother, groups[BIRTH_GROUP], Agency.objects.get(code=WARD), [], NEWBORN, newborn_files()
        )
    process(Part.objects.get(application=application, procedure_code=BIRTH).dossier_id)
    return Part.objects.get(application=application, procedure_code=HEALTH_CARD)


def deliver(event: DossierEvent, key: str = "webhook-key", event_id: str = "") -> bool:
    """What the gateway delivers to the portal's webhook for one event of the intake."""
    intake = Intake.objects.get(dossier_id=event.dossier_id)
    body = json.dumps({"id": "x", "data": remote.event_data(intake, event)}).encode()
    signature = "sha256=" + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()
    return remote.receive(TOPIC, event_id or str(uuid.uuid4()), signature, body)


def test_the_remote_member_is_handed_over_with_the_number_and_certificate(
    card_part: Part, mother: User
) -> None:
    assert card_part.state == PartState.WAITING and card_part.dossier_id is None
    assert card_part.remote_service == SERVICE
    payload = remote.payload_of(card_part)
    assert payload["key"] == str(card_part.key) and payload["agency"] == WARD_INSURANCE
    assert payload["form"]["child_personal_id"] == card_part.application.issued["child_personal_id"]
    assert [c["code"] for c in payload["components"]] == ["GIAY_KHAI_SINH"]
    assert payload["applicant"]["personal_id"] == mother.personal_id
    # The performing deployment files it once, for the same citizen, channel online.
    dossier, created = remote.take(payload, PORTAL)
    again, created_again = remote.take(payload, PORTAL)
    assert (created, created_again, again.pk) == (True, False, dossier.pk)
    assert (dossier.agency.code, dossier.channel, dossier.status) == (
        WARD_INSURANCE,
        "online",
        Status.SUBMITTED,
    )
    assert dossier.applicant == mother  # found by the personal ID number
    assert dossier.components.get(code="GIAY_KHAI_SINH").source == ComponentSource.UPLOAD
    assert dossier.events.get(kind="submitted").data["forwarded_by"] == PORTAL


def test_its_events_come_back_in_order_and_once(
    card_part: Part,
    officials: Callable[[str], dict[str, User]],
    process: Callable[..., Dossier],
    mother: User,
    commit: Any,
) -> None:
    dossier, _new = remote.take(remote.payload_of(card_part), PORTAL)
    submitted = dossier.events.get(kind="submitted")
    assert deliver(submitted, event_id="11111111-1111-1111-1111-111111111111")
    assert not deliver(submitted, event_id="11111111-1111-1111-1111-111111111111")
    card_part.refresh_from_db()
    assert (card_part.state, card_part.receipt_code) == (PartState.FILED, dossier.code)
    staff = officials(WARD_INSURANCE)
    with commit():
        dossier_services.receive(
            dossier.pk,
            staff["receiver"],
            {"TO_KHAI_TK1_TS": (True, ""), "GIAY_KHAI_SINH": (True, "")},
        )
        dossier_services.request_supplement(
            dossier.pk, staff["receiver"], "Ảnh giấy khai sinh mờ", ["GIAY_KHAI_SINH"]
        )
    supplement = dossier.events.get(kind="supplement_requested")
    received = dossier.events.get(kind="received")
    deliver(supplement)
    deliver(received)  # late: older than what the part shows
    card_part.refresh_from_db()
    assert (card_part.state, card_part.note) == (PartState.SUPPLEMENT, "Ảnh giấy khai sinh mờ")


def test_the_remote_result_lands_in_the_applicants_repository(
    card_part: Part,
    process: Callable[..., Dossier],
    mother: User,
    commit: Any,
) -> None:
    dossier, _new = remote.take(remote.payload_of(card_part), PORTAL)
    process(dossier.pk)
    with commit():
        deliver(dossier.events.get(kind="result_signed"))
    card_part.refresh_from_db()
    assert card_part.state == PartState.RESULT
    card = RepositoryDocument.objects.get(pk=card_part.result_document_id)
    assert (card.owner_person, card.document_type, card.issuer.code) == (
        mother,
        "THE_BHYT",
        WARD_INSURANCE,
    )
    signed_here = Dossier.objects.get(pk=dossier.pk).result_file
    assert card.sha256 == signed_here.sha256


def test_an_unsigned_or_foreign_event_is_refused(card_part: Part) -> None:
    dossier, _new = remote.take(remote.payload_of(card_part), PORTAL)
    with pytest.raises(NotAllowed):
        deliver(dossier.events.get(kind="submitted"), key="not-the-key")
    card_part.refresh_from_db()
    assert card_part.state == PartState.WAITING


def test_a_refused_intake_stops_the_member(card_part: Part, commit: Any) -> None:
    dossier, _new = remote.take(remote.payload_of(card_part), PORTAL)
    with commit():
        dossier_services.refuse_intake(dossier.pk, _receiver(), "Sai nơi đăng ký")
        deliver(dossier.events.get(kind="refused"))
    card_part.refresh_from_db()
    assert (card_part.state, card_part.note) == (PartState.STOPPED, "Sai nơi đăng ký")
    application = Application.objects.get(pk=card_part.application_id)
    assert application.status == ApplicationStatus.PROCESSING  # the residence goes on


def _receiver() -> User:
    from egov.identity.officials.services import create_official

    return create_official(
        username="bhxh.receiver",
        full_name="Cán bộ BHXH",
        password="Test@12345",
        agency=Agency.objects.get(code=WARD_INSURANCE),
        roles=["receiver"],
    )


def test_withdrawing_the_application_withdraws_the_remote_dossier(
    card_part: Part, mother: User, commit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from types import SimpleNamespace

    from django.utils import timezone

    from egov.core.gateway_client import GatewayClient

    dossier, _new = remote.take(remote.payload_of(card_part), PORTAL)
    deliver(dossier.events.get(kind="submitted"))
    Part.objects.filter(pk=card_part.pk).update(sent_at=timezone.now())  # as ``send`` records
    hops: list[tuple[str, str, str]] = []

    def through_the_gateway(
        client: GatewayClient, method: str, service: str, path: str = "", **options: Any
    ) -> Any:
        """The gateway's hop to the performing deployment's intake, in this process."""
        hops.append((method, service, path))
        remote.withdraw_intake(options["json"]["key"], options["json"]["reason"])
        return SimpleNamespace(status_code=200)

    monkeypatch.setattr(GatewayClient, "call", through_the_gateway)
    with commit():
        services.withdraw_application(card_part.application_id, mother, "Nộp nhầm")
    assert hops == [("POST", SERVICE, "withdraw")]
    assert Dossier.objects.get(pk=dossier.pk).status == Status.WITHDRAWN
    card_part.refresh_from_db()
    assert card_part.state == PartState.FILED  # until its deployment says so
    deliver(dossier.events.get(kind="withdrawn"))
    card_part.refresh_from_db()
    assert card_part.state == PartState.STOPPED
    with pytest.raises(WrongState):
        remote.withdraw_intake(str(card_part.key), "again")  # ended there: refused
