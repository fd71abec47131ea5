from django.contrib import admin

from .models import Dossier, DossierEvent


class EventInline(admin.TabularInline):
    model = DossierEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "actor", "at", "from_status", "to_status", "data")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    """Read-only view: dossiers change only through the lifecycle services."""

    list_display = ("code", "procedure", "agency", "status", "channel", "submitted_at", "due_at")
    list_filter = ("status", "channel", "agency")
    search_fields = ("code",)
    inlines = [EventInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Dossier._meta.fields]

    def has_add_permission(self, request):
        return False
