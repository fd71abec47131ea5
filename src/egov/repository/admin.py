"""Read-only views of the repository for platform administrators: documents are filed and links
made through the services, never edited by hand."""

from django.contrib import admin

from egov.core.admin import ReadOnlyAdmin

from .models import RepositoryDocument, ShareLink


@admin.register(RepositoryDocument)
class RepositoryDocumentAdmin(ReadOnlyAdmin):
    list_display = ("document_type", "number", "issuer_name", "issued_on", "signature_state")
    list_filter = ("signature_state", "document_type")
    search_fields = ("number",)
    raw_id_fields = ("owner_person", "owner_organisation", "source_dossier", "file")


@admin.register(ShareLink)
class ShareLinkAdmin(ReadOnlyAdmin):
    list_display = ("document", "created_at", "expires_at", "revoked_at", "opened_count")
    exclude = ("token_hash",)
