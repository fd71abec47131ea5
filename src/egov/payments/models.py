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
    breakdown the payer was shown, kept as it was."""

    reference = models.CharField(max_length=32, unique=True)
    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="payments"
    )
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
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["receipt_series", "receipt_number"],
                condition=models.Q(receipt_number__isnull=False),
                name="unique_receipt_number",
            )
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.reference

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
