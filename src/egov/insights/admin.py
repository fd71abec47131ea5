"""Admin: sync clients (deactivate, re-scope), the push state, and facts read-only."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import DossierFact, PushState, SyncClient


@admin.register(SyncClient)
class SyncClientAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "created_at", "last_seen_at"]
    list_filter = ["is_active"]
    filter_horizontal = ["agencies"]
    # The token is issued by `manage.py create_sync_client`; only its hash is kept.
    exclude = ["token_hash"]
    readonly_fields = ["created_at", "last_seen_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(PushState)
class PushStateAdmin(admin.ModelAdmin):
    list_display = ["name", "last_success_at", "last_attempt_at", "attempts", "last_error"]
    readonly_fields = [f.name for f in PushState._meta.fields]


@admin.register(DossierFact)
class DossierFactAdmin(admin.ModelAdmin):
    """Facts change only through the projection and the sync: read-only here."""

    list_display = ["code", "agency", "source", "channel", "status", "received_day", "push_error"]
    list_filter = ["source", "channel", "status", "unpushed"]
    search_fields = ["code"]
    list_select_related = ["agency"]
    show_full_result_count = False  # millions of rows

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
