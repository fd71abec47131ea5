"""The admin site, for platform operators. Roles are shown here but changed only on the audited
officials' pages (``identity:officials``), whose services check who may grant what and write
the audit log; an inline here would bypass both."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from egov.core import audit

from .models import OfficialRole, User


class OfficialRoleInline(admin.TabularInline):
    """Read-only: roles are granted and revoked on the officials' pages."""

    model = OfficialRole
    extra = 0
    fields = ("agency", "role")
    readonly_fields = ("agency", "role")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class EgovUserAdmin(UserAdmin):
    list_display = ("username", "full_name", "kind", "agency", "is_active")
    list_filter = ("kind", "is_active", "agency")
    search_fields = ("username", "full_name", "email")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (
            "egov",
            {
                "fields": (
                    "kind",
                    "full_name",
                    "personal_id",
                    "birth_date",
                    "phone",
                    "address",
                    "agency",
                ),
                "description": (
                    "Vai trò của cán bộ được cấp và thu hồi tại trang Cán bộ (/officials/), có ghi"
                    " nhật ký. / Officials' roles are granted and revoked on the Officials pages"
                    " (/officials/), which audit every change."
                ),
            },
        ),
    )
    inlines = [OfficialRoleInline]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Which fields changed, never their values (a personal ID number, a password hash).
        audit.record(
            "user_changed_in_admin" if change else "user_created_in_admin",
            actor=request.user,
            object_type="user",
            object_id=obj.pk,
            data={"fields": sorted(form.changed_data)},
        )
