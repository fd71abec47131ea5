"""Named reads of the repository."""

from typing import Any

from egov.dossiers.models import Dossier

from . import access
from .models import RepositoryDocument, ShareLink


def reuse_offers(user: Any, dossier: Dossier) -> dict[str, list[RepositoryDocument]]:
    """For each component of ``dossier`` that accepts repository documents, the documents of
    ``user`` (or of the organisation the dossier is filed for) that may stand for it now."""
    wanted = {
        spec["code"]: set(spec.get("document_types", []))
        for spec in dossier.procedure.components
        if spec.get("document_types")
    }
    if not wanted:
        return {}
    types = set().union(*wanted.values())
    documents = [
        document
        for document in access.reusable_for(user, dossier).filter(document_type__in=types)
        if document.is_usable
    ]
    offers = {
        code: [document for document in documents if document.document_type in accepted]
        for code, accepted in wanted.items()
    }
    return {code: found for code, found in offers.items() if found}


def share_links(document: RepositoryDocument) -> list[ShareLink]:
    return list(document.share_links.all())


def referencing_components(document: RepositoryDocument) -> list[Any]:
    """The dossier components that use the document (for its owner's page)."""
    return list(document.dossier_components.select_related("dossier__procedure").order_by("-id"))
