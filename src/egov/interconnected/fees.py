"""Fees paid once: the application's one payment of its members' fees.

The applicant pays every member's fees in one online payment (a group payment of the payments
part). Each member's share becomes a paid payment of its dossier, with its agency's receipt, when
that dossier is filed (before it is submitted, so it never asks for them); a member that is
never filed has its share refunded (``services.settle_fees``). A member performed on another
deployment is paid there, on its own dossier; so is a member whose dossier already has a payment.
"""

from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from egov.catalog import groups as catalog_groups
from egov.core.errors import NotFound, WrongState
from egov.core.queue import enqueue_with_commit, task_named
from egov.dossiers.models import Dossier
from egov.identity.models import User
from egov.payments import services as payments_services
from egov.payments.constants import OPEN_STATUSES, PaymentStatus
from egov.payments.fees import compute_fees
from egov.payments.models import Payment

from . import services
from .constants import ENDED, ApplicationStatus
from .models import Application, Part


def _pays_here(part: Part, paid_dossiers: set[int]) -> bool:
    return (
        not part.remote_service
        and part.state not in ENDED
        and (part.dossier_id is None or part.dossier_id not in paid_dossiers)
    )


def shares(application: Application) -> list[payments_services.Share]:
    """Each member's fees the application pays once: of the members performed here, not ended,
    whose dossier (when filed) has no payment yet; fees computed as their dossiers will be."""
    parts = list(application.parts.all())
    filed = [part.dossier_id for part in parts if part.dossier_id]
    paid_dossiers = set(
        Payment.objects.filter(dossier_id__in=filed).values_list("dossier_id", flat=True)
    )
    definition = services.definition_of(application.group)
    procedures = services.member_procedures(application.group)
    values = {**application.form_data, **application.issued}
    found = []
    for part in parts:
        if not _pays_here(part, paid_dossiers):
            continue
        procedure = procedures[part.procedure_code].definition
        if part.dossier_id is not None:
            form_data = Dossier.objects.get(pk=part.dossier_id).form_data
        else:
            member = definition.member(part.procedure_code)
            form_data = catalog_groups.member_data(member, procedure, values)
        breakdown = compute_fees(procedure, channel="online", form_data=form_data)
        if breakdown.total:
            found.append(payments_services.Share(part.procedure_code, breakdown.as_json()))
    return found


def pay(
    application_id: int, payer: User, *, return_url: str, client_ip: str
) -> tuple[Payment, str]:
    """Open the application's one payment at the provider (the applicant only, while it is
    being processed); the address to send the payer to."""
    with transaction.atomic():
        application = (
            Application.objects.select_for_update()
            .select_related("group")
            .filter(pk=application_id, applicant=payer)
            .first()
        )
        if application is None:
            raise NotFound(_("Application not found."))
        if application.status != ApplicationStatus.PROCESSING:
            raise WrongState(_("This application is finished; its fees can no longer be paid."))
        return payments_services.start_group_payment(
            payer,
            application.code,
            shares(application),
            back_url=reverse("interconnected:application", args=[application.pk]),
            return_url=return_url,
            client_ip=client_ip,
        )


def after_paid(payment: Payment) -> None:
    """The ``payments.group_paid`` hook: the application's shares go to its filed dossiers."""
    application_id = (
        Application.objects.filter(code=payment.purpose).values_list("pk", flat=True).first()
    )
    if application_id is not None:
        enqueue_with_commit(task_named(services.ADVANCE), application_id)


@dataclass
class ShareRow:
    part: Part
    amount: int
    allocation: Payment | None
    refunded: bool


@dataclass
class Fees:
    """What the application's page says about its fees."""

    #: The paid group payment, or the open one, or None.
    payment: Payment | None
    rows: list[ShareRow]
    #: What the applicant would pay now (nothing paid yet).
    due: list[payments_services.Share]

    @property
    def due_total(self) -> int:
        return sum(share.amount for share in self.due)


def fees_of(application: Application) -> Fees:
    latest = payments_services.group_payments(application.code).order_by("-created_at").first()
    if latest is None or latest.status not in (PaymentStatus.PAID, PaymentStatus.REFUNDED):
        due = shares(application) if application.status == ApplicationStatus.PROCESSING else []
        waiting = latest if latest is not None and latest.status in OPEN_STATUSES else None
        return Fees(payment=waiting, rows=[], due=due)
    parts = {part.procedure_code: part for part in application.parts.select_related("agency")}
    allocations = {a.share: a for a in latest.allocations.all()}
    refunded = {
        str((event.data or {}).get("share"))
        for event in latest.events.filter(kind="share_refunded")
    }
    rows = [
        ShareRow(parts[share.key], share.amount, allocations.get(share.key), share.key in refunded)
        for share in payments_services.shares_of(latest)
        if share.key in parts
    ]
    return Fees(payment=latest, rows=rows, due=[])
