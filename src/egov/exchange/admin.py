from django.contrib import admin

from egov.core.admin import ReadOnlyAdmin

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


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "agency", "incoming", "state", "subject", "created_at")
    list_filter = ("incoming", "state")
    search_fields = ("code_number", "code_notation", "subject")


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("envelope", "node", "status", "attempts", "last_error", "created_at")
    list_filter = ("status", "node")
