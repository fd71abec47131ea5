"""Payment states, channels and methods."""

import enum
from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentStatus(models.TextChoices):
    CREATED = "created", _("Created")
    PENDING = "pending", _("Waiting for the bank")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")
    REFUNDED = "refunded", _("Refunded")


#: An intent still waiting for its outcome.
OPEN_STATUSES = frozenset({PaymentStatus.CREATED, PaymentStatus.PENDING})
#: States from which a verified success notification settles the payment. An intent that expired
#: on our side, or was reported failed, may still have been paid at the bank: the bank's signed
#: word that the money was taken counts.
SETTLEABLE_STATUSES = frozenset({*OPEN_STATUSES, PaymentStatus.EXPIRED, PaymentStatus.FAILED})


class PaymentChannel(models.TextChoices):
    """The channel the indicators count: online through the portal, or at the agency's counter."""

    ONLINE = "online", _("Online")
    COUNTER = "counter", _("At the counter")


class CounterMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Card (POS)")


class PaymentDue(models.TextChoices):
    AT_SUBMISSION = "at_submission", _("Before the dossier is received")
    BEFORE_RESULT = "before_result", _("Before the result is returned")


#: Vietnamese dong has no minor unit in use.
CURRENCY = "VND"


class Outcome(enum.Enum):
    """What a provider callback did; the provider maps it to its own answer (VNPay RspCode)."""

    SETTLED = "settled"
    FAILED = "failed"
    ALREADY = "already"
    NOT_FOUND = "not_found"
    INVALID_AMOUNT = "invalid_amount"
    INVALID_SIGNATURE = "invalid_signature"


#: Expiry runs a little after the deadline, so that a notification sent at the last second
#: lands first.
EXPIRY_GRACE = timedelta(minutes=1)
