"""Procedures as versioned data: each version loaded from the catalogue is kept."""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from .constants import OnlineLevel


class Procedure(models.Model):
    """Thủ tục hành chính (TTHC), one version of it. A dossier keeps the version it was filed under."""

    code = models.CharField(_("code"), max_length=20)
    version = models.PositiveIntegerField(_("version"))
    is_current = models.BooleanField(default=True, db_index=True)
    name = models.CharField(_("name"), max_length=500)
    name_en = models.CharField(_("English name"), max_length=500, blank=True)
    field_code = models.CharField(_("field"), max_length=40, db_index=True)
    field_name = models.CharField(_("field name"), max_length=255)
    sector = models.CharField(_("sector"), max_length=40)
    #: ",commune,province," so that one LIKE finds a level on every database.
    agency_levels = models.CharField(max_length=60)
    online_level = models.CharField(_("online level"), max_length=10, choices=OnlineLevel.choices)
    processing_days = models.PositiveIntegerField(_("processing time (working days)"))
    #: Folded (no diacritics, lower case) code, names and field for diacritic-blind search.
    search_text = models.TextField()
    definition = models.JSONField()
    content_hash = models.CharField(max_length=64)
    source_file = models.CharField(max_length=255)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="unique_procedure_version")
        ]
        indexes = [models.Index(fields=["is_current", "code"])]
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")

    def __str__(self) -> str:
        return f"{self.code} {self.name} (v{self.version})"

    def display_name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name

    @property
    def levels(self) -> list[str]:
        return [level for level in self.agency_levels.split(",") if level]

    @property
    def components(self) -> list[dict[str, Any]]:
        return list(self.definition["components"])

    @property
    def fees(self) -> list[dict[str, Any]]:
        return list(self.definition.get("fees", []))

    @property
    def form_schema(self) -> dict[str, Any]:
        return dict(self.definition["form"]["schema"])

    @property
    def steps(self) -> list[dict[str, Any]]:
        return list(self.definition["steps"])

    @property
    def online_processing_days(self) -> int | None:
        """Working days for a dossier filed online where the province shortens them, else None."""
        online = self.definition.get("online_processing")
        return int(online["days"]) if online else None

    @property
    def verification_working_days(self) -> int | None:
        """The longer legal time when the dossier needs verification, else None."""
        days = self.definition.get("verification_working_days")
        return int(days) if days is not None else None

    def processing_days_for(self, channel: str) -> int:
        """Working days a dossier filed by ``channel`` ("online", "counter") takes once received."""
        online = self.online_processing_days
        return online if channel == "online" and online is not None else self.processing_days

    @property
    def total_fee(self) -> int:
        return sum(fee["amount"] for fee in self.fees)


class ProcedureGroup(models.Model):
    """Nhóm thủ tục hành chính liên thông (Decree 63/2024), one version of it: member procedures
    filed as one application (``egov.catalog.groups``)."""

    code = models.CharField(_("code"), max_length=20)
    version = models.PositiveIntegerField(_("version"))
    is_current = models.BooleanField(default=True, db_index=True)
    name = models.CharField(_("name"), max_length=500)
    name_en = models.CharField(_("English name"), max_length=500, blank=True)
    definition = models.JSONField()
    content_hash = models.CharField(max_length=64)
    source_file = models.CharField(max_length=255)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="unique_group_version")
        ]
        verbose_name = _("procedure group")
        verbose_name_plural = _("procedure groups")

    def __str__(self) -> str:
        return f"{self.code} {self.name} (v{self.version})"

    def display_name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name

    @property
    def members(self) -> list[str]:
        return [member["procedure"] for member in self.definition["members"]]
