from django.contrib import admin

from .models import PopulationRecord


@admin.register(PopulationRecord)
class PopulationRecordAdmin(admin.ModelAdmin):
    list_display = ("personal_id", "full_name", "birth_date", "sex")
    search_fields = ("personal_id",)
