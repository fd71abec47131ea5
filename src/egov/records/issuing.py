"""Signed PDFs that belong to no dossier: another part (the opinion-sheet summaries and meeting
minutes of a government body, for instance) draws the document up, and records signs it in the
agency's name exactly as a dossier's result, stores it, and lets anyone verify it at /verify/.

The caller prints the verification code and its address (``verification_url``) on the PDF; the
code is chosen here, before the PDF is drawn up, so that the signed bytes carry it."""

import logging
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone

from egov.core import audit
from egov.core.files import store_bytes
from egov.core.models import Agency
from egov.identity.models import User

from . import addresses, documents, pki, signing
from .models import ResultDocument, ResultStatus
from .services import new_code

log = logging.getLogger("egov.records")
#: The column's width (``ResultDocument.document_type``).
DOCUMENT_TYPE_LENGTH = 64


def verification_url(code: str) -> str:
    """The address that verifies the document issued now under ``code`` (what its QR code
    leads to): the public address a document issued now records, then ``/verify/<code>/``."""
    return documents.verification_url(code, addresses.public_url())


def issue_signed_pdf(
    agency: Agency,
    *,
    title: str,
    document_type: str,
    render: Callable[[str], bytes],
    actor: User,
    reason: str,
    code: str = "",
) -> ResultDocument:
    """Issue a signed PDF in ``agency``'s name that belongs to no dossier.

    With ``code`` (reserved by the caller with :func:`reserve_code` and kept in its own row
    before it asks), the document is issued under that code once: asked again (a retry after a
    crash) it returns the document already issued.

    A new verification code is chosen and ``render(code)`` draws the PDF up with it (and with
    ``verification_url(code)``); the PDF is signed PAdES with the agency's certificate and a
    time-stamp (``reason`` goes into the signature; the agency's name is its location), stored,
    and recorded as a signed ``ResultDocument`` without a dossier, approved by ``actor``. It
    verifies at /verify/ (by code or by file) and is revoked like a result.

    Runs at once: call it outside any transaction that holds locks, since signing may call the
    time-stamping authority. ``title`` is what the verification page shows; ``document_type`` is
    a code of the document-type table or any other code (the title then names the type)."""
    title, document_type = title.strip()[:255], document_type.strip()
    if not title:
        raise ValueError("a document is issued with a title")
    if len(document_type) > DOCUMENT_TYPE_LENGTH:
        raise ValueError(f"document type longer than {DOCUMENT_TYPE_LENGTH} characters")
    if code:
        issued = ResultDocument.objects.filter(code=code, dossier=None).first()
        if issued is not None:
            return issued
    code, issued_at, public_url = code or new_code(), timezone.now(), addresses.public_url()
    pdf = render(code)
    certificate = pki.agency_certificate(agency)
    signature = signing.sign_pdf(pdf, certificate, reason=reason, location=agency.name)
    stored = store_bytes(signature.pdf, "application/pdf")
    try:
        with transaction.atomic():
            document = ResultDocument.objects.create(
                dossier=None,
                code=code,
                document_type=document_type,
                title=title,
                agency=agency,
                approved_by=actor,
                issued_at=issued_at,
                public_url=public_url,
                status=ResultStatus.SIGNED,
                attempts=1,
                file=stored,
                sha256=stored.sha256,
                certificate=certificate,
                signer=signature.signer[:500],
                signed_at=timezone.now(),
            )
            audit.record(
                "document_issued",
                actor=actor,
                object_type="result",
                object_id=code,
                data={
                    "agency": agency.code,
                    "document_type": document_type,
                    "sha256": stored.sha256,
                },
            )
    except IntegrityError:  # issued meanwhile under the same code (two workers on one retry)
        return ResultDocument.objects.get(code=code)
    log.info("document_issued", extra={"result": code})
    return document


def reserve_code() -> str:
    """A new verification code, for a caller that keeps it before issuing (see ``code``)."""
    return new_code()
