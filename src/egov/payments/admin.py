from django.contrib import admin

from .models import FeeClaim, Payment, PaymentEvent, ReceiptSeries


class PaymentEventInline(admin.TabularInline):
    model = PaymentEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "at", "actor", "from_status", "to_status", "data")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    """Read-only: payments change through the services (callbacks, counter, refunds) only."""

    list_display = ("reference", "dossier", "channel", "method", "status", "amount", "paid_at")
    list_filter = ("channel", "method", "status")
    search_fields = ("reference", "dossier__code", "provider_transaction")
    inlines = [PaymentEventInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Payment._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


admin.site.register(FeeClaim)
admin.site.register(ReceiptSeries)
