"""Every write to a payment is one of these verbs.

Online: :func:`start_online_payment` opens an intent at the configured provider; the provider's
signed return redirect and server-to-server notification both go through
:func:`handle_callback`, which verifies before it changes anything and settles a payment exactly
once (row lock), whatever the order and however often they arrive. At the counter:
:func:`record_counter_payment`. Settling writes a ``PaymentEvent``, gives the electronic receipt
its number, and writes the dossier event ``paid`` that the indicators count.

One payment for several dossiers (an interconnected application): :func:`start_group_payment`
opens one intent for their shares, settled like any other; :func:`allocate_share` makes a share
a paid payment of its dossier when that dossier is filed, and :func:`refund_share` refunds the
share of a dossier that is never filed.
"""

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core import audit
from egov.core.errors import InvalidInput, NotAllowed, NotFound, WrongState
from egov.core.models import Agency
from egov.core.queue import task_named
from egov.dossiers import access
from egov.dossiers import services as dossier_services
from egov.dossiers.constants import FINISHED_STATUSES, Status
from egov.dossiers.models import Dossier, DossierEvent
from egov.identity.models import Role, User

from . import hooks
from .constants import (
    CURRENCY,
    EXPIRY_GRACE,
    OPEN_STATUSES,
    SETTLEABLE_STATUSES,
    CounterMethod,
    Outcome,
    PaymentChannel,
    PaymentDue,
    PaymentStatus,
)
from .fees import FeeBreakdown, claimable_reductions, compute_fees
from .models import FeeClaim, Payment, PaymentEvent, ReceiptSeries
from .providers import Callback, InvalidCallback, get_provider

log = logging.getLogger("egov.payments")


# --- amounts --------------------------------------------------------------------------------------


def claims_of(dossier: Dossier) -> list[str]:
    return list(FeeClaim.objects.filter(dossier=dossier).values_list("reduction", flat=True))


def fees_of(dossier: Dossier) -> FeeBreakdown:
    """The dossier's fees, as :func:`egov.payments.fees.compute_fees` computes them."""
    return compute_fees(
        dossier.procedure.definition,
        channel=dossier.channel,
        form_data=dossier.form_data,
        claims=claims_of(dossier),
        postal_fee=dossier_services.postal_fee(dossier),
    )


def paid_total(dossier: Dossier) -> int:
    total = Payment.objects.filter(dossier=dossier, status=PaymentStatus.PAID).aggregate(
        total=Sum("amount")
    )["total"]
    return int(total or 0)


def outstanding(dossier: Dossier) -> int:
    """What is still to pay: the fees less what has been paid (never below zero)."""
    return max(0, fees_of(dossier).total - paid_total(dossier))


#: The lifecycle step each due moment holds back.
HELD_STEP = {PaymentDue.AT_SUBMISSION: "receive", PaymentDue.BEFORE_RESULT: "return_result"}


def due_step(dossier: Dossier) -> str:
    """The lifecycle action that waits for the fees of this dossier's procedure. Fees due at
    submission that are owed once the dossier is received (a postal fee added when the applicant
    chose to receive the result by post) hold back the return of the result."""
    due = dossier.procedure.definition.get("payment_due", PaymentDue.BEFORE_RESULT)
    step = HELD_STEP[PaymentDue(due)]
    if step == "receive" and dossier.received_at and dossier_services.postal_fee(dossier):
        return "return_result"
    return step


def request_payment(dossier: Dossier, actor: User | None = None) -> None:
    """Tell the dossier what its unpaid fees hold back, through the dossiers part's verb: the
    national status is 6 ("payment requested") while it waits at that step. Called whenever
    what it owes may have changed (a step, a payment, a claim, a refund)."""
    if dossier.status == Status.DRAFT or (
        not dossier.procedure.definition.get("fees")
        and not dossier.payment_held_step
        and not dossier_services.postal_fee(dossier)
    ):
        return
    dossier_services.request_payment(dossier, due_step(dossier), outstanding(dossier), actor)


def request_payment_after_step(dossier: Dossier, action: str, actor: User) -> None:
    """The step hook: a submission or a supplement (its form may change the number of copies)
    prices the fees; any step may bring the dossier to where they hold it."""
    if dossier.status not in FINISHED_STATUSES:
        request_payment(dossier, actor)


def request_payment_after_delivery(event: DossierEvent) -> None:
    """``dossiers.event_recorded``: the applicant changed how to receive the result (the post
    adds its fee, another way removes it), so what the dossier owes may have changed."""
    if event.kind == "delivery_chosen" and event.dossier.status not in FINISHED_STATUSES:
        request_payment(event.dossier, event.actor)


# --- helpers --------------------------------------------------------------------------------------


def _event(payment: Payment, kind: str, actor: User | None, before: str, **data: object) -> None:
    PaymentEvent.objects.create(
        payment=payment,
        kind=kind,
        actor=actor,
        at=timezone.now(),
        from_status=before,
        to_status=payment.status,
        data=data,
    )


def _new_reference() -> str:
    """The order reference the provider sees: date and random part, unguessable, 18 characters."""
    return timezone.localdate().strftime("%Y%m%d") + secrets.token_hex(5).upper()


def _next_receipt(agency: Agency, year: int) -> tuple[str, int]:
    """The next number of the agency's receipt series of ``year`` (locked until commit)."""
    series = ReceiptSeries.objects.filter(agency=agency, year=year)
    if not series.update(last=F("last") + 1):
        try:
            with transaction.atomic():
                ReceiptSeries.objects.create(agency=agency, year=year, last=1)
        except IntegrityError:
            series.update(last=F("last") + 1)
    number = series.values_list("last", flat=True).get()
    return f"{agency.unit_code}-{year % 100:02d}E", number


def _mark_paid(payment: Payment, actor: User | None, source: str, transaction_no: str) -> None:
    """Paid: receipt number, payment event, and the dossier event the indicators count. A
    group payment has neither receipt nor dossier: each share gets them when it is allocated."""
    before = payment.status
    now = timezone.now()
    payment.status = PaymentStatus.PAID
    payment.paid_at = now
    payment.provider_transaction = transaction_no[:64]
    dossier = payment.dossier
    if dossier is None:
        payment.save(update_fields=["status", "paid_at", "provider_transaction"])
        _event(payment, "paid", actor, before, source=source)
        for implementation in hooks.group_paid:
            implementation(payment)
        log.info("payment_settled", extra={"payment": payment.reference, "source": source})
        return
    payment.receipt_series, payment.receipt_number = _next_receipt(
        dossier.agency, timezone.localtime(now).year
    )
    payment.save(
        update_fields=[
            "status",
            "paid_at",
            "provider_transaction",
            "receipt_series",
            "receipt_number",
        ]
    )
    _event(payment, "paid", actor, before, source=source)
    dossier_services.record_event(
        dossier.pk,
        "paid",
        actor,
        {"channel": payment.channel, "amount": int(payment.amount), "payment": payment.reference},
    )
    request_payment(dossier, actor)
    log.info("payment_settled", extra={"payment": payment.reference, "source": source})


def _lock_and_price(dossier: Dossier) -> tuple[FeeBreakdown, int]:
    """Lock the dossier row, so that one payment decision is made at a time for it, and price
    what it still owes; nothing owed is refused."""
    dossier_services.lock_dossier(dossier.pk)
    breakdown = fees_of(dossier)
    amount = max(0, breakdown.total - paid_total(dossier))
    if amount == 0:
        raise WrongState(_("There is nothing to pay for this dossier."))
    return breakdown, amount


def _lock_dossier_of(payments: QuerySet[Payment]) -> None:
    """Lock the dossier of a payment before the payment's row, in the order of every other
    payment write (settling or refunding tells the dossier what it still owes)."""
    dossier_id = payments.values_list("dossier_id", flat=True).first()
    if dossier_id is not None:
        dossier_services.lock_dossier(dossier_id)


def _supersede(intent: Payment, actor: User) -> None:
    """Close an open intent that a newer payment replaces."""
    before = intent.status
    intent.status = PaymentStatus.EXPIRED
    intent.save(update_fields=["status"])
    _event(intent, "superseded", actor, before)


def _payable_dossier(dossier_id: int, user: User) -> Dossier:
    dossier = Dossier.objects.select_related("procedure", "agency").filter(pk=dossier_id).first()
    if dossier is None or not access.can_view(user, dossier):
        if dossier is not None:
            access.record_denial(user, "pay", dossier.pk)
        raise NotFound(_("Dossier not found."))
    if dossier.status == Status.DRAFT or dossier.status in FINISHED_STATUSES:
        raise WrongState(
            _("Fees can be paid once the dossier is submitted and until it is finished.")
        )
    return dossier


# --- reductions claimed by the applicant ---------------------------------------------------------


def claim_reduction(applicant: User, dossier_id: int, code: str, declared: bool) -> FeeClaim:
    """Đề nghị miễn, giảm: the applicant declares belonging to a group the procedure names; the
    proof the procedure asks for must be among the dossier's documents (checked at intake)."""
    dossier = _payable_dossier(dossier_id, applicant)
    if not access.acts_as_applicant(applicant, dossier):
        raise NotAllowed(_("Only the applicant can claim an exemption or reduction."))
    reduction = next(
        (r for r in claimable_reductions(dossier.procedure.definition) if r["code"] == code), None
    )
    if reduction is None:
        raise InvalidInput(
            _("This procedure has no such exemption or reduction."),
            {"reduction": _("Choose one of the listed groups.")},
        )
    if not declared:
        raise InvalidInput(
            _("Confirm the declaration to claim it."),
            {"declared": _("Confirm that the declaration is true.")},
        )
    proof = reduction.get("proof_component")
    if proof and not dossier.components.filter(code=proof).exists():
        raise InvalidInput(
            _("Attach the proof this exemption or reduction needs to the dossier first."),
            {"reduction": _("The proof document is missing.")},
        )
    with transaction.atomic():
        dossier_services.lock_dossier(dossier.pk)
        if Payment.objects.filter(dossier=dossier, status=PaymentStatus.PAID).exists():
            raise WrongState(_("The fees are already paid."))
        claim, _created = FeeClaim.objects.get_or_create(
            dossier=dossier, reduction=code, defaults={"declared_by": applicant}
        )
        audit.record(
            "fee_reduction_claimed",
            actor=applicant,
            object_type="dossier",
            object_id=dossier.pk,
            data={"reduction": code},
        )
        request_payment(dossier, applicant)
    return claim


# --- online payment ---------------------------------------------------------------------------------


def start_online_payment(
    payer: User, dossier_id: int, *, return_url: str, client_ip: str
) -> tuple[Payment, str]:
    """Open a payment intent for what the dossier still owes at the configured provider; return
    it and the address to send the payer to. An open intent for the same amount is reused, so a
    double click does not make two; any other open intent of the dossier is closed."""
    provider = get_provider()
    if provider is None:
        raise WrongState(_("Online payment is not available on this portal; pay at the counter."))
    dossier = _payable_dossier(dossier_id, payer)
    if not access.acts_as_applicant(payer, dossier):
        raise NotAllowed(_("Only the applicant can pay the fees online."))
    with transaction.atomic():
        breakdown, amount = _lock_and_price(dossier)
        return _open_intent(
            Payment.objects.filter(dossier=dossier),
            Payment(dossier=dossier, amount=amount, lines=breakdown.as_json(), payer=payer),
            return_url=return_url,
            client_ip=client_ip,
        )


def _open_intent(
    earlier: QuerySet[Payment], payment: Payment, *, return_url: str, client_ip: str
) -> tuple[Payment, str]:
    """Open ``payment`` (amount, lines, payer and what it pays for set) at the provider, in the
    caller's transaction and under its lock, unless an open intent among ``earlier`` is for the
    same lines and still valid; every other open one is closed."""
    provider = get_provider()
    assert provider is not None  # checked by the caller, before anything was locked
    now = timezone.now()
    for intent in earlier.filter(status__in=OPEN_STATUSES):
        if (
            intent.amount == payment.amount
            and intent.lines == payment.lines
            and intent.method == provider.name
            and intent.expires_at
            and intent.expires_at > now
        ):
            return intent, provider.payment_url(intent, return_url=return_url, client_ip=client_ip)
        _supersede(intent, payment.payer)
    payment.reference = _new_reference()
    payment.channel = PaymentChannel.ONLINE
    payment.method = provider.name
    payment.currency = CURRENCY
    payment.created_at = now
    payment.expires_at = now + timedelta(minutes=settings.PAYMENT_EXPIRY_MINUTES)
    payment.save(force_insert=True)
    _event(payment, "created", payment.payer, "", amount=payment.amount, provider=provider.name)
    url = provider.payment_url(payment, return_url=return_url, client_ip=client_ip)
    payment.status = PaymentStatus.PENDING
    payment.save(update_fields=["status"])
    _event(payment, "redirected", payment.payer, PaymentStatus.CREATED)
    transaction.on_commit(partial(schedule_expiry, payment.expires_at))
    return payment, url


def schedule_expiry(when: datetime | None) -> None:
    """Run the ``expire_payments`` task after ``when``; a back end that cannot defer (the
    tests' immediate one) leaves it to ``manage.py expire_payments``."""
    expire_payments = task_named("egov.payments.tasks.expire_payments")
    if when is None or not expire_payments.get_backend().supports_defer:
        return
    expire_payments.using(run_after=max(when, timezone.now()) + EXPIRY_GRACE).enqueue()


def _reject(reference: str, provider: str, source: str, reason: str) -> None:
    """A callback refused: audited with the order reference and the reason, nothing personal."""
    audit.record(
        "payment_callback_rejected",
        object_type="payment",
        object_id=reference,
        data={"provider": provider, "source": source, "reason": reason},
    )
    log.warning("payment_callback_rejected", extra={"payment": reference, "reason": reason})


def _repeated(payment: Payment, provider: str, source: str) -> None:
    """A callback for a payment already decided (a replay, or the second of redirect and
    notification): nothing changes; audited with the reference only."""
    audit.record(
        "payment_callback_repeated",
        object_type="payment",
        object_id=payment.reference,
        data={"provider": provider, "source": source, "status": payment.status},
    )


def handle_callback(
    provider_name: str, params: Mapping[str, str], source: str
) -> tuple[Outcome, str]:
    """Verify a provider's return redirect or notification (``source`` "return" or
    "notification") and apply it: returns the outcome and the order reference.

    The signature, then the order reference, currency and amount are checked before anything
    changes; a forged or mismatched callback changes nothing and is audited. The payment row is
    locked, so the redirect and the notification, in either order and however often, settle it
    once; the dossier is locked before it, as every step of a dossier locks it before the
    dossier's payments, so that a callback and a step cannot deadlock."""
    provider = get_provider(provider_name)
    if provider is None:
        _reject("", provider_name, source, "provider_not_enabled")
        return Outcome.INVALID_SIGNATURE, ""
    try:
        callback = provider.parse_callback(params)
    except InvalidCallback as exc:
        _reject(exc.reference, provider_name, source, exc.reason)
        return Outcome.INVALID_SIGNATURE, exc.reference
    return _apply(provider_name, callback, source), callback.reference


def _apply(provider_name: str, callback: Callback, source: str) -> Outcome:
    found = (
        Payment.objects.filter(reference=callback.reference, method=provider_name)
        .values_list("pk", "dossier_id")
        .first()
    )
    if found is None:
        _reject(callback.reference, provider_name, source, "unknown_order")
        return Outcome.NOT_FOUND
    payment_id, dossier_id = found
    with transaction.atomic():
        # The dossier, then the payment: the one lock order of every dossier and payment verb.
        if dossier_id is not None:
            dossier_services.lock_dossier(dossier_id)
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("dossier__agency")
            .get(pk=payment_id)
        )
        if callback.currency != payment.currency or callback.amount != payment.amount:
            _reject(callback.reference, provider_name, source, "amount_mismatch")
            _event(payment, "callback_rejected", None, payment.status, reason="amount_mismatch")
            return Outcome.INVALID_AMOUNT
        if payment.status in (PaymentStatus.PAID, PaymentStatus.REFUNDED):
            _repeated(payment, provider_name, source)
            return Outcome.ALREADY
        if callback.success:
            if payment.status not in SETTLEABLE_STATUSES:
                return Outcome.ALREADY
            _mark_paid(payment, None, source, callback.provider_transaction)
            return Outcome.SETTLED
        if payment.status not in OPEN_STATUSES:
            _repeated(payment, provider_name, source)
            return Outcome.ALREADY
        before = payment.status
        payment.status = PaymentStatus.FAILED
        payment.provider_transaction = callback.provider_transaction[:64]
        payment.save(update_fields=["status", "provider_transaction"])
        _event(payment, "failed", None, before, source=source, code=callback.response_code)
        return Outcome.FAILED


# --- one payment for several dossiers ------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """One dossier's part of a group payment: its key in the group (an interconnected member's
    procedure code) and its fee lines, as :func:`egov.payments.fees.compute_fees` gives them."""

    key: str
    lines: list[dict[str, object]]

    @property
    def amount(self) -> int:
        return sum(int(line["amount"]) for line in self.lines)  # type: ignore[call-overload]


def group_payments(purpose: str) -> QuerySet[Payment]:
    return Payment.objects.filter(purpose=purpose, dossier__isnull=True)


def shares_of(payment: Payment) -> list[Share]:
    """The shares of a group payment, in the order they were shown to the payer."""
    by_key: dict[str, list[dict[str, object]]] = {}
    for line in payment.lines:
        by_key.setdefault(line["share"], []).append(
            {name: value for name, value in line.items() if name != "share"}
        )
    return [Share(key, lines) for key, lines in by_key.items()]


def start_group_payment(
    payer: User,
    purpose: str,
    shares: list[Share],
    *,
    back_url: str,
    return_url: str,
    client_ip: str,
) -> tuple[Payment, str]:
    """Open one intent at the provider for the shares of several dossiers, some not filed yet
    (``purpose``: the interconnected application's code). The caller holds the lock on what
    ``purpose`` names and has checked that ``payer`` may pay for it. An open intent for the same
    shares is reused, any other closed; once one is paid, nothing more is taken."""
    if get_provider() is None:
        raise WrongState(_("Online payment is not available on this portal; pay at the counter."))
    shares = [share for share in shares if share.amount > 0]
    if not shares:
        raise WrongState(_("There is nothing to pay for this application."))
    earlier = group_payments(purpose)
    if earlier.filter(status__in=(PaymentStatus.PAID, PaymentStatus.REFUNDED)).exists():
        raise WrongState(_("The fees are already paid."))
    payment = Payment(
        purpose=purpose,
        back_url=back_url,
        amount=sum(share.amount for share in shares),
        lines=[{**line, "share": share.key} for share in shares for line in share.lines],
        payer=payer,
    )
    return _open_intent(earlier, payment, return_url=return_url, client_ip=client_ip)


def paid_group_payment(purpose: str) -> Payment | None:
    return group_payments(purpose).filter(status=PaymentStatus.PAID).first()


def _share_refunded(group: Payment, key: str) -> bool:
    return any(
        (event.data or {}).get("share") == key
        for event in group.events.filter(kind="share_refunded")
    )


def allocate_share(
    group: Payment, key: str, dossier_id: int, actor: User | None = None
) -> Payment | None:
    """The share ``key`` of the paid ``group`` becomes a paid payment of ``dossier_id``, with
    its agency's receipt and the dossier event ``paid`` (so the dossier owes no more and the
    online payment counts). Once per share, however often it is called; None when the group
    has no such share, or it was refunded. Runs in the caller's transaction, the dossier
    locked first as every payment write does."""
    share = next((s for s in shares_of(group) if s.key == key), None)
    if group.status != PaymentStatus.PAID or share is None or _share_refunded(group, key):
        return None
    dossier = dossier_services.lock_dossier(dossier_id)
    existing = Payment.objects.filter(group_payment=group, share=key).first()
    if existing is not None:
        return existing
    allocation = Payment.objects.create(
        reference=_new_reference(),
        dossier=dossier,
        group_payment=group,
        share=key,
        channel=PaymentChannel.ONLINE,
        method=group.method,
        amount=share.amount,
        lines=share.lines,
        payer=group.payer,
    )
    _event(allocation, "created", actor, "", amount=share.amount, group=group.reference)
    _mark_paid(allocation, actor, "group_payment", group.provider_transaction)
    return allocation


def refund_share(group: Payment, key: str, reason: str, actor: User | None = None) -> int:
    """Hoàn trả: the share ``key`` of the paid ``group``, never allocated because its dossier
    will not be filed, is refunded to the payer (a ``share_refunded`` event; the money goes
    back through the provider's refund procedure, as for any refund). Once per share; returns
    the amount refunded now (0: nothing to refund)."""
    share = next((s for s in shares_of(group) if s.key == key), None)
    if share is None or Payment.objects.filter(group_payment=group, share=key).exists():
        return 0
    locked = Payment.objects.select_for_update(of=("self",)).get(pk=group.pk)
    if locked.status != PaymentStatus.PAID or _share_refunded(locked, key):
        return 0
    _event(
        locked,
        "share_refunded",
        actor,
        locked.status,
        share=key,
        amount=share.amount,
        reason=reason[:500],
    )
    return share.amount


# --- at the counter ---------------------------------------------------------------------------------


def may_record_counter_payment(official: User, dossier: Dossier) -> bool:
    """A receiving official of the dossier's agency collects fees at its counter."""
    return Role.RECEIVER in access.roles_for(official, dossier)


def record_counter_payment(official: User, dossier_id: int, method: str) -> Payment:
    """Thu phí tại quầy: the receiving official records what the applicant paid in cash or by
    card; it is settled at once, with its receipt and the dossier event ``paid``."""
    if method not in CounterMethod.values:
        raise InvalidInput(_("Choose cash or card."), {"method": _("Choose cash or card.")})
    dossier = _payable_dossier(dossier_id, official)
    if not may_record_counter_payment(official, dossier):
        access.record_denial(official, "record_payment", dossier.pk)
        raise NotAllowed(_("Only a receiving official of this agency records counter payments."))
    with transaction.atomic():
        breakdown, amount = _lock_and_price(dossier)
        for intent in Payment.objects.filter(dossier=dossier, status__in=OPEN_STATUSES):
            _supersede(intent, official)
        payment = Payment.objects.create(
            reference=_new_reference(),
            dossier=dossier,
            channel=PaymentChannel.COUNTER,
            method=method,
            amount=amount,
            lines=breakdown.as_json(),
            payer=dossier.applicant,
            recorded_by=official,
        )
        _event(payment, "created", official, "", amount=amount, method=method)
        _mark_paid(payment, official, "counter", "")
    return payment


def refund(official: User, reference: str, reason: str) -> Payment:
    """Hoàn trả: the agency's administrator records that a paid fee was refunded."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Please give a reason."), {"reason": _("This field is required.")})
    with transaction.atomic():
        _lock_dossier_of(Payment.objects.filter(reference=reference))
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("dossier__agency")
            .filter(reference=reference)
            .first()
        )
        if (
            payment is None
            or payment.dossier is None
            or not access.can_view(official, payment.dossier)
        ):
            raise NotFound(_("Payment not found."))
        if Role.AGENCY_ADMIN not in access.roles_for(official, payment.dossier):
            raise NotAllowed(_("Only the agency's administrator records refunds."))
        if payment.status != PaymentStatus.PAID:
            raise WrongState(_("Only a paid payment can be refunded."))
        payment.status = PaymentStatus.REFUNDED
        payment.save(update_fields=["status"])
        _event(payment, "refunded", official, PaymentStatus.PAID, reason=reason[:500])
        if payment.dossier.status not in FINISHED_STATUSES:
            request_payment(payment.dossier, official)
    return payment


# --- expiry -----------------------------------------------------------------------------------------


def expire_stale(now: datetime | None = None) -> int:
    """Close the intents whose time ran out without an outcome; returns how many. A conditional
    update, so an intent settled at the same moment is left paid."""
    now = now or timezone.now()
    expired = 0
    stale = Payment.objects.filter(status__in=OPEN_STATUSES, expires_at__lte=now)
    for payment in stale.only("pk", "status"):
        with transaction.atomic():
            before = payment.status
            if Payment.objects.filter(pk=payment.pk, status=before).update(
                status=PaymentStatus.EXPIRED
            ):
                payment.status = PaymentStatus.EXPIRED
                _event(payment, "expired", None, before)
                expired += 1
    return expired
