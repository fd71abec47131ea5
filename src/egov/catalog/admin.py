from django.contrib import admin

from .models import Procedure


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    """Procedures are data files; the admin shows what was loaded."""

    list_display = (
        "code",
        "version",
        "name",
        "field_name",
        "online_level",
        "processing_days",
        "is_current",
    )
    list_filter = ("online_level", "field_name", "is_current")
    search_fields = ("code", "name")
    readonly_fields = [f.name for f in Procedure._meta.fields]

    def has_add_permission(self, request):
        return False
