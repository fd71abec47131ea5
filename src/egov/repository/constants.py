"""Document types and signature states of the data repository ("Kho quản lý dữ liệu điện tử")."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from egov.catalog import document_types


class SignatureState(models.TextChoices):
    """How far a repository document can be trusted."""

    #: An electronic result signed by the issuing agency (legally valid on its own).
    SIGNED = "signed", _("Signed electronic result")
    #: A paper document scanned and described by a receiving official.
    DIGITISED = "digitised", _("Digitised from paper")
    OTHER = "other", _("Other")


#: The document types' names live in one table, ``egov.catalog.document_types``: the result
#: PDF, these pages, the API and the verification service all name a type from it.
DOCUMENT_TYPES = document_types.DOCUMENT_TYPES


def document_type_label(code: str) -> str:
    """The type's name in the active language (an unknown code is shown as itself)."""
    return document_types.label(code)


#: How long a share link lasts unless its owner says otherwise, and at most.
SHARE_DEFAULT_DAYS = 7
SHARE_MAX_DAYS = 30


class ScanState(models.TextChoices):
    """Where the reading of a scan taken at the counter stands."""

    QUEUED = "queued", _("Waiting to be read")
    READING = "reading", _("Being read")
    #: Read: a searchable PDF/A and the fields its text proposes.
    READ = "read", _("Read")
    #: Not read (no OCR on this machine, a failure, a timeout): filed as scanned.
    UNAVAILABLE = "unavailable", _("OCR unavailable")


#: Scans not yet read; a dossier is filed only once its scans are read or known unreadable.
SCAN_PENDING = (ScanState.QUEUED, ScanState.READING)
