"""Base registries held by other agencies. Other parts reach them only through their member
services over HTTP (and, later, through the data-sharing gateway), never through these models."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Relation(models.TextChoices):
    """Quan hệ với chủ hộ: how a member of a household is related to its head."""

    HEAD = "head", _("Head of household")
    WIFE = "wife", _("Wife")
    HUSBAND = "husband", _("Husband")
    CHILD = "child", _("Child")
    FATHER = "father", _("Father")
    MOTHER = "mother", _("Mother")
    GRANDCHILD = "grandchild", _("Grandchild")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other relative")


class PopulationRecord(models.Model):
    """Cơ sở dữ liệu quốc gia về dân cư: one citizen's record in the population registry."""

    personal_id = models.CharField(_("personal ID number"), max_length=12, unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)
    permanent_address = models.CharField(_("permanent residence"), max_length=255)
    # Blank when the registry holds no household for the person (hand-written demo records).
    household_id = models.CharField(_("household code"), max_length=20, blank=True, db_index=True)
    relation_to_head = models.CharField(
        _("relation to the head of household"),
        max_length=12,
        choices=Relation.choices,
        blank=True,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("population record")
        verbose_name_plural = _("population records")

    def __str__(self) -> str:
        return f"population record {self.pk}"


class LookupLog(models.Model):
    """Nhật ký tra cứu: one lookup of the population registry, found or not. The personal ID
    number is kept only as its SHA-256, so the log is not a second copy of who was looked up."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    #: The calling member's code (X-Egov-Client), empty when the gateway named no caller.
    client = models.CharField(_("client member code"), max_length=100, blank=True, db_index=True)
    correlation_id = models.CharField(_("correlation ID"), max_length=100, blank=True)
    purpose = models.CharField(_("purpose"), max_length=500)
    personal_id_sha256 = models.CharField(
        _("keyed digest of the personal ID number"), max_length=64
    )
    found = models.BooleanField(_("found"))

    class Meta:
        verbose_name = _("population lookup")
        verbose_name_plural = _("population lookups")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["personal_id_sha256", "created_at"])]

    def __str__(self) -> str:
        return f"lookup {self.pk}"


class BirthRegistration(models.Model):
    """Đăng ký khai sinh: a birth registered by a civil-status system, which the registry
    answered with the child's new record and personal ID number. The registration key (the
    birth registration's receipt code) makes the call idempotent: the same key is answered with
    the same number. The row is also the log of the call; it holds no personal data itself,
    only the link to the record and a keyed digest of what was asked."""

    registration_key = models.CharField(_("registration key"), max_length=100, unique=True)
    record = models.OneToOneField(
        PopulationRecord,
        on_delete=models.PROTECT,
        related_name="birth_registration",
        verbose_name=_("population record"),
    )
    #: The calling member's code (X-Egov-Client), empty when the gateway named no caller.
    client = models.CharField(_("client member code"), max_length=100, blank=True, db_index=True)
    correlation_id = models.CharField(_("correlation ID"), max_length=100, blank=True)
    #: A keyed digest of the request (and its caller): a retry must ask for the same birth.
    request_sha256 = models.CharField(_("keyed digest of the request"), max_length=64)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("birth registration")
        verbose_name_plural = _("birth registrations")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"birth registration {self.pk}"


#: Mã số doanh nghiệp (= mã số thuế): 10 digits, or a branch's 10-3.
TAX_CODE_PATTERN = r"^\d{10}(-\d{3})?$"


class BusinessStatus(models.TextChoices):
    ACTIVE = "active", _("Operating")
    SUSPENDED = "suspended", _("Temporarily suspended")
    DISSOLVED = "dissolved", _("Dissolved")


class BusinessRecord(models.Model):
    """Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp: one enterprise or branch."""

    tax_code = models.CharField(
        _("tax code"),
        max_length=14,
        unique=True,
        validators=[RegexValidator(TAX_CODE_PATTERN)],
    )
    name = models.CharField(_("name"), max_length=255)
    address = models.CharField(_("head office address"), max_length=255)
    representative_name = models.CharField(_("legal representative"), max_length=150)
    representative_personal_id = models.CharField(
        _("legal representative's personal ID number"), max_length=12, db_index=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=BusinessStatus.choices, default=BusinessStatus.ACTIVE
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("business record")
        verbose_name_plural = _("business records")

    def __str__(self) -> str:
        return f"{self.tax_code} {self.name}"
