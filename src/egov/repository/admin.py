"""Read-only views of the repository for platform administrators: documents are filed and links
made through the services, never edited by hand."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import RepositoryDocument, ShareLink


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RepositoryDocument)
class RepositoryDocumentAdmin(ReadOnly):
    list_display = ("document_type", "number", "issuer_name", "issued_on", "signature_state")
    list_filter = ("signature_state", "document_type")
    search_fields = ("number",)
    raw_id_fields = ("owner_person", "owner_organisation", "source_dossier", "file")


@admin.register(ShareLink)
class ShareLinkAdmin(ReadOnly):
    list_display = ("document", "created_at", "expires_at", "revoked_at", "opened_count")
    exclude = ("token_hash",)
