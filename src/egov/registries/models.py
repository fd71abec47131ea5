"""Base registries held by other agencies. Other parts reach them only through their member
services over HTTP (and, later, through the data-sharing gateway), never through these models."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class PopulationRecord(models.Model):
    """Cơ sở dữ liệu quốc gia về dân cư: one citizen's record in the population registry."""

    personal_id = models.CharField(_("personal ID number"), max_length=12, unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)
    permanent_address = models.CharField(_("permanent residence"), max_length=255)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("population record")
        verbose_name_plural = _("population records")

    def __str__(self) -> str:
        return f"population record {self.pk}"
