from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Agency, AuditEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows that change only through their part's services: shown, never edited."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "kind", "parent", "is_active")
    list_filter = ("level", "kind", "is_active")
    search_fields = ("code", "name", "name_en")
    autocomplete_fields = ["parent"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only."""

    list_display = ("id", "created_at", "action", "actor", "object_type", "object_id")
    list_filter = ("action",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
