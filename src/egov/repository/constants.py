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
