"""Dossiers ("hồ sơ"), their components and their event history."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .constants import (
    RUNNING_STATUSES,
    Channel,
    ComponentSource,
    EventKind,
    NationalStatus,
    Satisfaction,
    Status,
    awaiting_payment,
    national_status,
)


class Dossier(models.Model):
    """Hồ sơ thủ tục hành chính: one application for one procedure version at one agency."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # NULL until submitted, so that many drafts do not collide on the unique receipt code.
    code = models.CharField(_("receipt code"), max_length=48, null=True, blank=True)  # noqa: DJ001
    procedure = models.ForeignKey("catalog.Procedure", on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("core.Agency", on_delete=models.PROTECT, related_name="dossiers")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="dossiers"
    )
    #: When the applicant acts for an organisation, the dossier is the organisation's.
    organisation = models.ForeignKey(
        "identity.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dossiers",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.DRAFT
    )
    form_data = models.JSONField(default=dict, blank=True)
    #: Form fields filled in from a base registry when the draft was opened, and which one
    #: ({"full_name": "population_registry"}): the form says where they came from.
    prefill_sources = models.JSONField(default=dict, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    #: A later date promised in an apology slip ("phiếu xin lỗi và hẹn lại ngày trả kết quả").
    promised_at = models.DateTimeField(null=True, blank=True)
    #: While a supplement is awaited the clock stops: the moment it stopped and the status to go back to.
    clock_stopped_at = models.DateTimeField(null=True, blank=True)
    resume_status = models.CharField(max_length=24, blank=True)
    supplement_reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    #: The unsigned result the processor proposed ("dự thảo"): what the approver previews, and
    #: exactly what is signed on approval; produced by the records part.
    result_draft = models.ForeignKey(
        "core.StoredFile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    result_file = models.ForeignKey(
        "core.StoredFile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    result_note = models.TextField(blank=True)
    decision_reason = models.TextField(blank=True)
    rating = models.PositiveSmallIntegerField(choices=Satisfaction.choices, null=True, blank=True)
    rating_comment = models.TextField(blank=True)
    #: The lifecycle step that unpaid fees hold back ("receive" or "return_result"), as the
    #: payments part last requested through ``services.request_payment``; empty when nothing is
    #: owed. The national status 6 ("payment requested") is derived from it.
    payment_held_step = models.CharField(max_length=20, blank=True, default="")
    #: Raised on every transition: a page posted from a stale view is refused.
    version = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "code"], name="unique_receipt_code_per_agency"
            )
        ]
        indexes = [
            models.Index(fields=["agency", "status", "submitted_at"]),
            # The queue's due_soon and overdue filters: a status list and a due-date range.
            models.Index(fields=["agency", "status", "due_at"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["applicant", "created_at"]),
            models.Index(fields=["code"]),
            # The queue's default view, newest first, read in index order without a sort.
            models.Index(
                fields=["agency", "-submitted_at", "-id"],
                condition=~models.Q(status=Status.DRAFT),
                name="dossier_queue_idx",
            ),
        ]
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")

    def __str__(self) -> str:
        return self.code or f"draft {self.uuid}"

    @property
    def awaiting_payment(self) -> bool:
        """Its unpaid fees hold back the next step (national status 6)."""
        return awaiting_payment(self.status, self.payment_held_step)

    @property
    def national_status(self) -> NationalStatus | None:
        return national_status(self.status, self.awaiting_payment)

    @property
    def is_overdue(self) -> bool:
        """Derived: the legal clock runs and its deadline has passed."""
        return bool(
            self.status in RUNNING_STATUSES and self.due_at and timezone.now() > self.due_at
        )

    @property
    def returned_late(self) -> bool:
        return bool(self.finished_at and self.due_at and self.finished_at > self.due_at)


class DossierComponent(models.Model):
    """One document of a dossier, for one component of the procedure, with its intake check."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="components")
    code = models.CharField(max_length=40)
    file = models.ForeignKey("core.StoredFile", on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=128)
    source = models.CharField(
        max_length=12, choices=ComponentSource.choices, default=ComponentSource.UPLOAD
    )
    #: The id of the repository document this file is (reused by the applicant, or filed when
    #: digitised), set only by :func:`~egov.dossiers.services.attach_document` and
    #: :func:`~egov.dossiers.services.record_digitisation`. A plain reference: the repository
    #: part depends on dossiers, not the other way, and keeps the link with its integrity
    #: (``repository.ComponentDocument``).
    repository_document_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    uploaded_at = models.DateTimeField(default=timezone.now)
    #: The receiving official's check at intake: None not yet checked, True valid, False not.
    checked = models.BooleanField(null=True, blank=True)
    check_note = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dossier", "code"], name="one_file_per_component")
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.dossier_id}:{self.code}"


class DossierEvent(models.Model):
    """An append-only row for each state change of a dossier: who, when, what."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["dossier", "at"])]

    def __str__(self) -> str:
        return f"{self.dossier_id}:{self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("dossier events are append-only")
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        return str(EventKind(self.kind).label) if self.kind in EventKind.values else self.kind


class ReceiptSequence(models.Model):
    """The running receipt number of one receiving unit."""

    agency = models.OneToOneField("core.Agency", on_delete=models.CASCADE, related_name="+")
    last = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.last}"
