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
    DeliveryMethod,
    EventKind,
    NationalStatus,
    PostalStatus,
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
    #: Why the processing official recorded that the dossier needs verification, which gave it
    #: the procedure's longer legal time (once: empty until then).
    verification_reason = models.TextField(blank=True)
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


class Delivery(models.Model):
    """Hình thức nhận kết quả: how the applicant receives the result (online, at the counter,
    or by public postal service), and for the post the recipient, the quoted fee and the
    consignment. A dossier without one receives its result online."""

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="delivery")
    method = models.CharField(
        _("how to receive the result"),
        max_length=10,
        choices=DeliveryMethod.choices,
        default=DeliveryMethod.ONLINE,
    )
    recipient_name = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=15, blank=True)
    street = models.CharField(max_length=200, blank=True)
    #: The commune and province as written on the parcel; their agency codes when chosen from
    #: the agency tree (empty for free text).
    commune = models.CharField(max_length=100, blank=True)
    commune_code = models.CharField(max_length=35, blank=True)
    province = models.CharField(max_length=100, blank=True)
    province_code = models.CharField(max_length=35, blank=True)
    #: The provider that quoted the fee and carries the consignment (POSTAL_PROVIDER then).
    provider = models.CharField(max_length=20, blank=True)
    #: Cước: the postal fee the provider quoted, paid with the dossier's fees (VND).
    postal_fee = models.PositiveIntegerField(default=0)
    chosen_at = models.DateTimeField(default=timezone.now)
    #: The order code egov books under: the provider answers a repeated booking with the same
    #: consignment, so a retried booking never books twice.
    order_code = models.CharField(max_length=40, blank=True)
    consignment = models.CharField(max_length=40, blank=True)
    postal_status = models.CharField(
        max_length=12, choices=PostalStatus.choices, default=PostalStatus.WAITING
    )
    #: When the provider says the current status happened (the order of its callbacks).
    status_at = models.DateTimeField(null=True, blank=True)
    booking_attempts = models.PositiveSmallIntegerField(default=0)
    booking_error = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "consignment"],
                condition=~models.Q(consignment=""),
                name="unique_consignment_per_provider",
            )
        ]
        verbose_name = _("delivery of the result")

    def __str__(self) -> str:
        return f"{self.dossier_id}:{self.method}"

    @property
    def address(self) -> str:
        return ", ".join(part for part in (self.street, self.commune, self.province) if part)


class PostalCallback(models.Model):
    """Every status callback a postal provider sent that egov verified, once per event id (a
    replay is refused), applied or not (an older status arriving after a newer one is kept but
    changes nothing)."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="callbacks")
    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=PostalStatus.choices)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    applied = models.BooleanField(default=False)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="one_postal_callback_per_event"
            )
        ]
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id}"
