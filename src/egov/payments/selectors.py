"""Reads of the payments part, each through the dossier permission layer."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from egov.core import audit
from egov.dossiers import access

from .models import Payment


def access_payment(user: Any, reference: str) -> Payment:
    """The payment if ``user`` may see its dossier (the payer, the applicant, the officials of the
    dossier's agency), or, for a group payment, is its payer; else Http404 whether or not it
    exists; refusals are audited."""
    payment = (
        Payment.objects.select_related(
            "dossier__procedure",
            "dossier__agency__parent",
            "dossier__applicant",
            "dossier__organisation",
            "payer",
            "recorded_by",
        )
        .filter(reference=reference)
        .first()
    )
    if payment is None:
        raise Http404
    if payment.dossier is None:
        # A group payment: its payer only (each share's dossier shows its own payment).
        if payment.payer_id != getattr(user, "pk", None):
            audit.record(
                "permission_denied",
                actor=user if getattr(user, "is_authenticated", False) else None,
                object_type="payment",
                object_id=payment.reference,
                data={"action": "view_payment"},
            )
            raise Http404
        return payment
    if not access.can_view(user, payment.dossier):
        access.record_denial(user, "view_payment", payment.dossier.pk)
        raise Http404
    return payment


def payments_of(dossier_id: int) -> QuerySet[Payment]:
    """A dossier's payments, newest first (the caller has checked access to the dossier)."""
    return Payment.objects.filter(dossier_id=dossier_id).select_related("recorded_by")
