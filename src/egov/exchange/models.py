"""The document interconnection axis ("Trục liên thông văn bản"): official documents an agency
sends and receives, the edXML envelopes that carry them and their statuses, the durable outbox
that delivers them, and the address book that says which deployment serves which agency."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .constants import DOCUMENT_TYPES, PRIORITIES, STATUS_LABELS

# --- the address book ----------------------------------------------------------------------------


class Node(models.Model):
    """Another deployment on the axis: an agency's node, or a hub (the national axis) that stores
    and forwards. Each link has one shared secret, named here by its environment variable."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    #: Where it receives envelopes: ``{url}`` is POSTed to (``/api/v1/exchange/envelopes``).
    url = models.URLField(_("envelope endpoint"), max_length=300)
    secret_env = models.CharField(_("secret environment variable"), max_length=64)
    is_hub = models.BooleanField(_("hub"), default=False)

    class Meta:
        verbose_name = _("axis node")
        verbose_name_plural = _("axis nodes")

    def __str__(self) -> str:
        return self.code


class Route(models.Model):
    """An agency served by another node. An agency of this deployment has no route; one that is
    in neither goes to the hub."""

    agency_code = models.CharField(_("agency code"), max_length=35, unique=True)
    agency_name = models.CharField(_("agency name"), max_length=200)
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="routes")

    class Meta:
        ordering = ["agency_code"]
        verbose_name = _("route")
        verbose_name_plural = _("address book")

    def __str__(self) -> str:
        return f"{self.agency_code} -> {self.node_id}"


# --- envelopes and the outbox --------------------------------------------------------------------


class EnvelopeKind(models.TextChoices):
    DOCUMENT = "document", pgettext_lazy("official document", "Document")
    STATUS = "status", _("Status")


class Envelope(models.Model):
    """One edXML message, byte for byte as signed. Its bytes are a stored file like every other
    file: at the axis' volume (12 million documents a year, 200 KB and more each) they belong in
    the file storage, not in the primary database, its log, its replicas and its backups. Sent
    ones are built once; received ones are stored once per ``key`` (``edxml.message_key``)
    however many times they arrive."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key = models.CharField(max_length=64)
    incoming = models.BooleanField()
    kind = models.CharField(max_length=10, choices=EnvelopeKind.choices)
    sender_code = models.CharField(max_length=35)
    #: The node it came from ("" when built here or imported by hand).
    from_node = models.CharField(max_length=40, blank=True)
    file = models.ForeignKey("core.StoredFile", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # Received envelopes are applied once per key; sent ones may repeat a key (the same
        # status sent twice within a second), as the receiver keeps one of them.
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(incoming=True), name="unique_received_envelope"
            )
        ]
        indexes = [models.Index(fields=["key"], name="exchange_envelope_key")]
        verbose_name = _("envelope")
        verbose_name_plural = _("envelopes")

    def __str__(self) -> str:
        return f"{self.kind}:{self.key[:12]}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Being delivered")
    DELIVERED = "delivered", pgettext_lazy("official document", "Delivered")
    #: Given up after EXCHANGE_DEAD_AFTER: shown to the clerk with the reason, retried by hand.
    DEAD = "dead", _("Not delivered")


class Delivery(models.Model):
    """The outbox: one envelope to one node (or to this deployment, ``node`` empty), at least
    once, retried with exponential backoff until it is acknowledged or declared dead."""

    envelope = models.ForeignKey(Envelope, on_delete=models.CASCADE, related_name="deliveries")
    node = models.ForeignKey(
        Node, on_delete=models.PROTECT, null=True, blank=True, related_name="deliveries"
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["envelope", "node"], name="unique_exchange_delivery"),
            models.UniqueConstraint(
                fields=["envelope"], condition=Q(node__isnull=True), name="unique_local_delivery"
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name = pgettext_lazy("official document", "delivery")
        verbose_name_plural = _("outbox")

    def __str__(self) -> str:
        return f"{self.envelope_id} -> {self.node_id or 'local'}: {self.status}"


# --- documents -----------------------------------------------------------------------------------


class DocumentState(models.TextChoices):
    # outgoing
    DRAFT = "draft", pgettext_lazy("official document", "Draft")
    SENT = "sent", _("Issued and sent")
    WITHDRAWN = "withdrawn", _("Recalled by the sender")
    # incoming: the QCVN 102 status the recipient last sent
    ARRIVED = "01", STATUS_LABELS["01"]
    REFUSED = "02", STATUS_LABELS["02"]
    ACCEPTED = "03", STATUS_LABELS["03"]
    WAITING = "04", STATUS_LABELS["04"]
    PROCESSING = "05", STATUS_LABELS["05"]
    COMPLETED = "06", STATUS_LABELS["06"]
    RECALLED = "13", STATUS_LABELS["13"]


class Business(models.IntegerChoices):
    """edXML ``Bussiness/BussinessDocType``."""

    NEW = 0, _("New document")
    REVOKE = 1, _("Recall")
    UPDATE = 2, _("Update")
    REPLACE = 3, _("Replacement")


class Document(models.Model):
    """Văn bản: an official document an agency sends (outgoing) or received (incoming; one row
    per recipient agency of this deployment)."""

    agency = models.ForeignKey("core.Agency", on_delete=models.PROTECT, related_name="+")
    incoming = models.BooleanField(_("incoming"))
    state = models.CharField(_("state"), max_length=10, choices=DocumentState.choices)
    business = models.PositiveSmallIntegerField(choices=Business.choices, default=Business.NEW)
    #: The document this one answers (ResponseFor), updates or replaces, when it is known here.
    related = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="followers"
    )
    #: ResponseFor as written in the envelope (kept when the document it names is not here).
    response_for = models.JSONField(default=dict, blank=True)
    # number and notation ("số, ký hiệu")
    series = models.CharField(_("series"), max_length=20, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    code_number = models.CharField(_("number"), max_length=11, blank=True)
    code_notation = models.CharField(_("notation"), max_length=30, blank=True)
    #: The issuing agency's abbreviation in a notation (``UBND`` in ``123/QĐ-UBND``).
    issuer_abbreviation = models.CharField(_("agency abbreviation"), max_length=12, blank=True)
    #: The drafting unit in a notation (``TTĐT`` in ``7816/VPCP-TTĐT``).
    drafting_unit = models.CharField(_("drafting unit"), max_length=12, blank=True)
    document_id = models.CharField(_("edXML document id"), max_length=120, blank=True)
    doc_type = models.PositiveSmallIntegerField(
        pgettext_lazy("official document", "document type"),
        choices=[(t.code, t.name) for t in DOCUMENT_TYPES],
    )
    subject = models.CharField(pgettext_lazy("official document", "subject"), max_length=500)
    summary = models.CharField(
        pgettext_lazy("official document", "summary"), max_length=500, blank=True
    )
    signer_competence = models.CharField(_("signing competence"), max_length=100, blank=True)
    signer_position = models.CharField(_("signer's position"), max_length=100, blank=True)
    signer_name = models.CharField(_("signer"), max_length=50, blank=True)
    place = models.CharField(_("place of promulgation"), max_length=50, blank=True)
    promulgated_on = models.DateField(_("date of promulgation"), null=True, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=list(PRIORITIES.items()), default=0
    )
    due_date = models.DateField(
        pgettext_lazy("official document", "due date"), null=True, blank=True
    )
    # the other side
    sender_code = models.CharField(_("sender"), max_length=35)
    sender_name = models.CharField(_("sender's name"), max_length=200, blank=True)
    envelope = models.ForeignKey(
        Envelope, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    #: Incoming: what checking the envelope's XML signature found ("valid", or the reason).
    signature = models.CharField(_("signature"), max_length=40, blank=True)
    #: Incoming: a recall, update or replacement the sender asked for and the clerk must answer.
    pending_request = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recall_requested = models.BooleanField(default=False)
    assigned_department = models.CharField(_("department"), max_length=120, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("official document", "assigned to"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    #: Subject and summary without diacritics, lower case: the registers' search.
    search_text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "year", "code_number", "code_notation"],
                condition=Q(incoming=False, number__isnull=False),
                name="unique_document_number",
            ),
            models.UniqueConstraint(
                fields=["agency", "envelope"],
                condition=Q(incoming=True),
                name="unique_incoming_envelope",
            ),
        ]
        indexes = [models.Index(fields=["agency", "incoming", "created_at"])]
        verbose_name = _("official document")
        verbose_name_plural = _("official documents")

    def __str__(self) -> str:
        return self.code or f"#{self.pk}"

    @property
    def code(self) -> str:
        """``số/ký hiệu``: ``123/QĐ-UBND``."""
        return f"{self.code_number}/{self.code_notation}" if self.code_number else ""


class Attachment(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="attachments")
    file = models.ForeignKey("core.StoredFile", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=255)
    content_type = models.CharField(max_length=100)
    description = models.CharField(_("description"), max_length=250, blank=True)
    #: The signed main file (PAdES) rather than an appendix.
    is_main = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


class Recipient(models.Model):
    """One recipient of an outgoing document, with the last status it sent back."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="recipients")
    agency_code = models.CharField(_("agency code"), max_length=35)
    agency_name = models.CharField(_("agency"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=2, blank=True)
    status_at = models.DateTimeField(null=True, blank=True)
    status_note = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "agency_code"], name="unique_recipient")
        ]
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.agency_code}:{self.status or '-'}"

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, _("Being delivered")))


#: What a ``DocumentEvent.action`` means to the people reading the history.
ACTIONS = {
    "composed": _("Draft written"),
    "issued": _("Issued and sent"),
    "arrived": _("Arrived"),
    "status_sent": _("Status sent to the sender"),
    "status_received": _("Status received from a recipient"),
    "recalled": _("Recall sent"),
    "recall_requested": _("The sender asks to recall it"),
}


class DocumentEvent(models.Model):
    """What happened to a document, appended, never changed: composed, issued, a status sent
    or received, assigned, recalled."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=30)
    status_code = models.CharField(max_length=2, blank=True)
    #: For a status received: the agency that sent it.
    organ_id = models.CharField(max_length=35, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    #: The Status envelope that carried it, once per envelope.
    envelope = models.ForeignKey(
        Envelope, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["action", "at"])]

    def __str__(self) -> str:
        return f"{self.document_id}:{self.action}"

    @property
    def label(self) -> str:
        text = str(ACTIONS.get(self.action, self.action))
        if self.status_code:
            text += f" — {self.status_code} {STATUS_LABELS.get(self.status_code, '')}"
        return text


class NumberSequence(models.Model):
    """The running number of an agency's series in one calendar year (Decree 30/2020 art. 15)."""

    agency = models.ForeignKey("core.Agency", on_delete=models.CASCADE, related_name="+")
    series = models.CharField(max_length=20, blank=True)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "series", "year"], name="unique_number_sequence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.series}:{self.year}:{self.last}"
