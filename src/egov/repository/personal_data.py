"""The repository's section of a person's personal-data download (see
``egov.identity.account.personal_data``): the documents held for them and the links they made."""

from typing import Any

from egov.identity.models import User

from .models import RepositoryDocument, ShareLink


def personal_data(user: User) -> dict[str, Any]:
    """Documents held for the person themselves (an organisation's belong to it), with the share
    links they created; never a link's token, which is not kept."""
    documents = (
        RepositoryDocument.objects.filter(owner_person=user)
        .select_related("file", "source_dossier")
        .order_by("issued_on", "pk")
    )
    return {
        "repository_documents": [
            {
                "id": document.pk,
                "document_type": document.document_type,
                "number": document.number,
                "issuer": document.issuer_name,
                "issued_on": document.issued_on,
                "valid_until": document.valid_until,
                "signature_state": document.signature_state,
                "sha256": document.sha256,
                "filename": document.filename,
                "source_dossier": document.source_dossier.code if document.source_dossier else None,
                "filed_at": document.created_at,
            }
            for document in documents
        ],
        "repository_share_links": [
            {
                "document": link.document_id,
                "note": link.note,
                "created_at": link.created_at,
                "expires_at": link.expires_at,
                "revoked_at": link.revoked_at,
                "opened_count": link.opened_count,
            }
            for link in ShareLink.objects.filter(created_by=user).order_by("created_at", "pk")
        ],
    }
