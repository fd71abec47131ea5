"""People, officials and their roles per agency."""

import re

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

PERSONAL_ID_RE = re.compile(r"^\d{12}$")


def validate_personal_id(value: str) -> None:
    if not PERSONAL_ID_RE.match(value or ""):
        raise ValidationError(_("A personal ID number has exactly 12 digits."))


class UserKind(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    OFFICIAL = "official", _("Official")


class Role(models.TextChoices):
    """What an official may do in the one-stop back office of an agency."""

    RECEIVER = "receiver", _("Receiver")
    PROCESSOR = "processor", _("Processor")
    APPROVER = "approver", _("Approver")
    AGENCY_ADMIN = "agency_admin", _("Agency administrator")
    #: Văn thư: issues, sends and receives the agency's official documents (egov.exchange).
    CLERK = "clerk", _("Document clerk")
    #: Held in any agency, it lets its holder manage roles in every agency.
    PLATFORM_ADMIN = "platform_admin", _("Platform administrator")


class IdentityLevel(models.IntegerChoices):
    """Mức độ định danh: how sure the platform is of who a person is."""

    UNVERIFIED = 0, _("Not verified")
    #: Self-registered, with the email address or phone number proven.
    LEVEL_1 = 1, _("Level 1 (contact verified)")
    #: Matched against the population registry record.
    LEVEL_2 = 2, _("Level 2 (verified against the population registry)")


class User(AbstractUser):
    """A person who logs in: a citizen (công dân) or an official (cán bộ) of an agency.

    Citizens log in with their personal ID number as the username.
    """

    kind = models.CharField(
        _("kind"), max_length=16, choices=UserKind.choices, default=UserKind.CITIZEN
    )
    full_name = models.CharField(_("full name"), max_length=150)
    personal_id = models.CharField(
        _("personal ID number"),
        max_length=12,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_personal_id],
    )
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    agency = models.ForeignKey(
        "core.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="officials"
    )
    identity_level = models.PositiveSmallIntegerField(
        _("identity level"), choices=IdentityLevel.choices, default=IdentityLevel.UNVERIFIED
    )
    email_verified_at = models.DateTimeField(null=True, blank=True)
    phone_verified_at = models.DateTimeField(null=True, blank=True)
    registry_verified_at = models.DateTimeField(null=True, blank=True)
    #: Whether the person is also told by email and by SMS (egov.core.notify); the portal's
    #: notification centre always has everything.
    notify_by_email = models.BooleanField(_("notify me by email"), default=True)
    notify_by_sms = models.BooleanField(_("notify me by SMS"), default=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_official(self) -> bool:
        return self.kind == UserKind.OFFICIAL

    def roles_in(self, agency_id: int) -> set[str]:
        """The roles this user holds in one agency (cached per request on the instance)."""
        cache = self.__dict__.setdefault("_roles_cache", {})
        if agency_id not in cache:
            cache[agency_id] = set(
                self.official_roles.filter(agency_id=agency_id).values_list("role", flat=True)
            )
        return cache[agency_id]


class OfficialRole(models.Model):
    """A role an official holds in one agency."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="official_roles")
    agency = models.ForeignKey("core.Agency", on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "agency", "role"], name="unique_official_role")
        ]
        verbose_name = _("official role")

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}@{self.agency_id}"


class ApiToken(models.Model):
    """A bearer token for API clients; only its SHA-256 is stored. It works until ``expires_at``
    unless revoked by its owner (``revoked_at``); ``last_used_at`` is written at most once a
    minute (egov.identity.tokens)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


TAX_CODE_RE = re.compile(r"^\d{10}(-?\d{3})?$")
#: Weights of the first nine digits of a mã số thuế; the tenth is 10 - (weighted sum mod 11).
TAX_CODE_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def tax_code_check_digit(first_nine: str) -> int | None:
    """The tenth digit of a tax code beginning with ``first_nine``; None when no digit fits
    (the weighted sum is a multiple of 11: such a number is never issued)."""
    total = sum(
        weight * int(digit) for weight, digit in zip(TAX_CODE_WEIGHTS, first_nine, strict=True)
    )
    digit = 10 - total % 11
    return digit if digit < 10 else None


def validate_tax_code(value: str) -> None:
    """Mã số thuế: 10 digits whose last is the check digit of the first nine, or a branch's
    13, the parent's 10 then a branch number from 001 to 999 (written 10-3 or all together)."""
    value = value or ""
    if not TAX_CODE_RE.match(value):
        raise ValidationError(
            _("A tax code has 10 digits, or 13 for a branch (10-3)."), code="tax_code_format"
        )
    if tax_code_check_digit(value[:9]) != int(value[9]):
        raise ValidationError(
            _(
                "This tax code does not exist: its last digit does not match the first nine."
                " Check it against the business registration certificate."
            ),
            code="tax_code_check_digit",
        )
    if len(value) > 10 and value[-3:] == "000":
        raise ValidationError(
            _("A branch number (the last 3 digits) runs from 001 to 999."), code="tax_code_branch"
        )


class OrganisationKind(models.TextChoices):
    BUSINESS = "business", _("Business")
    OTHER = "other", _("Other organisation")


class Organisation(models.Model):
    """Tổ chức: a business (with its tax code) or another organisation that files dossiers."""

    kind = models.CharField(_("kind"), max_length=16, choices=OrganisationKind.choices)
    tax_code = models.CharField(
        _("tax code"),
        max_length=14,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_tax_code],
    )
    #: Identifier of an organisation without a tax code (e.g. its establishment decision number).
    registration_number = models.CharField(_("registration number"), max_length=60, blank=True)
    name = models.CharField(_("name"), max_length=255)
    address = models.CharField(_("address"), max_length=255, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    #: When the business registry confirmed its legal representative (through the gateway);
    #: empty when it could not be asked (the registration goes on, and says so).
    registry_checked_at = models.DateTimeField(
        _("checked against the business registry"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="business") | models.Q(tax_code__isnull=False),
                name="business_has_tax_code",
            )
        ]

    def __str__(self) -> str:
        return self.name


class RepresentationKind(models.TextChoices):
    LEGAL = "legal", _("Legal representative")
    AUTHORISED = "authorised", _("Authorised person")


class Representation(models.Model):
    """A person's authorisation to act for an organisation, from its grant until its revocation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="representations"
    )
    person = models.ForeignKey(User, on_delete=models.CASCADE, related_name="representations")
    kind = models.CharField(_("kind"), max_length=16, choices=RepresentationKind.choices)
    granted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField()
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "person"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_active_representation",
            )
        ]
        indexes = [models.Index(fields=["person", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.organisation_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class VerificationChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")


class VerificationCode(models.Model):
    """A one-time code sent to prove an email address or phone number; only its hash is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="verification_codes")
    channel = models.CharField(max_length=8, choices=VerificationChannel.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}:{self.channel}"


class RegistryVerificationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the population registry")
    MATCHED = "matched", _("Matched")
    MISMATCH = "mismatch", _("Does not match")
    FAILED = "failed", _("The registry could not be reached")


class RegistryVerification(models.Model):
    """One check of a person's declared identity against the population registry (identity
    level 2). Only the names of the fields that differed are kept, never the values."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="registry_verifications")
    status = models.CharField(
        max_length=12,
        choices=RegistryVerificationStatus.choices,
        default=RegistryVerificationStatus.PENDING,
    )
    #: Names of the declared fields the registry disagrees with (e.g. ["birth_date"]).
    differences = models.JSONField(default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=120, blank=True)
    requested_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-requested_at"])]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.status}"


class OidcConsent(models.Model):
    """Đồng ý chia sẻ thông tin: the scopes a person allowed a relying party of the built-in
    identity provider to receive. The consent page is shown again only when the party asks for a
    scope not in this list (or sends ``prompt=consent``)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="oidc_consents")
    #: The relying party's ``client_id`` (a new registration gets a new id, and asks anew).
    client_id = models.CharField(max_length=100)
    #: The scopes allowed, space-separated (e.g. "openid profile email").
    scopes = models.CharField(max_length=255)
    granted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "client_id"], name="one_consent_per_client")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.client_id}"


class OidcCodeRedemption(models.Model):
    """Which tokens the built-in identity provider gave for an authorization code, kept after the
    code itself is gone: a code presented again means it leaked, and the tokens it gave are
    revoked (RFC 6749 §4.1.2). Only the code's SHA-256 is stored."""

    code_hash = models.CharField(max_length=64, unique=True)
    client_id = models.CharField(max_length=100)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    #: The access token given with the code (django-oauth-toolkit's id; gone once revoked).
    access_token_id = models.BigIntegerField(null=True)
    #: The family of the refresh token given with the code: every refresh token rotated from it.
    token_family = models.UUIDField(null=True)
    redeemed_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.client_id}:{self.code_hash[:12]}"
