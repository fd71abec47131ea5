"""The data repository: each person's and organisation's documents, and links sharing them."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .constants import SCAN_PENDING, ScanState, SignatureState, document_type_label


class RepositoryDocument(models.Model):
    """Giấy tờ, kết quả điện tử: one document held for a person or an organisation."""

    #: Exactly one owner: a person, or an organisation (seen by its current representatives).
    owner_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repository_documents",
    )
    owner_organisation = models.ForeignKey(
        "identity.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repository_documents",
    )
    document_type = models.CharField(_("document type"), max_length=60)
    number = models.CharField(_("number"), max_length=100)
    #: Whom or what the document is about when that is not its owner alone (the child of a
    #: birth certificate, the business of its certificate): several documents of one type of
    #: one owner are told apart by it. Empty: the owner.
    subject_name = models.CharField(_("issued for"), max_length=255, blank=True)
    #: The issuing agency when it is one of ours; ``issuer_name`` is always filled.
    issuer = models.ForeignKey(
        "core.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issuer_name = models.CharField(_("issued by"), max_length=255)
    issued_on = models.DateField(_("issue date"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    file = models.ForeignKey("core.StoredFile", on_delete=models.PROTECT, related_name="+")
    #: The digest when filed: a stored file that no longer matches it is not offered for reuse.
    sha256 = models.CharField(max_length=64)
    filename = models.CharField(max_length=128)
    signature_state = models.CharField(
        _("signature state"), max_length=12, choices=SignatureState.choices
    )
    source_dossier = models.ForeignKey(
        "dossiers.Dossier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    #: Who filed it: the official who digitised it; None when filed by the platform.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(owner_person__isnull=False, owner_organisation__isnull=True)
                | models.Q(owner_person__isnull=True, owner_organisation__isnull=False),
                name="repository_document_one_owner",
            ),
            # A signed result is filed once per dossier and verification code, however often
            # its event is read.
            models.UniqueConstraint(
                fields=["source_dossier", "number"],
                condition=models.Q(signature_state=SignatureState.SIGNED),
                name="one_signed_result_per_code",
            ),
        ]
        indexes = [
            models.Index(fields=["owner_person", "document_type"]),
            models.Index(fields=["owner_organisation", "document_type"]),
        ]
        ordering = ["-issued_on", "-id"]
        verbose_name = _("repository document")
        verbose_name_plural = _("repository documents")

    def __str__(self) -> str:
        return f"{self.document_type} {self.number}"

    @property
    def type_label(self) -> str:
        return document_type_label(self.document_type)

    @property
    def issued_for(self) -> str:
        """Whom the document is about: its subject, else its owner (load the owner with it)."""
        if self.subject_name:
            return self.subject_name
        if self.owner_person is not None:
            return str(self.owner_person.full_name)
        return str(self.owner_organisation.name) if self.owner_organisation is not None else ""

    @property
    def is_expired(self) -> bool:
        return bool(self.valid_until and self.valid_until < timezone.localdate())

    @property
    def is_intact(self) -> bool:
        """The stored file is the one filed (its content address is its SHA-256)."""
        return self.file.sha256 == self.sha256

    @property
    def is_usable(self) -> bool:
        """May be attached to a new dossier: unexpired and intact."""
        return not self.is_expired and self.is_intact


class ComponentDocument(models.Model):
    """The repository's side of reuse: this document stands for that dossier component (reused
    by the applicant, or filed when the component was digitised). The component names the
    document by a plain id (``DossierComponent.repository_document_id``): this part owns the
    link and its integrity, since it depends on dossiers and not the other way. A link is
    current while the component still names its document (a later upload replaces it)."""

    component = models.OneToOneField(
        "dossiers.DossierComponent", on_delete=models.CASCADE, related_name="+"
    )
    document = models.ForeignKey(
        RepositoryDocument, on_delete=models.PROTECT, related_name="component_links"
    )
    linked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.component_id}:{self.document_id}"


class ShareLink(models.Model):
    """A read-only link to one document, usable without logging in until it expires or is
    revoked. Only the token's SHA-256 is kept; the token is shown once, to the owner."""

    document = models.ForeignKey(
        RepositoryDocument, on_delete=models.CASCADE, related_name="share_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=120, blank=True)
    opened_count = models.PositiveIntegerField(default=0)
    last_opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"share:{self.document_id}:{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class Scan(models.Model):
    """Bản quét: a paper document scanned at the counter for a dossier's component, read by OCR
    (a searchable PDF/A, its text, and the number, issuer and date the text proposes) before the
    receiving official confirms its description and the dossier is digitised."""

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.PROTECT, related_name="+")
    component = models.CharField(max_length=60)
    original = models.ForeignKey("core.StoredFile", on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=128)
    state = models.CharField(max_length=12, choices=ScanState.choices, default=ScanState.QUEUED)
    #: While read: the page being read, of how many, and a percentage for the progress bar.
    page = models.PositiveSmallIntegerField(default=0)
    pages = models.PositiveSmallIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(default=0)
    #: Why it was not read: ``missing`` (no OCR here), ``timeout``, ``failed``.
    problem = models.CharField(max_length=12, blank=True)
    #: The searchable PDF/A made of it (filed instead of the original once read).
    searchable = models.ForeignKey(
        "core.StoredFile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField(blank=True)
    #: What the text proposes; the official confirms or corrects it on the digitise page.
    number = models.CharField(max_length=100, blank=True)
    issuer_name = models.CharField(max_length=255, blank=True)
    issued_on = models.DateField(null=True, blank=True)
    document_type = models.CharField(max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    #: The repository document it was filed as, once the dossier is digitised.
    document = models.ForeignKey(
        RepositoryDocument, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["dossier", "component"])]
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"scan:{self.dossier_id}:{self.component}:{self.pk}"

    @property
    def is_pending(self) -> bool:
        return self.state in SCAN_PENDING

    @property
    def filed_file(self) -> Any:
        """What is filed: the searchable PDF/A once read, else the scan as taken."""
        return self.searchable if self.searchable_id else self.original

    @property
    def filed_filename(self) -> str:
        if not self.searchable_id:
            return self.filename
        return self.filename.rsplit(".", 1)[0][:120] + ".pdf"
