"""Every write to the data repository is one of these verbs: filing a signed result, reusing a
document in a dossier, digitising a counter dossier's papers, and sharing a document by link.

Each checks permission (through ``access``) and state and writes in one transaction. What
changes a dossier (a component reused or digitised, and the events the indicators count) goes
through the dossiers part's verbs (``attach_document``, ``record_digitisation``), the dossier
locked first; this part keeps the link from a component to the document it is.
"""

import hashlib
import io
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from egov.catalog import document_types
from egov.core import audit
from egov.core.errors import InvalidInput, NotAllowed, NotFound, ServiceError, WrongState
from egov.core.files import clean_filename, read_checked_upload, read_stored, store_bytes
from egov.core.models import Agency
from egov.core.queue import enqueue_with_commit, task_named
from egov.dossiers import access as dossier_access
from egov.dossiers import services as dossier_services
from egov.dossiers.constants import Channel, Status
from egov.dossiers.models import Dossier, DossierComponent, DossierEvent
from egov.dossiers.services import Upload
from egov.identity.models import User

from . import access, extraction, ocr
from .constants import SHARE_MAX_DAYS, ScanState, SignatureState
from .models import ComponentDocument, RepositoryDocument, Scan, ShareLink

log = logging.getLogger("egov.repository")


class DocumentNotUsable(InvalidInput):
    """The document exists and is the applicant's, but it cannot stand for a component now."""

    code = "document_not_usable"


def _owner_of(dossier: Dossier) -> dict[str, Any]:
    """A dossier filed for an organisation belongs to it; otherwise to its applicant."""
    if dossier.organisation_id:
        return {"owner_organisation_id": dossier.organisation_id}
    return {"owner_person_id": dossier.applicant_id}


# --- results filed from the records part's event ------------------------------------------------


def file_result_when_signed(event: DossierEvent) -> None:
    """The ``dossiers.event_recorded`` hook: results arrive in the repository by themselves.
    The records part signs a result and dossiers records ``result_signed``; the result is filed
    for the dossier's owner in the same transaction, in a savepoint: a result that cannot be
    filed does not undo the signing around it, and ``manage.py file_signed_results`` files it
    once the cause is fixed."""
    if event.kind != "result_signed":
        return
    try:
        with transaction.atomic():
            file_signed_result(event)
    except ServiceError as exc:
        log.warning(
            "result_not_filed",
            extra={"dossier": event.dossier_id, "event": event.pk, "code": exc.code},
        )


def file_signed_result(event: DossierEvent) -> RepositoryDocument:
    """File the signed result announced by a ``result_signed`` event for the dossier's owner:
    the procedure's result document type, number = the verification code, issuer = the
    dossier's agency. Idempotent: the same event (or code) read again returns the same document."""
    code = str((event.data or {}).get("document") or "").strip()[:100]
    if event.kind != "result_signed" or not code:
        raise InvalidInput(_("This event announces no signed result."))
    dossier = Dossier.objects.select_related("procedure", "agency", "result_file").get(
        pk=event.dossier_id
    )
    filed = RepositoryDocument.objects.filter(
        source_dossier=dossier, number=code, signature_state=SignatureState.SIGNED
    ).first()
    if filed is not None:
        return filed
    if dossier.result_file is None:
        raise WrongState(_("The dossier has no result file to file."))
    document_type = dossier.procedure.definition["result"]["document_type"]
    document = RepositoryDocument(
        **_owner_of(dossier),
        document_type=document_type,
        number=code,
        subject_name=document_types.subject(document_type, dossier.form_data)[:255],
        issuer=dossier.agency,
        issuer_name=dossier.agency.name,
        issued_on=timezone.localdate(event.at),
        file=dossier.result_file,
        sha256=dossier.result_file.sha256,
        filename=clean_filename(f"{document_type}-{code}.pdf"),
        signature_state=SignatureState.SIGNED,
        source_dossier=dossier,
    )
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:  # filed meanwhile by another reader of the same event
        return RepositoryDocument.objects.get(
            source_dossier=dossier, number=code, signature_state=SignatureState.SIGNED
        )
    return document


def file_received_result(
    owner: User,
    *,
    document_type: str,
    number: str,
    issuer_code: str,
    issuer_name: str,
    issued_on: date,
    subject_name: str,
    data: bytes,
    filename: str,
) -> RepositoryDocument:
    """File for ``owner`` a signed result another deployment issued (a member of an
    interconnected procedure performed there), as a result of this deployment is filed; it is
    verified where it was issued (its verification code is ``number``). The file is checked
    like an upload. Idempotent: the same number and content again is the same document."""
    try:
        data, content_type = read_checked_upload(io.BytesIO(data), filename, len(data))
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0]) from exc
    stored = store_bytes(data, content_type)
    found = RepositoryDocument.objects.filter(
        owner_person=owner, number=number[:100], sha256=stored.sha256
    ).first()
    if found is not None:
        return found
    return RepositoryDocument.objects.create(
        owner_person=owner,
        document_type=document_type,
        number=number[:100],
        subject_name=subject_name[:255],
        issuer=Agency.objects.filter(code=issuer_code).first(),
        issuer_name=issuer_name[:255],
        issued_on=issued_on,
        file=stored,
        sha256=stored.sha256,
        filename=clean_filename(filename),
        signature_state=SignatureState.SIGNED,
    )


def file_pending_results() -> int:
    """File every ``result_signed`` event's result not filed yet (after a failure); the count
    of events read."""
    count = 0
    for event in DossierEvent.objects.filter(kind="result_signed").order_by("id").iterator():
        try:
            with transaction.atomic():
                file_signed_result(event)
        except ServiceError:
            continue
        count += 1
    return count


# --- reuse in a new dossier -----------------------------------------------------------------------


def component_spec(dossier: Dossier, code: str) -> dict[str, Any]:
    spec = next((c for c in dossier.procedure.components if c["code"] == code), None)
    if spec is None:
        raise InvalidInput(
            _("This procedure has no such document component."),
            {"component": _("This procedure has no such document component.")},
        )
    return spec


def check_usable(document: RepositoryDocument) -> None:
    """Raise DocumentNotUsable for an expired document or one whose file no longer matches."""
    if document.valid_until and document.is_expired:
        raise DocumentNotUsable(
            _("This document expired on %(date)s and cannot be used.")
            % {"date": date_format(document.valid_until, "SHORT_DATE_FORMAT")}
        )
    if not document.is_intact:
        raise DocumentNotUsable(_("This document's file does not match its record."))


def _check_reuse(
    applicant: User, dossier: Dossier, component_code: str, document_id: int
) -> RepositoryDocument:
    decision = dossier_access.decide(applicant, "submit", dossier)
    if decision is dossier_access.Decision.HIDDEN:
        dossier_access.record_denial(applicant, "reuse", dossier.pk)
        raise NotFound(_("Dossier not found."))
    if decision is dossier_access.Decision.FORBIDDEN:
        dossier_access.record_denial(applicant, "reuse", dossier.pk)
        raise NotAllowed(_("You are not allowed to do this on this dossier."))
    if decision is not dossier_access.Decision.ALLOWED:
        raise WrongState(_("Documents can be chosen only while the dossier is a draft."))
    spec = component_spec(dossier, component_code)
    document = access.reusable_for(applicant, dossier).filter(pk=document_id).first()
    if document is None:
        access.record_denial(applicant, "reuse", document_id)
        raise NotFound(
            _("This document is not in your data repository."),
            {"document": _("Choose one of your own documents.")},
        )
    if document.document_type not in spec.get("document_types", []):
        raise InvalidInput(
            _("A %(type)s does not satisfy this component.") % {"type": document.type_label},
            {"document": _("Choose a document of a type this component accepts.")},
        )
    check_usable(document)
    return document


def reuse_document(
    dossier_id: int, applicant: User, component_code: str, document_id: int
) -> DossierComponent:
    """Attach a repository document to a component of a draft instead of an upload: the same
    stored file, marked as coming from the repository, and a ``component_reused`` event.

    Only the applicant's own documents (and, for a dossier filed for an organisation, that
    organisation's), of a type the component accepts, unexpired and intact, are accepted."""
    # Checked before the transaction too, so that a refusal's audit row is not rolled back.
    unlocked = Dossier.objects.select_related("procedure").filter(pk=dossier_id).first()
    if unlocked is None:
        raise NotFound(_("Dossier not found."))
    _check_reuse(applicant, unlocked, component_code, document_id)
    with transaction.atomic():
        dossier = dossier_services.lock_dossier(dossier_id)
        document = _check_reuse(applicant, dossier, component_code, document_id)
        component = dossier_services.attach_document(
            dossier.pk, applicant, component_code, document.file, document.filename, document.pk
        )
        _link(component, document)
    return component


def _link(component: DossierComponent, document: RepositoryDocument) -> None:
    ComponentDocument.objects.update_or_create(
        component=component, defaults={"document": document, "linked_at": timezone.now()}
    )


# --- digitisation at the counter ------------------------------------------------------------------


@dataclass
class PaperDocument:
    """What the receiving official records for one paper component: the scan (unless the one
    taken at filing is kept) and, for a document the repository keeps, its description."""

    upload: Upload | None = None
    #: A scan read beforehand (``add_scan``): its searchable PDF/A is filed (or the scan as
    #: taken, when it could not be read). An upload, when given too, wins.
    scan: int | None = None
    document_type: str = ""
    number: str = ""
    issuer_name: str = ""
    issued_on: date | None = None
    valid_until: date | None = None


is_digitised = dossier_services.is_digitised


def _check_digitiser(official: User, dossier: Dossier) -> None:
    if not dossier_access.can_view(official, dossier):
        dossier_access.record_denial(official, "digitise", dossier.pk)
        raise NotFound(_("Dossier not found."))
    if not dossier_access.may_digitise(official, dossier):
        dossier_access.record_denial(official, "digitise", dossier.pk)
        raise NotAllowed(_("Only a receiving official of this agency digitises dossiers."))
    if dossier.channel != Channel.COUNTER or dossier.status == Status.DRAFT:
        raise WrongState(_("Only dossiers filed at the counter are digitised here."))
    if is_digitised(dossier):
        raise WrongState(_("This dossier has already been digitised."))


def _describe(code: str, spec: dict[str, Any], paper: PaperDocument) -> dict[str, str]:
    errors: dict[str, str] = {}
    if paper.document_type not in spec["document_types"]:
        errors[f"{code}:document_type"] = _("Choose a document type this component accepts.")
    if not paper.number.strip():
        errors[f"{code}:number"] = _("This field is required.")
    if not paper.issuer_name.strip():
        errors[f"{code}:issuer"] = _("This field is required.")
    if paper.issued_on is None or paper.issued_on > timezone.localdate():
        errors[f"{code}:issued_on"] = _("Enter the issue date, not in the future.")
    elif paper.valid_until and paper.valid_until < paper.issued_on:
        errors[f"{code}:valid_until"] = _("The validity must end after the issue date.")
    return errors


def digitise(
    dossier_id: int, official: User, papers: Mapping[str, PaperDocument]
) -> list[RepositoryDocument]:
    """Số hóa hồ sơ giấy: a receiving official of the dossier's agency scans the paper
    components of a counter dossier and describes each document the repository keeps (those
    with document types); the dossier is marked digitised (a ``digitised`` event) and the
    described documents are filed in the applicant's repository as digitised. Once per dossier."""
    unlocked = Dossier.objects.select_related("agency").filter(pk=dossier_id).first()
    if unlocked is None:
        raise NotFound(_("Dossier not found."))
    _check_digitiser(official, unlocked)  # before the transaction: a refusal stays audited
    with transaction.atomic():
        dossier = dossier_services.lock_dossier(dossier_id)
        _check_digitiser(official, dossier)
        specs = {spec["code"]: spec for spec in dossier.procedure.components}
        present = {c.code: c for c in dossier.components.select_related("file")}
        errors: dict[str, str] = {}
        scans: dict[str, tuple[Any, str]] = {}
        wanted = {paper.scan for paper in papers.values() if paper.scan is not None}
        read_scans = {
            scan.pk: scan
            for scan in Scan.objects.filter(dossier=dossier, pk__in=wanted).select_related(
                "original", "searchable"
            )
        }
        used: dict[str, Scan] = {}
        for code, paper in papers.items():
            if code not in specs:
                errors[f"{code}:file"] = _("This procedure has no such document component.")
            elif paper.upload is not None:
                try:
                    data, content_type = read_checked_upload(
                        paper.upload.stream, paper.upload.name, paper.upload.size
                    )
                except ValidationError as exc:
                    errors[f"{code}:file"] = exc.messages[0]
                else:
                    scans[code] = (
                        store_bytes(data, content_type),
                        clean_filename(paper.upload.name),
                    )
            elif paper.scan is not None:
                scan = read_scans.get(paper.scan)
                if scan is None or scan.component != code or scan.document_id:
                    errors[f"{code}:file"] = _("This scan is not one of this component's.")
                elif scan.is_pending:
                    errors[f"{code}:file"] = _(
                        "This scan is still being read; file the dossier once it is read."
                    )
                else:
                    scans[code] = (scan.filed_file, scan.filed_filename)
                    used[code] = scan
        digitised = [code for code in specs if code in present or code in scans]
        for code in digitised:
            if specs[code].get("document_types"):
                errors.update(_describe(code, specs[code], papers.get(code) or PaperDocument()))
        if not digitised:
            errors["components"] = _("Scan at least one paper document.")
        if errors:
            raise InvalidInput(_("Some documents could not be accepted."), errors)
        filed: dict[str, RepositoryDocument] = {}
        for code in digitised:
            file, filename = scans.get(code) or (present[code].file, present[code].filename)
            document = _file_digitised(
                dossier, official, specs[code], papers.get(code), file, filename
            )
            if document is not None:
                filed[code] = document
        dossier_services.record_digitisation(
            dossier.pk,
            official,
            {
                code: dossier_services.Digitised(
                    scan=scans.get(code),
                    document_id=filed[code].pk if code in filed else None,
                )
                for code in digitised
            },
        )
        for component in dossier.components.filter(code__in=filed):
            _link(component, filed[component.code])
        for code, scan in used.items():
            if code in filed:
                Scan.objects.filter(pk=scan.pk).update(document=filed[code])
        documents = list(filed.values())
        audit.record(
            "dossier_digitised",
            actor=official,
            object_type="dossier",
            object_id=dossier.pk,
            data={
                "components": digitised,
                "documents": [d.pk for d in documents],
                "read": {
                    code: {"state": scan.state, "corrected": _corrected(scan, papers[code])}
                    for code, scan in used.items()
                },
            },
        )
    return documents


def _file_digitised(
    dossier: Dossier,
    official: User,
    spec: dict[str, Any],
    paper: PaperDocument | None,
    file: Any,
    filename: str,
) -> RepositoryDocument | None:
    """The repository document a digitised component is filed as, when the repository keeps
    its type (described and checked by ``_describe``)."""
    if not spec.get("document_types") or paper is None or paper.issued_on is None:
        return None
    return RepositoryDocument.objects.create(
        **_owner_of(dossier),
        document_type=paper.document_type,
        number=paper.number.strip()[:100],
        issuer_name=paper.issuer_name.strip()[:255],
        issued_on=paper.issued_on,
        valid_until=paper.valid_until,
        file=file,
        sha256=file.sha256,
        filename=filename,
        signature_state=SignatureState.DIGITISED,
        source_dossier=dossier,
        created_by=official,
    )


def _corrected(scan: Scan, paper: PaperDocument) -> list[str]:
    """The fields the official changed from what the scan's text proposed (for the record of
    how well reading works; names only)."""
    if scan.state != ScanState.READ:
        return []
    changed = []
    if not extraction.same_text(scan.number, paper.number):
        changed.append("number")
    if not extraction.same_text(scan.issuer_name, paper.issuer_name):
        changed.append("issuer")
    if scan.issued_on != paper.issued_on:
        changed.append("issued_on")
    return changed


# --- reading scans (OCR) ---------------------------------------------------------------------------

READ_SCAN_TASK = "egov.repository.tasks.read_scan"


def add_scan(dossier_id: int, official: User, code: str, upload: Upload | None = None) -> Scan:
    """A paper component scanned at the counter (``upload``; without one, the scan taken at
    filing) is kept and queued to be read: made a searchable PDF/A by OCR, its number, issuer
    and date proposed for the official to confirm. Where this machine has no OCR the scan is
    kept unread (``unavailable``) and the official describes it by hand."""
    unlocked = Dossier.objects.select_related("agency").filter(pk=dossier_id).first()
    if unlocked is None:
        raise NotFound(_("Dossier not found."))
    _check_digitiser(official, unlocked)
    spec = component_spec(unlocked, code)
    if upload is not None:
        try:
            data, content_type = read_checked_upload(upload.stream, upload.name, upload.size)
        except ValidationError as exc:
            raise InvalidInput(exc.messages[0], {f"{code}:file": exc.messages[0]}) from exc
        original, filename = store_bytes(data, content_type), clean_filename(upload.name)
    else:
        present = unlocked.components.select_related("file").filter(code=code).first()
        if present is None:
            message = _("Scan this paper document first.")
            raise InvalidInput(message, {f"{code}:file": message})
        original, filename = present.file, present.filename
    readable = ocr.available()
    with transaction.atomic():
        dossier = dossier_services.lock_dossier(dossier_id)
        _check_digitiser(official, dossier)
        scan = Scan.objects.create(
            dossier=dossier,
            component=spec["code"],
            original=original,
            filename=filename,
            created_by=official,
            state=ScanState.QUEUED if readable else ScanState.UNAVAILABLE,
            problem="" if readable else "missing",
        )
        if readable:
            enqueue_with_commit(task_named(READ_SCAN_TASK), scan.pk)
    log.info("scan_added", extra={"dossier": dossier.pk, "scan": scan.pk, "readable": readable})
    return scan


def read_scan(scan_id: int) -> Scan:
    """Read one scan (the task's body; idempotent: a scan read or given up on stays so, one left
    half-read by a stopped worker is read again). Runs outside any transaction: OCR takes
    seconds per page, and its progress is written as it goes for the page to show."""
    scan = Scan.objects.select_related("original", "dossier__procedure").get(pk=scan_id)
    if not scan.is_pending:
        return scan
    Scan.objects.filter(pk=scan.pk).update(state=ScanState.READING, progress=5)

    def progress(page: int, pages: int, stage: str) -> None:
        done = 90 if stage == "finishing" else 10 + 75 * (page - 1) // max(pages, 1)
        Scan.objects.filter(pk=scan.pk).update(page=page, pages=pages, progress=done)

    try:
        reading = ocr.make_searchable(
            read_stored(scan.original), scan.original.content_type, progress
        )
    except ocr.OcrUnavailable as exc:
        Scan.objects.filter(pk=scan.pk).update(
            state=ScanState.UNAVAILABLE, problem=exc.reason, progress=100, read_at=timezone.now()
        )
        log.warning("scan_not_read", extra={"scan": scan.pk, "reason": exc.reason})
        scan.refresh_from_db()
        return scan
    spec = next((c for c in scan.dossier.procedure.components if c["code"] == scan.component), {})
    found = extraction.extract(reading.text, timezone.localdate(), spec.get("document_types", []))
    Scan.objects.filter(pk=scan.pk).update(
        state=ScanState.READ,
        searchable=store_bytes(reading.pdf, "application/pdf"),
        text=reading.text,
        number=found.number,
        issuer_name=found.issuer,
        issued_on=found.issued_on,
        document_type=found.document_type,
        page=reading.pages,
        pages=reading.pages,
        progress=100,
        read_at=timezone.now(),
    )
    log.info("scan_read", extra={"scan": scan.pk, "pages": reading.pages})
    scan.refresh_from_db()
    return scan


# --- share links ------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def share(document_id: int, owner: User, days: int, note: str = "") -> tuple[ShareLink, str]:
    """Create a read-only link to one document, valid for ``days`` (1 to 30) unless revoked.
    Returns the link and its token, which is shown once and never stored."""
    document = access.access_own_document(owner, document_id, "share")
    if not 1 <= days <= SHARE_MAX_DAYS:
        raise InvalidInput(
            _("A link lasts from 1 to %(max)d days.") % {"max": SHARE_MAX_DAYS},
            {"days": _("From 1 to %(max)d days.") % {"max": SHARE_MAX_DAYS}},
        )
    token = secrets.token_urlsafe(32)
    link = ShareLink.objects.create(
        document=document,
        token_hash=_token_hash(token),
        created_by=owner,
        expires_at=timezone.now() + timedelta(days=days),
        note=(note or "").strip()[:120],
    )
    audit.record(
        "repository_document_shared",
        actor=owner,
        object_type="repository_document",
        object_id=document.pk,
        data={"share": link.pk, "expires_at": link.expires_at.isoformat()},
    )
    return link, token


def revoke_share(share_id: int, owner: User) -> ShareLink:
    """End a share link now (idempotent); only the document's owner may."""
    link = ShareLink.objects.select_related("document").filter(pk=share_id).first()
    if link is None or not access.is_owner(owner, link.document):
        raise NotFound(_("Link not found."))
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        audit.record(
            "repository_share_revoked",
            actor=owner,
            object_type="repository_document",
            object_id=link.document_id,
            data={"share": link.pk},
        )
    return link


def open_share(token: str) -> ShareLink:
    """The active link with this token, counted as opened; NotFound for a token that is
    malformed, unknown (tampered), expired or revoked, without saying which."""
    link = None
    if _TOKEN_RE.match(token or ""):
        link = (
            ShareLink.objects.select_related("document__file", "document__issuer")
            .filter(token_hash=_token_hash(token))
            .first()
        )
    if link is None or not link.is_active:
        raise NotFound(_("This link is not valid: it may have expired or been revoked."))
    ShareLink.objects.filter(pk=link.pk).update(
        opened_count=F("opened_count") + 1, last_opened_at=timezone.now()
    )
    return link
