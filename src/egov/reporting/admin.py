from django.contrib import admin

from .models import Regime, Report, ReportRevision


@admin.register(Regime)
class RegimeAdmin(admin.ModelAdmin):
    """Read-only: regimes change through the reporting pages, which check who may edit them."""

    list_display = ("title", "agency", "period", "scope", "is_active")
    list_filter = ("period", "is_active")
    search_fields = ("title",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Regime._meta.fields]

    def has_add_permission(self, request):
        return False


class RevisionInline(admin.TabularInline):
    model = ReportRevision
    extra = 0
    can_delete = False
    readonly_fields = (
        "number",
        "values",
        "prefilled",
        "reason",
        "submitted_by",
        "submitted_at",
        "is_late",
    )

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("regime", "agency", "period_start", "due_date", "status", "is_late")
    list_filter = ("status", "is_late")
    inlines = [RevisionInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Report._meta.fields]

    def has_add_permission(self, request):
        return False
