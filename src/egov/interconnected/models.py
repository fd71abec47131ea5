"""Interconnected applications (Decree 63/2024): one application for a procedure group, and one
part per member procedure, each a dossier at its own agency (here, or on another deployment)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .constants import ApplicationStatus, PartState


class Activation(models.Model):
    """A province runs a group ("triển khai"): from when, and which agency performs each member
    for each place the first member is filed at; a member may be performed on another
    deployment, reached through the data-sharing gateway as ``remote`` service."""

    group_code = models.CharField(_("group"), max_length=20)
    province = models.ForeignKey("core.Agency", on_delete=models.PROTECT, related_name="+")
    since = models.DateField(_("since"))
    #: {place agency code: {member procedure code: performing agency code}}
    routes = models.JSONField(default=dict)
    #: {member procedure code: gateway service (agency/system/code) of the deployment performing it}
    remote = models.JSONField(default=dict, blank=True)
    #: The province's code in personal ID numbers, for the births registered here.
    id_province = models.CharField(max_length=3, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group_code", "province"], name="one_activation")
        ]
        verbose_name = _("group activation")
        verbose_name_plural = _("group activations")

    def __str__(self) -> str:
        return f"{self.group_code}@{self.province_id}"


class Application(models.Model):
    """Hồ sơ liên thông: what the applicant filed once, and the group's own deadline."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("tracking code"), max_length=48, unique=True)
    group = models.ForeignKey("catalog.ProcedureGroup", on_delete=models.PROTECT, related_name="+")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications"
    )
    #: Where the first member is filed (the commune), which routes the others.
    place = models.ForeignKey("core.Agency", on_delete=models.PROTECT, related_name="+")
    members = models.JSONField(default=list)
    form_data = models.JSONField(default=dict)
    #: Numbers issued on the way ({"child_personal_id": "001226012345"}).
    issued = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.PROCESSING,
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(_("due"))
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["applicant", "submitted_at"])]
        verbose_name = _("interconnected application")
        verbose_name_plural = _("interconnected applications")

    def __str__(self) -> str:
        return self.code

    @property
    def returned_late(self) -> bool:
        return bool(self.finished_at and self.finished_at > self.due_at)


class Part(models.Model):
    """Hồ sơ thành phần: one member of an application, a dossier at its agency once the results
    it waits for exist. Kept in step with the dossier's events (or, for a dossier on another
    deployment, with the events it publishes)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="parts")
    #: Names the part to another deployment: its idempotency key there, and in its events.
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    procedure_code = models.CharField(max_length=20)
    position = models.PositiveSmallIntegerField()
    agency = models.ForeignKey("core.Agency", on_delete=models.PROTECT, related_name="+")
    #: The gateway service of the deployment performing it; empty when it is performed here.
    remote_service = models.CharField(max_length=200, blank=True)
    waits_for = models.JSONField(default=list)
    state = models.CharField(max_length=12, choices=PartState.choices, default=PartState.WAITING)
    #: The dossier here (a plain reference: the dossiers part does not know applications).
    dossier_id = models.BigIntegerField(null=True, blank=True, unique=True)
    receipt_code = models.CharField(max_length=48, blank=True)
    dossier_status = models.CharField(max_length=24, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    #: Why it stopped, or why it could not start; what a supplement asks.
    note = models.TextField(blank=True)
    #: The signed result in the applicant's repository, once filed.
    result_document_id = models.BigIntegerField(null=True, blank=True)
    #: A remote part: when its dossier was first handed to the other deployment, and the
    #: sequence of the last of its events applied (older ones arriving late are ignored).
    sent_at = models.DateTimeField(null=True, blank=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    remote_sequence = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["application", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "procedure_code"], name="one_part_per_member"
            )
        ]
        verbose_name = _("application part")
        verbose_name_plural = _("application parts")

    def __str__(self) -> str:
        return f"{self.application_id}:{self.procedure_code}"


class ApplicationFile(models.Model):
    """A component the applicant provided once for the whole application."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="files")
    code = models.CharField(max_length=40)
    file = models.ForeignKey("core.StoredFile", on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=128)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "code"], name="one_file_per_code")
        ]

    def __str__(self) -> str:
        return f"{self.application_id}:{self.code}"


class ApplicationEvent(models.Model):
    """Append-only: what happened to an application and its parts."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32)
    part = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id}:{self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("application events are append-only")
        super().save(*args, **kwargs)


class Sequence(models.Model):
    """The running number of the applications filed at one place."""

    place = models.OneToOneField("core.Agency", on_delete=models.CASCADE, related_name="+")
    last = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.place_id}:{self.last}"


class Intake(models.Model):
    """A member's dossier another deployment handed to this one through the gateway: filed here
    once per key, its events published back on ``INTERCONNECTED_STATUS_TOPIC``."""

    key = models.UUIDField(unique=True)
    #: The gateway member that handed it over (X-Egov-Client).
    client = models.CharField(max_length=100)
    application_code = models.CharField(max_length=48)
    dossier_id = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"intake {self.key}"


class Subscription(models.Model):
    """A topic of another deployment this one follows, and the key its webhooks are signed
    with (given by the gateway when subscribing: ``manage.py subscribe_interconnected``)."""

    topic = models.CharField(max_length=200, unique=True)
    signing_secret = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.topic


class ReceivedEvent(models.Model):
    """An event from another deployment, applied once however often it is delivered."""

    id = models.UUIDField(primary_key=True)
    topic = models.CharField(max_length=200)
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return str(self.id)
