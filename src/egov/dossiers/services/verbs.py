"""The verbs of the parts built on dossiers. Other parts never write a dossier, its components
or its events themselves: they call these, inside their own transaction, after checking their
own permissions."""

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core.errors import InvalidInput
from egov.core.models import StoredFile
from egov.identity.models import User

from ..constants import (
    OWN_EVENTS,
    TRANSITIONS,
    ComponentSource,
    EventKind,
)
from ..models import Dossier, DossierComponent, DossierEvent
from .steps import check_action, lock_dossier, raise_version, record


def attach_signed_result(
    dossier_id: int, result: StoredFile, document: str, actor: User | None = None
) -> Dossier:
    """The signed electronic result of an approved dossier is ready: it becomes the dossier's
    result file and a ``result_signed`` event names the document by its verification code."""
    with transaction.atomic():
        dossier = lock_dossier(dossier_id)
        dossier.result_file = result
        dossier.save(update_fields=["result_file"])
        raise_version(dossier)
        record(dossier, "result_signed", actor, dossier.status, document=document)
    return dossier


def record_event(
    dossier_id: int, kind: str, actor: User | None, data: Mapping[str, Any] | None = None
) -> DossierEvent:
    """Record an event another part writes on a dossier without changing its status (``paid``):
    the dossier is locked, its version raised, and the event appended by the one event writer.

    A kind must be declared in ``constants.EventKind``; the kinds of dossiers' own steps
    (``constants.OWN_EVENTS``: submitted, received, …) are refused: those are recorded only by
    the steps themselves, which check who may take them. The caller has checked its own
    permission; the event names its actor."""
    if kind not in EventKind.values:
        raise InvalidInput(_("This event kind is not valid."))
    if kind in OWN_EVENTS:
        raise InvalidInput(_("This event is recorded only by the dossier's own steps."))
    dossier = lock_dossier(dossier_id)
    raise_version(dossier)
    return record(dossier, kind, actor, dossier.status, **dict(data or {}))


def _check_applicant_draft(actor: User, dossier: Dossier) -> None:
    check_action(actor, "submit", dossier)


def attach_document(
    dossier_id: int,
    applicant: User,
    component_code: str,
    file: StoredFile,
    filename: str,
    document_id: int,
) -> DossierComponent:
    """Reuse: a document of the applicant's data repository stands for a component of their
    draft instead of an upload — the same stored file, marked as coming from the repository and
    naming the document, and a ``component_reused`` event. Attaching the document a component
    already names changes nothing (no second event).

    The repository part checks that the document is the applicant's and fits the component; this
    checks that the applicant may still change the draft (under its lock)."""
    with transaction.atomic():
        dossier = lock_dossier(dossier_id)
        _check_applicant_draft(applicant, dossier)
        if component_code not in {c["code"] for c in dossier.procedure.components}:
            raise InvalidInput(
                _("This procedure has no such document component."),
                {"component": _("This procedure has no such document component.")},
            )
        component = dossier.components.filter(code=component_code).first()
        if (
            component is not None
            and component.repository_document_id == document_id
            and component.file_id == file.pk
        ):
            return component
        component = component or DossierComponent(dossier=dossier, code=component_code)
        component.file, component.filename = file, filename
        component.source, component.repository_document_id = ComponentSource.REPOSITORY, document_id
        component.uploaded_at, component.checked, component.check_note = timezone.now(), None, ""
        component.save()
        raise_version(dossier)
        record(
            dossier,
            "component_reused",
            applicant,
            dossier.status,
            component=component_code,
            document=document_id,
        )
    return component


def request_payment(
    dossier: Dossier, held_step: str, amount: int, actor: User | None = None
) -> None:
    """Yêu cầu thanh toán: the payments part tells the dossier that ``amount`` of its fees is
    unpaid and holds back the step ``held_step`` ("receive" or "return_result"); an ``amount``
    of 0 says that nothing is owed any more. A request that starts records
    ``payment_requested``, one that ends ``payment_request_closed``; the national status 6 is
    derived from it (``constants.national_status``). Runs in the caller's transaction, and keeps
    the caller's ``dossier`` object in step with its row."""
    if held_step not in TRANSITIONS:
        raise ValueError(held_step)
    step = held_step if amount > 0 else ""
    with transaction.atomic():
        row = Dossier.objects.select_for_update(of=("self",)).filter(pk=dossier.pk)
        dossier.payment_held_step = row.values_list("payment_held_step", flat=True).get()
        if dossier.payment_held_step == step:
            return
        before = dossier.payment_held_step
        row.update(payment_held_step=step)
        dossier.payment_held_step = step
        if step:
            record(dossier, "payment_requested", actor, dossier.status, step=step, amount=amount)
        else:
            record(dossier, "payment_request_closed", actor, dossier.status, step=before)
