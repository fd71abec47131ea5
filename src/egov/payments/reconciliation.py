"""Đối soát: compare the platform's online payments with a provider's statement (CSV).

The statement has one row per transaction with the columns ``reference`` (our order reference,
vnp_TxnRef), ``transaction`` (the provider's number), ``amount`` (VND), ``status`` (``paid``,
``failed`` or ``refunded``) and ``paid_at`` (ISO 8601). Every difference is listed: a transaction
missing on either side, a different amount, or a different status."""

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import IO

from egov.core.calendar import VIETNAM

from .constants import PaymentStatus
from .models import Payment

COLUMNS = ("reference", "transaction", "amount", "status", "paid_at")
STATEMENT_STATUSES = {"paid", "failed", "refunded"}


@dataclass(frozen=True)
class StatementRow:
    reference: str
    transaction: str
    amount: int
    status: str


@dataclass(frozen=True)
class Difference:
    kind: str  # missing_on_platform | missing_at_provider | amount_mismatch | status_mismatch
    reference: str
    platform: str  # what the platform holds ("" when missing)
    provider: str  # what the statement says ("" when missing)

    def __str__(self) -> str:
        return f"{self.kind}\t{self.reference}\tplatform={self.platform or '-'}\tprovider={self.provider or '-'}"


class StatementError(ValueError):
    """The statement file cannot be read; names the line and the problem."""


def read_statement(stream: IO[str]) -> list[StatementRow]:
    reader = csv.DictReader(stream)
    missing = set(COLUMNS[:4]) - set(reader.fieldnames or [])
    if missing:
        raise StatementError(f"line 1: missing columns {sorted(missing)}")
    rows = []
    for number, raw in enumerate(reader, start=2):
        amount, status = (raw["amount"] or "").strip(), (raw["status"] or "").strip().lower()
        if not amount.isdigit():
            raise StatementError(f"line {number}: amount must be a whole number of dong")
        if status not in STATEMENT_STATUSES:
            raise StatementError(
                f"line {number}: status must be one of {sorted(STATEMENT_STATUSES)}"
            )
        rows.append(
            StatementRow(
                reference=raw["reference"].strip(),
                transaction=(raw.get("transaction") or "").strip(),
                amount=int(amount),
                status=status,
            )
        )
    return rows


def _platform_status(payment: Payment) -> str:
    """The statement's word for what the platform holds."""
    words: dict[str, str] = {PaymentStatus.PAID: "paid", PaymentStatus.REFUNDED: "refunded"}
    return words.get(payment.status, payment.status)


def reconcile(
    rows: Iterable[StatementRow], provider: str, start: date, end: date
) -> list[Difference]:
    """Every difference between the statement ``rows`` of ``provider`` for the days ``start`` to
    ``end`` (Vietnamese time, inclusive) and the platform's payments."""
    rows = list(rows)
    since = datetime.combine(start, time.min, tzinfo=VIETNAM)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=VIETNAM)
    listed = {row.reference for row in rows}
    known = {
        payment.reference: payment
        for payment in Payment.objects.filter(method=provider, reference__in=listed)
    }
    differences = []
    for row in rows:
        payment = known.get(row.reference)
        if payment is None:
            differences.append(Difference("missing_on_platform", row.reference, "", row.status))
            continue
        if payment.amount != row.amount:
            differences.append(
                Difference("amount_mismatch", row.reference, str(payment.amount), str(row.amount))
            )
        if _platform_status(payment) != row.status and not (
            row.status == "failed"
            and payment.status in (PaymentStatus.EXPIRED, PaymentStatus.FAILED)
        ):
            differences.append(
                Difference("status_mismatch", row.reference, _platform_status(payment), row.status)
            )
    settled = Payment.objects.filter(
        method=provider,
        status__in=(PaymentStatus.PAID, PaymentStatus.REFUNDED),
        paid_at__gte=since,
        paid_at__lt=until,
    ).exclude(reference__in=listed)
    differences += [
        Difference("missing_at_provider", payment.reference, _platform_status(payment), "")
        for payment in settled.order_by("paid_at", "pk")
    ]
    return differences
