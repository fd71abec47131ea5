"""Is this result document genuine? The signature is validated with pyHanko against egov's trust
roots (and its time-stamp with them), and the document's SHA-256 must be one egov issued; a
revoked document is reported as revoked with the reason."""

import enum
import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko_certvalidator import ValidationContext

from egov.core.files import read_stored

from . import pki
from .models import ResultDocument, ResultStatus


class Outcome(enum.StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    REVOKED = "revoked"
    #: No document with this verification code (or not signed yet).
    UNKNOWN = "unknown"


@dataclass
class Verdict:
    """What a verifier is told."""

    outcome: Outcome
    reasons: list[str] = field(default_factory=list)
    sha256: str = ""
    code: str = ""
    title: str = ""
    signer: str = ""
    agency: str = ""
    agency_code: str = ""
    issued_at: datetime | None = None
    timestamp: datetime | None = None
    revoked_at: datetime | None = None
    revocation_reason: str = ""


def normalise_code(code: str) -> str:
    return "".join(code.split()).upper()


def validation_context() -> ValidationContext:
    """egov's trust roots only (an empty list trusts nothing; never the system's TLS roots)."""
    return ValidationContext(trust_roots=pki.trust_roots(), allow_fetching=False)


def _check_signature(data: bytes) -> tuple[list[str], dict[str, Any]]:
    """(problems, details) of the one signature the document must carry."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_regular_signatures
    except Exception:  # any file from anyone: whatever the parser trips on, it is unreadable
        return [_("The file is not a readable PDF document.")], {}
    if not signatures:
        return [_("The document carries no electronic signature.")], {}
    signature = signatures[-1]
    try:
        context = validation_context()
        status = pki.off_event_loop(lambda: validate_pdf_signature(signature, context))
    except (SignatureValidationError, PdfError) as exc:
        return [_("The signature cannot be validated: %(error)s") % {"error": exc}], {}
    except Exception:  # a malformed signature dictionary or CMS blob
        return [_("The signature cannot be validated: %(error)s") % {"error": "malformed"}], {}
    problems = []
    if not status.intact:
        problems.append(_("The document was changed after it was signed."))
    elif not status.valid:
        problems.append(_("The signature does not match the document."))
    if not status.trusted:
        problems.append(_("The signer's certificate was not issued by an authority egov trusts."))
    stamp = status.timestamp_validity
    if stamp is None:
        problems.append(_("The signature carries no time-stamp."))
    elif not (stamp.intact and stamp.valid and stamp.trusted):
        problems.append(_("The signature's time-stamp is not valid."))
    details = {
        "signer": pki.common_name(status.signing_cert),
        "timestamp": stamp.timestamp if stamp is not None else None,
    }
    return problems, details


def _describe(verdict: Verdict, document: ResultDocument) -> Verdict:
    verdict.code, verdict.title = document.code, document.display_title
    verdict.agency, verdict.agency_code = document.agency.name, document.agency.code
    verdict.issued_at = document.signed_at or document.issued_at
    verdict.revoked_at, verdict.revocation_reason = document.revoked_at, document.revocation_reason
    return verdict


def verify_pdf(data: bytes) -> Verdict:
    """The verdict on a PDF someone holds."""
    digest = hashlib.sha256(data).hexdigest()
    problems, details = _check_signature(data)
    document = (
        ResultDocument.objects.select_related("agency")
        .filter(sha256=digest, status=ResultStatus.SIGNED)
        .first()
    )
    if document is None:
        problems.append(_("egov has not issued a document with this content (SHA-256)."))
    if problems:
        outcome = Outcome.INVALID
    elif document is not None and document.revoked:
        outcome = Outcome.REVOKED
    else:
        outcome = Outcome.VALID
    verdict = Verdict(
        outcome,
        problems,
        sha256=digest,
        signer=details.get("signer", ""),
        timestamp=details.get("timestamp"),
    )
    return _describe(verdict, document) if document is not None else verdict


def verify_code(code: str) -> Verdict:
    """The verdict on the document issued under a verification code: its stored PDF is
    validated as an uploaded one would be."""
    document = (
        ResultDocument.objects.select_related("agency", "file")
        .filter(code=normalise_code(code))
        .first()
    )
    if document is None or document.status != ResultStatus.SIGNED or document.file is None:
        return Verdict(Outcome.UNKNOWN, [_("No signed document has this verification code.")])
    return verify_pdf(read_stored(document.file))
