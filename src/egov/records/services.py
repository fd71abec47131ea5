"""The verbs of electronic results: draw one up when a dossier's result is proposed, sign that
draft when it is approved, revoke it."""

import hashlib
import logging
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.catalog import document_types
from egov.core import audit
from egov.core.errors import InvalidInput, NotAllowed, NotFound, WrongState
from egov.core.files import read_stored, store_bytes
from egov.core.queue import task_named
from egov.dossiers import services as dossier_services
from egov.dossiers.constants import TRANSITIONS, Status
from egov.dossiers.models import Dossier
from egov.identity.models import Role, User

from . import addresses, documents, pki, signing
from .models import ResultDocument, ResultStatus

log = logging.getLogger("egov.records")
#: Crockford's base32 without look-alikes: 16 characters, 80 random bits, read aloud easily.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REVOKING_ROLES = frozenset({Role.APPROVER, Role.AGENCY_ADMIN})


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


# --- hooks on the dossier lifecycle ---------------------------------------------------------------


def draft_on_proposal(dossier: Dossier, action: str, actor: User) -> None:
    """Step hook: a proposed dossier gets its draft result, drawn up from its template with the
    verification code and date it will bear; the approver previews these very bytes and, on
    approval, they are what is signed. A proposal made again after a send-back is drawn up
    afresh, with a new code."""
    if action != "propose":
        return
    result = dossier.procedure.definition.get("result", {})
    ResultDocument.objects.filter(dossier=dossier, status=ResultStatus.DRAFT).delete()
    document = ResultDocument.objects.create(
        dossier=dossier,
        code=new_code(),
        document_type=result.get("document_type", ""),
        title=document_types.label(result.get("document_type", ""), "vi")[:255]
        if document_types.document_type(result.get("document_type", ""))
        else result.get("name", "")[:255],
        agency=dossier.agency,
        issued_at=timezone.now(),
        public_url=addresses.public_url(),
    )
    pdf = documents.render(dossier, document.code, document.issued_at, document.public_url)
    dossier_services.set_result_draft(dossier, store_bytes(pdf, "application/pdf"), document.code)


def discard_unapproved_draft(dossier: Dossier, action: str, actor: User) -> None:
    """Step hook: a draft whose proposal was sent back (or whose dossier was withdrawn) is
    discarded; its code never verifies. The dossier's events keep its SHA-256."""
    if Status.AWAITING_APPROVAL not in TRANSITIONS[action].sources:
        return  # this step cannot leave a proposal: nothing to discard (no query)
    if dossier.status in (Status.AWAITING_APPROVAL, Status.RESULT_READY):
        return
    ResultDocument.objects.filter(dossier=dossier, status=ResultStatus.DRAFT).delete()


def issue_on_approval(dossier: Dossier, action: str, actor: User) -> None:
    """Step hook: the approved draft is signed by a background task.

    The task is enqueued inside the approval's transaction: the database task backend stores it
    in that transaction (no task without the approval, no approval without the task), and the
    immediate backend of the tests signs at once."""
    if action != "approve":
        return
    document = ResultDocument.objects.get(dossier=dossier, status=ResultStatus.DRAFT)
    document.status, document.approved_by = ResultStatus.PENDING, actor
    document.save(update_fields=["status", "approved_by"])
    task_named("egov.records.tasks.sign_result").enqueue(document.pk)


def refuse_approval_without_draft(dossier: Dossier, action: str) -> str | None:
    """Step guard: only a proposal with its draft result is approved."""
    if action != "approve":
        return None
    if not ResultDocument.objects.filter(dossier=dossier, status=ResultStatus.DRAFT).exists():
        return str(_("This proposal has no draft result to sign; send it back."))
    return None


def refuse_return_until_signed(dossier: Dossier, action: str) -> str | None:
    """Step guard: a result is returned only once it is signed, and never when revoked."""
    if action != "return_result":
        return None
    document = ResultDocument.objects.filter(dossier=dossier).first()
    if document is None or document.status != ResultStatus.SIGNED:
        return str(
            _(
                "The result document has not been signed electronically yet; it can be "
                "returned once it is signed."
            )
        )
    if document.revoked:
        return str(_("The result document has been revoked; it cannot be returned."))
    return None


# --- signing ---------------------------------------------------------------------------------------


def sign(document_id: int) -> ResultDocument:
    """Produce the result PDF from its template, sign it in the agency's name with a time-stamp,
    store it and attach it to the dossier. Idempotent: a signed document is left alone. (A
    document of no dossier is signed when issued, by ``issuing.issue_signed_pdf``.)"""
    document = ResultDocument.objects.select_related(
        "dossier__procedure", "dossier__agency", "dossier__applicant", "agency"
    ).get(pk=document_id)
    if document.status == ResultStatus.SIGNED:
        return document
    if document.dossier is None:
        raise ValueError(f"{document.code} belongs to no dossier: it was signed when issued")
    dossier_id = document.dossier.pk
    pdf = approved_draft(document)
    certificate = pki.agency_certificate(document.agency)
    signature = signing.sign_pdf(
        pdf,
        certificate,
        reason=f"{document.title} - {document.dossier.code}",
        location=document.agency.name,
    )
    with transaction.atomic():
        document = ResultDocument.objects.select_for_update().get(pk=document_id)
        if document.status == ResultStatus.SIGNED:  # signed meanwhile by another worker
            return document
        stored = store_bytes(signature.pdf, "application/pdf")
        document.file, document.sha256 = stored, stored.sha256
        document.certificate, document.signer = certificate, signature.signer[:500]
        document.status, document.signed_at = ResultStatus.SIGNED, timezone.now()
        document.attempts += 1
        document.last_error = ""
        document.save()
        dossier_services.attach_signed_result(
            dossier_id, stored, document.code, actor=document.approved_by
        )
        audit.record(
            "result_signed",
            object_type="result",
            object_id=document.code,
            data={"dossier": dossier_id, "sha256": stored.sha256},
        )
    log.info("result_signed", extra={"result": document.code})
    return document


def approved_draft(document: ResultDocument) -> bytes:
    """The bytes to sign: the draft the approver previewed and approved, checked against its
    SHA-256 (a result approved before drafts existed is drawn up from its template)."""
    dossier = document.dossier
    if dossier is None:
        raise ValueError(f"{document.code} belongs to no dossier: it has no draft")
    draft = dossier.result_draft
    if draft is None:
        return documents.render(dossier, document.code, document.issued_at)
    pdf = read_stored(draft)
    if hashlib.sha256(pdf).hexdigest() != draft.sha256:
        raise ValueError(f"stored draft {draft.sha256} does not match its digest")
    return pdf


def record_failure(document_id: int, error: Exception, max_attempts: int) -> ResultDocument:
    """Count a failed signing attempt; after ``max_attempts`` the document is marked failed."""
    with transaction.atomic():
        document = ResultDocument.objects.select_for_update().get(pk=document_id)
        document.attempts += 1
        document.last_error = f"{type(error).__name__}: {error}"[:255]
        if document.attempts >= max_attempts:
            document.status = ResultStatus.FAILED
        document.save(update_fields=["attempts", "last_error", "status"])
    log.warning("result_signing_failed", extra={"result": document.code})
    return document


def abandon(document_id: int, reason: str) -> None:
    """The signing task has failed for good (its worker died while signing, too many times):
    a document still pending is marked failed, so that nobody waits for it."""
    with transaction.atomic():
        document = ResultDocument.objects.select_for_update().filter(pk=document_id).first()
        if document is None or document.status != ResultStatus.PENDING:
            return
        document.status = ResultStatus.FAILED
        document.last_error = reason[:255]
        document.save(update_fields=["status", "last_error"])
    log.warning("result_signing_abandoned", extra={"result": document.code})


# --- revocation ------------------------------------------------------------------------------------


def may_revoke(user: object, document: ResultDocument) -> bool:
    """The issuing agency's approvers and agency administrators revoke its results."""
    return bool(
        isinstance(user, User)
        and user.is_active
        and user.is_official
        and user.roles_in(document.agency_id) & REVOKING_ROLES
    )


def revoke(code: str, actor: User, reason: str) -> ResultDocument:
    """Thu hồi: the document stays verifiable, and is reported revoked with the reason and date."""
    code, reason = code.strip().upper(), (reason or "").strip()
    # Permission before the locking transaction, so that a refusal's audit row is kept.
    document = ResultDocument.objects.filter(code=code).first()
    if document is None:
        raise NotFound(_("No result document has this verification code."))
    if not may_revoke(actor, document):
        audit.record(
            "permission_denied",
            actor=actor,
            object_type="result",
            object_id=document.code,
            data={"action": "revoke"},
        )
        raise NotAllowed(_("Only the issuing agency's approvers may revoke this document."))
    if not reason:
        raise InvalidInput(_("Please give a reason."), {"reason": _("This field is required.")})
    with transaction.atomic():
        document = ResultDocument.objects.select_for_update().get(pk=document.pk)
        if document.status != ResultStatus.SIGNED:
            raise WrongState(_("Only a signed document can be revoked."))
        if document.revoked:
            raise WrongState(_("This document has already been revoked."))
        document.revoked_at, document.revoked_by = timezone.now(), actor
        document.revocation_reason = reason[:2000]
        document.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
        audit.record(
            "result_revoked",
            actor=actor,
            object_type="result",
            object_id=document.code,
            data={"dossier": document.dossier_id},
        )
    return document
