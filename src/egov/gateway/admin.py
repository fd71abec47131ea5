from django.contrib import admin

from egov.core.admin import ReadOnlyAdmin

from .models import ChainAnchor, Grant, Member, Service, Transaction


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "agency", "is_active")
    search_fields = ("code", "name")
    exclude = ("secret_hash",)  # set through the API or `manage.py gateway_member`, shown once


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "title", "upstream_url", "quota_per_minute", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "title", "owner__code")


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin):
    list_display = ("client", "service", "expires_at")
    search_fields = ("client__code", "service__code")


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ("seq", "at", "client", "service", "method", "status", "latency_ms")
    list_filter = ("status",)
    search_fields = ("correlation_id", "client", "service")


@admin.register(ChainAnchor)
class ChainAnchorAdmin(ReadOnlyAdmin):
    list_display = ("seq", "stamped_at", "hash")
