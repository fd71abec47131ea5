"""Named reads of the repository."""

from typing import Any

from django.db.models import F, QuerySet

from egov.dossiers.models import Dossier, DossierComponent

from . import access
from .models import ComponentDocument, RepositoryDocument, Scan, ShareLink, SignatureState


def _current_links() -> QuerySet[ComponentDocument]:
    """Links whose component still names its document (not replaced by an upload since)."""
    return ComponentDocument.objects.filter(component__repository_document_id=F("document_id"))


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
    links = (
        _current_links()
        .filter(document=document)
        .select_related("component__dossier__procedure")
        .order_by("-component_id")
    )
    return [link.component for link in links]


def reused_in(dossier: Dossier) -> list[tuple[DossierComponent, RepositoryDocument]]:
    """Each component of ``dossier`` that is a repository document, with that document."""
    links = (
        _current_links()
        .filter(component__dossier=dossier)
        .select_related("component", "document__issuer")
        .order_by("component_id")
    )
    return [(link.component, link.document) for link in links]


def signed_result_of(dossier_id: int | None) -> RepositoryDocument | None:
    """The signed result of a dossier, as filed in its owner's repository."""
    if dossier_id is None:
        return None
    return (
        RepositoryDocument.objects.filter(
            source_dossier_id=dossier_id, signature_state=SignatureState.SIGNED
        )
        .order_by("-id")
        .first()
    )


def current_scans(dossier: Dossier) -> dict[str, Scan]:
    """For each component of ``dossier``, its latest scan not yet filed (what the digitise page
    shows and files)."""
    latest: dict[str, Scan] = {}
    for scan in Scan.objects.filter(dossier=dossier, document__isnull=True).order_by("id"):
        latest[scan.component] = scan
    return latest
