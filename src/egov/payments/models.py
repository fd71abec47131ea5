"""Payments of fees ("phí, lệ phí"), their append-only events, claimed reductions and receipts."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .constants import CURRENCY, PaymentChannel, PaymentStatus


class FeeClaim(models.Model):
    """The applicant's declaration of belonging to a group the procedure exempts or reduces
    ("đề nghị miễn, giảm"), with its proof among the dossier's components."""

    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.CASCADE, related_name="fee_claims"
    )
    reduction = models.CharField(max_length=40)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dossier", "reduction"], name="one_claim_per_reduction")
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}:{self.reduction}"


class Payment(models.Model):
    """One payment of a dossier's fees: an online intent at a provider, or a counter payment.

    ``reference`` is the order reference the provider sees (vnp_TxnRef); ``lines`` is the fee
    breakdown the payer was shown, kept as it was.

    A **group payment** pays the fees of several dossiers at once, some not filed yet (an
    interconnected application): it has no dossier, ``purpose`` names what it pays for, and each
    line names its ``share``. Each share becomes a paid payment of its dossier (``group_payment``
    and ``share`` set), with its agency's receipt, when that dossier is filed; a share never
    used is refunded (a ``share_refunded`` event of the group payment)."""

    reference = models.CharField(max_length=32, unique=True)
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        on_delete=models.PROTECT,
        related_name="payments",
        null=True,
        blank=True,
    )
    purpose = models.CharField(max_length=48, blank=True)
    #: Where the payer of a group payment goes back to (the dossier's page otherwise).
    back_url = models.CharField(max_length=200, blank=True)
    group_payment = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    share = models.CharField(max_length=40, blank=True)
    channel = models.CharField(max_length=10, choices=PaymentChannel.choices)
    #: The provider (sandbox, vnpay) for online payments; cash or card at the counter.
    method = models.CharField(max_length=20)
    status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.CREATED
    )
    amount = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3, default=CURRENCY)
    lines = models.JSONField(default=list)
    payer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    #: The provider's own transaction number (vnp_TransactionNo), once known.
    provider_transaction = models.CharField(max_length=64, blank=True)
    #: Biên lai điện tử: series symbol and number, given when paid.
    receipt_series = models.CharField(max_length=20, blank=True)
    receipt_number = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["dossier", "status"]),
            models.Index(fields=["status", "expires_at"]),
            models.Index(fields=["method", "created_at"]),
            models.Index(fields=["purpose"], condition=~models.Q(purpose=""), name="group_purpose"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["receipt_series", "receipt_number"],
                condition=models.Q(receipt_number__isnull=False),
                name="unique_receipt_number",
            ),
            models.UniqueConstraint(
                fields=["group_payment", "share"],
                condition=models.Q(group_payment__isnull=False),
                name="one_allocation_per_share",
            ),
            models.CheckConstraint(
                condition=models.Q(dossier__isnull=False) | ~models.Q(purpose=""),
                name="payment_of_a_dossier_or_a_purpose",
            ),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.reference

    @property
    def order_label(self) -> str:
        """What the order is for, as the provider shows it: the dossier or the application."""
        if self.dossier is None:
            return self.purpose
        return self.dossier.code or str(self.dossier_id)

    @property
    def receipt_label(self) -> str:
        return f"{self.receipt_series} {self.receipt_number:07d}" if self.receipt_number else ""


class PaymentEvent(models.Model):
    """An append-only row for each state change or refused callback of a payment."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.payment_id}:{self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("payment events are append-only")
        super().save(*args, **kwargs)


class ReceiptSeries(models.Model):
    """The running number of one agency's electronic receipts in one year (Ký hiệu, Số)."""

    agency = models.ForeignKey("core.Agency", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "year"], name="one_receipt_series_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.year}:{self.last}"
