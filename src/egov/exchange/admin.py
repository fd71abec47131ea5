from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Delivery, Document, Node, Route


@admin.register(Node)
class NodeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "url", "is_hub")
    search_fields = ("code", "name")


@admin.register(Route)
class RouteAdmin(admin.ModelAdmin):
    list_display = ("agency_code", "agency_name", "node")
    list_filter = ("node",)
    search_fields = ("agency_code", "agency_name")


class ReadOnly(admin.ModelAdmin):
    """Documents and deliveries change only through the clerk's pages and the API."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Document)
class DocumentAdmin(ReadOnly):
    list_display = ("__str__", "agency", "incoming", "state", "subject", "created_at")
    list_filter = ("incoming", "state")
    search_fields = ("code_number", "code_notation", "subject")


@admin.register(Delivery)
class DeliveryAdmin(ReadOnly):
    list_display = ("envelope", "node", "status", "attempts", "last_error", "created_at")
    list_filter = ("status", "node")
