from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import OfficialRole, User


class OfficialRoleInline(admin.TabularInline):
    model = OfficialRole
    extra = 0
    autocomplete_fields = ["agency"]


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
                )
            },
        ),
    )
    inlines = [OfficialRoleInline]
