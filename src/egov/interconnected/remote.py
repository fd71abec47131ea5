"""Members performed on another deployment, reached through the data-sharing gateway.

On the portal's side:

- ``send`` hands a part's dossier to the service of the deployment performing it (a task, after
  the commit that decided it; retried with backoff; the part's key makes a retry harmless);
- ``receive`` applies what that deployment publishes on its status topic. The gateway delivers
  the event to the webhook signed with the subscription's key, and an event is applied once,
  in order of its sequence.

On the performing agency's side:

- ``take`` files the dossier handed over, once per key, for the citizen the portal identified;
- ``publish_later`` (a ``dossiers.event_recorded`` hook) publishes each event of such a dossier
  on ``INTERCONNECTED_STATUS_TOPIC``, the signed result with the event that announces it.
"""

import base64
import binascii
import hashlib
import hmac
import io
import json
import logging
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.catalog import groups as catalog_groups
from egov.catalog.selectors import get_procedure
from egov.core.errors import InvalidInput, NotAllowed, NotFound
from egov.core.files import read_stored
from egov.core.gateway_client import GatewayClient, GatewayUnavailable
from egov.core.models import Agency
from egov.core.queue import enqueue_with_commit, task_named
from egov.dossiers import services as dossier_services
from egov.dossiers.models import Dossier, DossierEvent
from egov.repository import selectors as repository_selectors
from egov.repository import services as repository_services

from . import services
from .constants import PartState
from .models import Intake, Part, ReceivedEvent, Subscription

log = logging.getLogger(__name__)

SEND = services.SEND
PUBLISH = "egov.interconnected.tasks.publish_intake_event"
WITHDRAW = "egov.interconnected.tasks.withdraw_part"
#: Event ids on the status topic are derived from the dossier event: a retry is the same event.
EVENT_IDS = uuid.UUID("6f1c2a4e-63a0-4d1c-9b4e-2024063a0001")


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def _later(task: str, attempts: int, *args: Any) -> None:
    """Queue ``task`` again after the backoff, where the backend can defer; otherwise it waits
    for ``manage.py advance_applications`` (sends) or the next event (publications)."""
    found = task_named(task)
    if found.get_backend().supports_defer:
        found.using(run_after=timezone.now() + backoff(attempts)).enqueue(*args)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# --- the portal's side ----------------------------------------------------------------------


def payload_of(part: Part) -> dict[str, Any]:
    """What the performing deployment needs to file the member: who, the member's own form,
    the applicant's documents for it and the earlier results it reuses, as files."""
    application = part.application
    group = application.group
    member = services.definition_of(group).member(part.procedure_code)
    procedure = services.member_procedures(group)[part.procedure_code]
    own = {spec["code"] for spec in procedure.components} - set(member.results)
    components = [
        {"code": kept.code, "filename": kept.filename, "content": _b64(read_stored(kept.file))}
        for kept in application.files.select_related("file")
        if kept.code in own
    ]
    by_code = {p.procedure_code: p for p in application.parts.all()}
    for code, source in member.results.items():
        document = repository_selectors.signed_result_of(by_code[source].dossier_id)
        if document is None:
            raise NotFound(_("The earlier result is not in the data repository yet."))
        components.append(
            {
                "code": code,
                "filename": document.filename,
                "content": _b64(read_stored(document.file)),
            }
        )
    applicant = application.applicant
    values = {**application.form_data, **application.issued}
    return {
        "key": str(part.key),
        "application": application.code,
        "procedure": part.procedure_code,
        "agency": part.agency.code,
        "applicant": {
            "personal_id": applicant.personal_id,
            "full_name": applicant.full_name,
            "birth_date": applicant.birth_date.isoformat() if applicant.birth_date else None,
            "phone": applicant.phone,
            "email": applicant.email,
        },
        "form": catalog_groups.member_data(member, procedure.definition, values),
        "components": components,
    }


def send(part_id: int) -> str:
    """Hand the part's dossier to the deployment performing it; what became of the part."""
    part = Part.objects.select_related(
        "application__group", "application__applicant", "agency"
    ).get(pk=part_id)
    if part.state != PartState.WAITING or part.sent_at is not None:
        return part.state
    try:
        payload = payload_of(part)
        answer = GatewayClient().call("POST", part.remote_service, "", json=payload)
    except (GatewayUnavailable, NotFound) as exc:
        return _retry_send(part, str(exc))
    if answer.status_code >= 500 or answer.status_code in (401, 403, 404, 429):
        return _retry_send(part, f"HTTP {answer.status_code}")
    try:
        body = answer.json()
    except ValueError:
        return _retry_send(part, "malformed answer")
    with transaction.atomic():
        part = Part.objects.select_for_update().select_related("application").get(pk=part_id)
        part.sent_at = timezone.now()
        if answer.status_code in (200, 201):
            progress = services.Progress(
                kind="submitted",
                status=str(body.get("status", "")),
                receipt_code=str(body.get("receipt_code", "")),
                due_at=_moment(body.get("due_at")),
                at=timezone.now(),
            )
        else:  # refused as it stands (422): the agency's system did not receive it
            progress = services.Progress(
                kind="refused",
                status="refused",
                receipt_code="",
                due_at=None,
                at=timezone.now(),
                note=str(body.get("message", "")) or _("Refused by the agency's system."),
            )
        if part.state == PartState.CANCELLED and answer.status_code in (200, 201):
            # Withdrawn while it was being handed over: withdraw it there too.
            enqueue_with_commit(task_named(WITHDRAW), part.pk, _("Withdrawn by the applicant."))
        if part.state == PartState.WAITING:  # not already moved on by its own events
            services.apply_progress(part, progress)
        else:
            part.save(update_fields=["sent_at"])
    return part.state


def _retry_send(part: Part, reason: str) -> str:
    attempts = Part.objects.filter(pk=part.pk)
    attempts.update(
        send_attempts=F("send_attempts") + 1, note=_("Not yet delivered to the agency's system.")
    )
    log.warning("interconnected_send_failed", extra={"part": part.pk, "reason": reason})
    _later(SEND, attempts.values_list("send_attempts", flat=True).get(), part.pk)
    return "retry"


def _moment(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def withdraw_remote(part_id: int, reason: str) -> str:
    """Ask the deployment performing a part to withdraw its dossier (the applicant withdrew the
    application). Its ``withdrawn`` event comes back as any other; if the dossier has ended
    there meanwhile, its result still comes back and is filed."""
    part = Part.objects.get(pk=part_id)
    try:
        answer = GatewayClient().call(
            "POST", part.remote_service, "withdraw", json={"key": str(part.key), "reason": reason}
        )
    except GatewayUnavailable as exc:
        return _retry_withdraw(part, reason, str(exc))
    if answer.status_code >= 500 or answer.status_code in (401, 403, 429):
        return _retry_withdraw(part, reason, f"HTTP {answer.status_code}")
    return "withdrawn" if answer.status_code == 200 else f"refused: HTTP {answer.status_code}"


def _retry_withdraw(part: Part, reason: str, why: str) -> str:
    log.warning("interconnected_withdraw_failed", extra={"part": part.pk, "reason": why})
    found = task_named(WITHDRAW)
    if found.get_backend().supports_defer:
        found.using(run_after=timezone.now() + backoff(1)).enqueue(part.pk, reason)
    return "retry"


def subscribe(topic: str, webhook_url: str) -> Subscription:
    """Follow ``topic`` of the deployment performing a member: the gateway delivers its events
    to ``webhook_url`` signed with a key it gives now, kept to check them."""
    try:
        answer = GatewayClient().subscribe(topic, webhook_url)
    except GatewayUnavailable as exc:
        raise InvalidInput(f"gateway: {exc}") from None
    if answer.status_code != 200:
        raise InvalidInput(f"gateway: HTTP {answer.status_code} {answer.text[:200]}")
    subscription, _created = Subscription.objects.update_or_create(
        topic=topic, defaults={"signing_secret": answer.json()["signing_secret"]}
    )
    return subscription


def receive(topic: str, event_id: str, signature: str, body: bytes) -> bool:
    """Apply one delivery of the status topic; False when it was applied before. Refused
    (NotAllowed) unless signed with the key of a topic this deployment subscribed to."""
    subscription = Subscription.objects.filter(topic=topic).first()
    expected = ""
    if subscription is not None:
        digest = hmac.new(subscription.signing_secret.encode(), body, hashlib.sha256).hexdigest()
        expected = f"sha256={digest}"
    if not expected or not hmac.compare_digest(expected, signature):
        raise NotAllowed(_("The event's signature does not match."))
    try:
        event = json.loads(body)
        event_uuid = uuid.UUID(event_id)
        data = event["data"]
        key = uuid.UUID(str(data["key"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(_("The event cannot be read.")) from exc
    with transaction.atomic():
        try:
            with transaction.atomic():
                ReceivedEvent.objects.create(id=event_uuid, topic=topic)
        except IntegrityError:
            return False
        part = (
            Part.objects.select_for_update()
            .select_related("application__applicant", "agency")
            .filter(key=key)
            .exclude(remote_service="")
            .first()
        )
        if part is None:
            raise NotFound(_("No member of an application has this key."))
        _apply(part, data)
    return True


def _apply(part: Part, data: dict[str, Any]) -> None:
    sequence = int(data.get("sequence", 0))
    if sequence <= part.remote_sequence:
        return  # an older event delivered late: the part already shows a newer one
    part.remote_sequence = sequence
    result = data.get("result") or None
    document_id = None
    if data.get("kind") == "result_signed" and result:
        document = repository_services.file_received_result(
            part.application.applicant,
            document_type=str(result["document_type"]),
            number=str(result["number"]),
            issuer_code=part.agency.code,
            issuer_name=str(result.get("issuer_name") or part.agency.name),
            issued_on=date.fromisoformat(str(result["issued_on"])),
            subject_name=str(result.get("subject_name", "")),
            data=base64.b64decode(result["content"]),
            filename=str(result["filename"]),
        )
        document_id = document.pk
    services.apply_progress(
        part,
        services.Progress(
            kind=str(data.get("kind", "")),
            status=str(data.get("status", "")),
            receipt_code=str(data.get("receipt_code", "")),
            due_at=_moment(data.get("due_at")),
            at=_moment(data.get("at")) or timezone.now(),
            note=str(data.get("note", "")),
            result_document_id=document_id,
        ),
    )


# --- the performing agency's side --------------------------------------------------------------


def take(payload: dict[str, Any], client: str) -> tuple[Dossier, bool]:
    """File the dossier another deployment hands over (once per key): the citizen it names
    (found, or an account made for them), the member's form and files, channel online. The
    dossier and whether it is new."""
    key = uuid.UUID(str(payload["key"]))
    found = Intake.objects.filter(key=key).first()
    if found is not None:
        return Dossier.objects.get(pk=found.dossier_id), False
    procedure = get_procedure(str(payload["procedure"]))
    agency = Agency.objects.filter(code=str(payload["agency"])).first()
    if procedure is None or agency is None:
        raise InvalidInput(_("No such procedure or agency here."))
    person = payload["applicant"]
    try:
        uploads = {
            str(c["code"]): dossier_services.Upload(
                str(c["filename"]), io.BytesIO(base64.b64decode(c["content"], validate=True))
            )
            for c in payload.get("components", [])
        }
    except (binascii.Error, KeyError, TypeError) as exc:
        raise InvalidInput(_("A document could not be read.")) from exc
    with transaction.atomic():
        applicant = dossier_services.find_or_create_citizen(
            personal_id=str(person["personal_id"]),
            full_name=str(person["full_name"]),
            birth_date=date.fromisoformat(person["birth_date"])
            if person.get("birth_date")
            else None,
            phone=str(person.get("phone") or ""),
            email=str(person.get("email") or ""),
        )
        dossier = dossier_services.submit_forwarded(
            applicant, procedure, agency, payload.get("form") or {}, uploads, forwarded_by=client
        )
        try:
            with transaction.atomic():
                intake = Intake.objects.create(
                    key=key,
                    client=client,
                    application_code=str(payload.get("application", ""))[:48],
                    dossier_id=dossier.pk,
                )
        except IntegrityError:  # handed over twice at once: the first one stands
            transaction.set_rollback(True)
            found = Intake.objects.get(key=key)
            return Dossier.objects.get(pk=found.dossier_id), False
        # Its events so far were recorded before it was an intake: publish them now.
        for event in DossierEvent.objects.filter(dossier=dossier, kind__in=services.FOLLOWED):
            enqueue_with_commit(task_named(PUBLISH), intake.pk, event.pk)
    return dossier, True


def withdraw_intake(key: str, reason: str) -> Dossier:
    """The portal's applicant withdrew: the handed-over dossier is withdrawn as its applicant
    would (refused, 409, once it has ended)."""
    intake = Intake.objects.filter(key=uuid.UUID(key)).first()
    if intake is None:
        raise NotFound(_("No dossier was handed over with this key."))
    dossier = Dossier.objects.select_related("applicant").get(pk=intake.dossier_id)
    return dossier_services.withdraw(dossier.pk, dossier.applicant, reason)


def publish_later(event: DossierEvent) -> None:
    """The ``dossiers.event_recorded`` hook: an event of a dossier handed over by another
    deployment is published back to it, after the commit."""
    if event.kind not in services.FOLLOWED:
        return
    intake = Intake.objects.filter(dossier_id=event.dossier_id).values_list("pk", flat=True).first()
    if intake is not None:
        enqueue_with_commit(task_named(PUBLISH), intake, event.pk)


def event_data(intake: Intake, event: DossierEvent) -> dict[str, Any]:
    """What the portal's part needs of one event: the state, the dossier's code and deadline,
    the official's reason, and the signed result with the event that announces it."""
    dossier = Dossier.objects.select_related("procedure", "agency", "result_file").get(
        pk=event.dossier_id
    )
    due = dossier.promised_at or dossier.due_at
    data: dict[str, Any] = {
        "key": str(intake.key),
        "sequence": event.pk,
        "kind": event.kind,
        "status": event.to_status,
        "receipt_code": dossier.code or "",
        "due_at": due.isoformat() if due else None,
        "at": event.at.isoformat(),
        "note": str((event.data or {}).get("reason", ""))
        or (dossier.supplement_reason if event.kind == "supplement_requested" else "")
        or (dossier.decision_reason if event.kind in ("refused", "rejected") else ""),
    }
    if event.kind == "result_signed" and dossier.result_file is not None:
        document_type = dossier.procedure.definition["result"]["document_type"]
        data["result"] = {
            "document_type": document_type,
            "number": str((event.data or {}).get("document", "")),
            "issuer_name": dossier.agency.name,
            "issued_on": timezone.localdate(event.at).isoformat(),
            "subject_name": str(
                dossier.form_data.get("child_full_name")
                or dossier.form_data.get("deceased_full_name")
                or ""
            ),
            "filename": f"{document_type}-{dossier.code}.pdf",
            "content": _b64(read_stored(dossier.result_file)),
        }
    return data


def publish(intake_id: int, event_id: int, attempts: int = 1) -> str:
    """Publish one event of a handed-over dossier on the status topic (retried with backoff)."""
    intake = Intake.objects.get(pk=intake_id)
    event = DossierEvent.objects.get(pk=event_id)
    identifier = str(uuid.uuid5(EVENT_IDS, f"{intake.key}:{event.pk}"))
    try:
        answer = GatewayClient().publish(
            settings.INTERCONNECTED_STATUS_TOPIC, event_data(intake, event), identifier
        )
        failed = "" if answer.status_code == 202 else f"HTTP {answer.status_code}"
    except GatewayUnavailable as exc:
        failed = str(exc)
    if not failed:
        return "published"
    log.warning("interconnected_publish_failed", extra={"intake": intake_id, "reason": failed})
    _later(PUBLISH, attempts, intake_id, event_id, attempts + 1)
    return "retry"
