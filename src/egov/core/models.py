"""Shared kernel: agencies, the tamper-evident audit log and content-addressed files."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: QCVN 102 electronic agency code: at most 4 dot-separated groups of digits and capitals, ≤ 35 chars.
AGENCY_CODE_RE = re.compile(r"^[0-9A-Z]+(\.[0-9A-Z]+){0,3}$")


def validate_agency_code(value: str) -> None:
    if len(value) > 35 or not AGENCY_CODE_RE.match(value):
        raise ValidationError(
            _("%(value)s is not a QCVN 102 agency code (e.g. 000.00.00.G01)."),
            params={"value": value},
        )


class AgencyLevel(models.TextChoices):
    CENTRAL = "central", _("Central")
    PROVINCE = "province", _("Province")
    COMMUNE = "commune", _("Commune")


class Agency(models.Model):
    """Cơ quan, tổ chức: a unit with its QCVN 102 electronic identifier code."""

    code = models.CharField(
        _("code"), max_length=35, unique=True, validators=[validate_agency_code]
    )
    name = models.CharField(_("name"), max_length=255)
    name_en = models.CharField(_("English name"), max_length=255, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    level = models.CharField(_("level"), max_length=16, choices=AgencyLevel.choices)
    kind = models.CharField(_("kind"), max_length=40, blank=True)
    #: Sectors ("ngành, lĩnh vực") whose procedures this agency performs at its level.
    sectors = models.JSONField(_("sectors"), default=list, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    #: Giờ tiếp nhận hồ sơ và trả kết quả: when the counter is open, shown on procedure pages.
    opening_hours = models.CharField(_("opening hours"), max_length=255, blank=True)
    opening_hours_en = models.CharField(_("opening hours in English"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def unit_code(self) -> str:
        """The short receiving-unit code used in receipt codes: ``000.00.20.G09`` -> ``G09.20``."""
        groups = [g for g in reversed(self.code.split(".")) if g.strip("0")]
        return ".".join(groups) or self.code

    def display_name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


class AuditEntry(models.Model):
    """One row of the append-only audit log; each row's hash covers the previous row's hash."""

    created_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"#{self.pk} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("audit entries are append-only")


class AuditChainHead(models.Model):
    """A single row locked while appending, so concurrent writers extend the chain one at a time."""

    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.last_hash


class StoredFile(models.Model):
    """A file stored once under its SHA-256; every upload with the same bytes points here."""

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("stored file")

    def __str__(self) -> str:
        return self.sha256

    @property
    def storage_name(self) -> str:
        return f"cas/{self.sha256[:2]}/{self.sha256[2:4]}/{self.sha256}"


class WorkerHeartbeat(models.Model):
    """A task worker that is alive: it renews ``seen_at`` while it runs (``egov.core.worker``).

    A running task whose worker has not been seen for ``TASK_LEASE_SECONDS`` lost its worker
    (killed, out of memory, machine gone) and is taken up again."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("task worker")

    def __str__(self) -> str:
        return self.worker_id


class TaskOrigin(models.Model):
    """The request that queued a background task: the task's log lines carry its request id
    (``egov.core.task_origin``). Removed when the task has finished."""

    task_id = models.CharField(max_length=64, primary_key=True)
    request_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.task_id}:{self.request_id}"


class IdempotencyKey(models.Model):
    """An ``Idempotency-Key`` a user sent with a POST: the request's fingerprint and, once it
    succeeded, its answer, replayed to a retry with the same key and the same request."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    #: SHA-256 of the method, path and body (form fields and file digests for a multipart one).
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="unique_user_idempotency_key")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    #: Claimed by a task that is sending it now (no lock is held while it sends).
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    """One message to one person by one channel (email or SMS): queued by
    ``egov.core.notify.notify`` in the transaction that has something to tell, sent after the
    commit by the task ``egov.core.tasks.deliver_notification``, retried, its outcome recorded."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    channel = models.CharField(max_length=8)  # portal | email | sms
    address = models.CharField(max_length=254)
    #: What it is about, for the part that sent it: a dossier event's kind, "verification_code"…
    topic = models.CharField(max_length=40)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    #: Once per recipient and channel for the same key (a dossier event, a reminder): a retried
    #: caller never reaches a recipient twice.
    key = models.CharField(max_length=100, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    text = models.TextField(blank=True)
    #: The text holds a secret (a verification code): erased once the message is sent or given up.
    secret = models.BooleanField(default=False)
    status = models.CharField(
        max_length=8, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    #: When the person read it in their notification centre (portal channel).
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key", "recipient", "channel"],
                condition=~models.Q(key=""),
                name="one_notification_per_key_recipient_channel",
            )
        ]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["recipient", "channel", "read_at"], name="notification_unread"),
        ]
        verbose_name = _("notification")

    def __str__(self) -> str:
        return f"{self.pk}:{self.channel}:{self.status}"
