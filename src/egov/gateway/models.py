"""The data integration and sharing platform (NDXP nationally, LGSP per ministry or province):
the member systems, the services they offer, who may call what, and the transaction log.

A member is one agency's information system (agency code + system code, X-Road's "subsystem").
It authenticates with OAuth2 client credentials (docs/gateway.md says why not mutual TLS) and
calls the services it is granted, through the proxy. Every call, refused or forwarded, is a row
of the transaction log, whose SHA-256 chain is anchored by RFC 3161 time-stamps."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: ``000.00.31.H26/MOTCUA``: the agency's QCVN 102 code, a slash, the system's own code.
MEMBER_CODE_RE = re.compile(r"^[0-9A-Z.]{3,35}/[A-Z0-9_-]{2,30}$")
SERVICE_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")

validate_member_code = RegexValidator(
    MEMBER_CODE_RE,
    _("A member code is the agency code, a slash and the system code, e.g. 000.00.31.H26/MOTCUA."),
)
validate_service_code = RegexValidator(
    SERVICE_CODE_RE,
    _("A service code has 2 to 63 lower-case letters, digits, dots, dashes or underscores."),
)


class Member(models.Model):
    """An agency's information system joined to the platform (thành viên)."""

    code = models.CharField(
        _("member code"), max_length=70, unique=True, validators=[validate_member_code]
    )
    agency = models.ForeignKey("core.Agency", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("system name"), max_length=255)
    #: The client secret of the OAuth2 client credentials, hashed like a password.
    secret_hash = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("member system")
        verbose_name_plural = _("member systems")

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        if self.agency_id and not self.code.startswith(f"{self.agency.code}/"):
            raise ValidationError({"code": _("The member code must begin with its agency's code.")})


class ServiceKind(models.TextChoices):
    REST = "rest", _("REST service")
    TOPIC = "topic", _("Event topic")


class UpstreamAuth(models.TextChoices):
    NONE = "none", _("None")
    #: ``Authorization: Bearer <the value of the environment variable upstream_secret_env>``.
    BEARER = "bearer", _("Service key (bearer)")
    #: The upstream is another gateway: client credentials (upstream_client_id and the secret
    #: in upstream_secret_env) exchanged for a token at upstream_token_url.
    GATEWAY = "gateway", _("Another gateway (client credentials)")


class Service(models.Model):
    """A service a member offers (dịch vụ chia sẻ dữ liệu): a REST API behind the proxy, or a
    topic of events it publishes."""

    owner = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="services")
    code = models.CharField(_("service code"), max_length=63, validators=[validate_service_code])
    version = models.CharField(_("version"), max_length=20, default="v1")
    kind = models.CharField(_("kind"), max_length=8, choices=ServiceKind.choices, default="rest")
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    upstream_url = models.URLField(_("upstream base URL"), max_length=500, blank=True)
    upstream_auth = models.CharField(
        _("upstream authentication"), max_length=8, choices=UpstreamAuth.choices, default="none"
    )
    #: The name of an environment variable holding the upstream's secret: secrets stay out of
    #: the database.
    upstream_secret_env = models.CharField(
        _("secret's environment variable"), max_length=64, blank=True
    )
    upstream_client_id = models.CharField(
        _("client id at the upstream gateway"), max_length=70, blank=True
    )
    upstream_token_url = models.URLField(
        _("upstream gateway's token URL"), max_length=500, blank=True
    )
    openapi = models.JSONField(_("OpenAPI document"), default=dict, blank=True)
    #: Calls per minute per client member; 0 for no limit.
    quota_per_minute = models.PositiveIntegerField(
        _("quota (calls per minute per client)"), default=600
    )
    timeout_seconds = models.FloatField(_("upstream timeout (seconds)"), default=30)
    is_public = models.BooleanField(_("listed in the public catalogue"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["owner__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "code"], name="unique_service_per_member")
        ]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return f"{self.owner.code}/{self.code}"

    def get_absolute_url(self) -> str:
        agency, system = self.owner.code.split("/", 1)
        return reverse("gateway:service", args=[agency, system, self.code])

    def clean(self) -> None:
        if self.kind == ServiceKind.REST and not self.upstream_url:
            raise ValidationError({"upstream_url": _("A REST service needs its upstream URL.")})
        if self.upstream_auth != UpstreamAuth.NONE and not self.upstream_secret_env:
            raise ValidationError(
                {"upstream_secret_env": _("Name the environment variable holding the secret.")}
            )
        if self.upstream_auth == UpstreamAuth.GATEWAY and not (
            self.upstream_client_id and self.upstream_token_url
        ):
            raise ValidationError(
                {"upstream_token_url": _("A gateway upstream needs a client id and a token URL.")}
            )


class Grant(models.Model):
    """A client member may call a service (or subscribe to a topic) until ``expires_at``."""

    client = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="grants")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="grants")
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "service"], name="unique_grant")]
        verbose_name = _("grant")
        verbose_name_plural = _("grants")

    def __str__(self) -> str:
        return f"{self.client.code} -> {self.service}"


class Transaction(models.Model):
    """One call through the gateway, refused or forwarded: a link of the SHA-256 chain.

    ``hash`` = SHA-256 of the previous row's hash and this row's fields (``txlog.digest``).
    Nothing here names a person: codes, hashes of the bodies, status and timings only."""

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    client = models.CharField(max_length=70, blank=True)
    service = models.CharField(max_length=140, blank=True)
    method = models.CharField(max_length=10)
    status = models.PositiveSmallIntegerField()
    error = models.CharField(max_length=40, blank=True)
    latency_ms = models.FloatField()
    request_sha256 = models.CharField(max_length=64)
    response_sha256 = models.CharField(max_length=64)
    correlation_id = models.CharField(max_length=100, db_index=True)
    node = models.CharField(max_length=100, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["service", "at"]), models.Index(fields=["client", "at"])]
        verbose_name = _("gateway transaction")
        verbose_name_plural = _("gateway transaction log")

    def __str__(self) -> str:
        return f"#{self.seq} {self.client} -> {self.service} {self.status}"


class ChainHead(models.Model):
    """The last link written (one row): batches lock it to append in order from any node."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"head #{self.seq}"


class LogCursor(models.Model):
    """How far the access log of an nginx data plane (``dataplane.ingest``) is in the chain:
    saved in the same transaction as the rows it covers, so each line is appended once."""

    path = models.CharField(max_length=500, unique=True)
    inode = models.BigIntegerField(null=True)
    offset = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.path} @ {self.offset}"


class ChainAnchor(models.Model):
    """An RFC 3161 time-stamp of the chain's hash at ``seq``: the chain up to it existed then,
    and whoever edits, deletes or reorders a row before it can no longer match it."""

    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    token = models.BinaryField()
    stamped_at = models.DateTimeField()

    class Meta:
        ordering = ["seq"]
        verbose_name = _("time-stamp of the transaction log")
        verbose_name_plural = _("time-stamps of the transaction log")

    def __str__(self) -> str:
        return f"#{self.seq} at {self.stamped_at:%Y-%m-%d %H:%M:%S}"


class ArchivedSegment(models.Model):
    """Rows moved out of the table past the retention period, into a JSON Lines file whose
    first row links to ``prev_hash`` and whose last row is ``last_hash``: still verifiable."""

    first_seq = models.BigIntegerField()
    last_seq = models.BigIntegerField()
    prev_hash = models.CharField(max_length=64)
    last_hash = models.CharField(max_length=64)
    path = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    archived_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["first_seq"]

    def __str__(self) -> str:
        return f"#{self.first_seq}-{self.last_seq}"


class Subscription(models.Model):
    """A member's webhook for the events of a topic it is granted (publish/subscribe)."""

    subscriber = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="subscriptions")
    topic = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="subscriptions")
    webhook_url = models.URLField(_("webhook URL"), max_length=500)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "topic"], name="unique_subscription")
        ]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")

    def __str__(self) -> str:
        return f"{self.subscriber.code} <- {self.topic}"


class Event(models.Model):
    """One event a member published on its topic; ``id`` is what subscribers apply once by."""

    id = models.UUIDField(primary_key=True)
    topic = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="events")
    data = models.JSONField(default=dict)
    published_at = models.DateTimeField(default=timezone.now, db_index=True)
    correlation_id = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self) -> str:
        return f"{self.topic}:{self.id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    #: Given up after GATEWAY_EVENT_MAX_ATTEMPTS: on the dead-letter list of both sides.
    DEAD = "dead", _("Dead letter")


class Delivery(models.Model):
    """One event to one subscription: delivered at least once, retried with backoff."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=255, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "subscription"], name="unique_delivery")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"{self.event_id} -> {self.subscription_id}: {self.status}"
