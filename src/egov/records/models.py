"""Electronic results with legal validity ("kết quả điện tử có giá trị pháp lý"): the signing
certificates of egov's PKI and the signed result documents it issued."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from egov.catalog import document_types


class CertificateKind(models.TextChoices):
    ROOT = "root", _("Root CA")
    AGENCY = "agency", _("Agency signing")
    TSA = "tsa", _("Time stamping")


class CertificateSource(models.TextChoices):
    DEVELOPMENT = "development", _("Development CA")
    IMPORTED = "imported", _("Imported (PKCS#12)")


class SigningCertificate(models.Model):
    """A certificate with its private key, stored encrypted (PKCS#8, SIGNING_KEY_PASSWORD)."""

    kind = models.CharField(_("kind"), max_length=8, choices=CertificateKind.choices)
    agency = models.ForeignKey(
        "core.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField(_("source"), max_length=12, choices=CertificateSource.choices)
    subject = models.CharField(_("subject"), max_length=500)
    serial = models.CharField(_("serial number"), max_length=64)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    #: The certificate, then the issuing chain up to (and including) the root, PEM.
    certificate_pem = models.TextField()
    chain_pem = models.TextField(blank=True)
    #: Encrypted PKCS#8 PEM; empty for a root whose key egov does not hold.
    key_pem = models.TextField(blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["kind", "agency", "active"])]
        verbose_name = _("signing certificate")
        verbose_name_plural = _("signing certificates")

    def __str__(self) -> str:
        return f"{self.kind}:{self.subject}"


class ResultStatus(models.TextChoices):
    #: Drawn up for a proposal, awaiting the approver; never verifiable.
    DRAFT = "draft", _("Draft awaiting approval")
    PENDING = "pending", _("Being signed")
    SIGNED = "signed", _("Signed")
    FAILED = "failed", _("Signing failed")


class ResultDocument(models.Model):
    """Kết quả giải quyết TTHC điện tử: the signed PDF issued for one approved dossier (a draft
    while its proposal awaits approval), or a signed PDF an agency issues outside any dossier
    (``issuing.issue_signed_pdf``; no dossier). Both verify alike."""

    #: Empty for a document that belongs to no dossier.
    dossier = models.OneToOneField(
        "dossiers.Dossier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signed_result",
    )
    #: Printed on the document and in its QR code; unguessable.
    code = models.CharField(_("verification code"), max_length=24, unique=True)
    document_type = models.CharField(_("document type"), max_length=64)
    title = models.CharField(_("title"), max_length=255)
    agency = models.ForeignKey("core.Agency", on_delete=models.PROTECT, related_name="+")
    #: Empty while a draft.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued"))
    #: The site's public address when issued (PUBLIC_URL, or the approval request's address):
    #: printed with the verification link and in the QR code.
    public_url = models.CharField(_("public address"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=ResultStatus.choices, default=ResultStatus.DRAFT
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=255, blank=True)
    file = models.ForeignKey(
        "core.StoredFile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    certificate = models.ForeignKey(
        SigningCertificate, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signer = models.CharField(_("signer"), max_length=500, blank=True)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revocation_reason = models.TextField(_("reason for revocation"), blank=True)

    class Meta:
        indexes = [models.Index(fields=["agency", "-issued_at"])]
        verbose_name = _("electronic result")
        verbose_name_plural = _("electronic results")

    def __str__(self) -> str:
        return self.code

    @property
    def type_name(self) -> str:
        """The document type's name (the one table of names), in the active language; the title
        recorded at issue for a type without one."""
        return (
            document_types.label(self.document_type)
            if document_types.document_type(self.document_type)
            else self.title
        )

    @property
    def display_title(self) -> str:
        """What pages and the verification service call the document: its type's name for a
        dossier's result; the title recorded at issue for a document of no dossier (it names
        that document more closely than a type can)."""
        return self.type_name if self.dossier_id is not None else (self.title or self.type_name)

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
