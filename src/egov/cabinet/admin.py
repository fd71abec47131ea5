from django.contrib import admin

from .models import Body, Seat


class SeatInline(admin.TabularInline):
    model = Seat
    extra = 1
    autocomplete_fields = ("user",)


@admin.register(Body)
class BodyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "agency", "answers_open", "delegation_allowed")
    search_fields = ("code", "name")
    inlines = [SeatInline]
