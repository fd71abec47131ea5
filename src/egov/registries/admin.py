from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import BirthRegistration, BusinessRecord, LookupLog, PopulationRecord
from .services import personal_id_digest


@admin.register(PopulationRecord)
class PopulationRecordAdmin(admin.ModelAdmin):
    list_display = ("personal_id", "full_name", "birth_date", "sex", "relation_to_head")
    # Exact matches only: a "contains" search over a million records would scan them all.
    search_fields = ("=personal_id", "=household_id")
    show_full_result_count = False


@admin.register(LookupLog)
class LookupLogAdmin(admin.ModelAdmin):
    """Read-only: the lookup log is the registry's evidence of who asked for whom and why."""

    list_display = ("created_at", "client", "correlation_id", "found", "purpose")
    list_filter = ("found",)
    search_fields = ("=client", "=correlation_id", "=personal_id_sha256")
    date_hierarchy = "created_at"
    show_full_result_count = False

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        # The log keeps no personal ID number: one typed in is searched by its digest.
        term = search_term.strip()
        if len(term) == 12 and term.isdigit():
            return queryset.filter(personal_id_sha256=personal_id_digest(term)), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(BirthRegistration)
class BirthRegistrationAdmin(admin.ModelAdmin):
    """Read-only: the registry's evidence of which birth registration issued which number."""

    list_display = ("created_at", "registration_key", "client", "correlation_id", "record")
    search_fields = ("=registration_key", "=client", "=correlation_id", "=record__personal_id")
    date_hierarchy = "created_at"
    show_full_result_count = False
    raw_id_fields = ("record",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(BusinessRecord)
class BusinessRecordAdmin(admin.ModelAdmin):
    list_display = ("tax_code", "name", "representative_name", "status")
    list_filter = ("status",)
    search_fields = ("=tax_code", "name", "=representative_personal_id")
