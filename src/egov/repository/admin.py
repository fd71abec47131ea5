"""Read-only views of the repository for platform administrators: documents are filed and links
made through the services, never edited by hand."""

from django.contrib import admin

from egov.core.admin import ReadOnlyAdmin

from .models import RepositoryDocument, Scan, ShareLink


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


@admin.register(Scan)
class ScanAdmin(ReadOnlyAdmin):
    list_display = ("dossier", "component", "state", "problem", "number", "created_at", "read_at")
    list_filter = ("state", "problem")
    raw_id_fields = ("dossier", "original", "searchable", "created_by", "document")
    exclude = ("text",)  # personal data, read on the dossier's pages by those who handle it
