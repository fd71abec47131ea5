"""How the applicant receives the result ("hình thức nhận kết quả"): online (the signed result in
their data repository, the default), at the agency's counter, or by public postal service.

By post: the recipient, their phone and address (province and commune from the agency tree, or
written out) are checked, and the provider quotes the postal fee, which the payments part adds
to the dossier's fees (:func:`postal_fee`). The choice can be changed until the result is ready.
When the result is ready and nothing holds its return back (fees paid, result signed), a task
books the consignment (:func:`book_consignment`, idempotent by the order code); the provider's
signed callbacks move its status (:func:`receive_callback`), and "delivered" returns the
dossier. Providers are called outside any database transaction."""

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core import audit
from egov.core.errors import InvalidInput, NotAllowed, StaleVersion, WrongState
from egov.core.models import Agency, AgencyLevel
from egov.core.queue import enqueue_with_commit, task_named
from egov.identity.models import User

from .. import access, hooks, postal
from ..constants import (
    DELIVERY_CHANGEABLE_STATUSES,
    FINAL_POSTAL_STATUSES,
    DeliveryMethod,
    PostalStatus,
    Status,
)
from ..models import Delivery, Dossier, DossierEvent, PostalCallback
from ..postal.base import RESULT_WEIGHT_GRAMS
from .steps import lock_dossier, raise_version, record

log = logging.getLogger("egov.dossiers.postal")

BOOK_TASK = "egov.dossiers.tasks.book_consignment"
#: Bookings tried this many times, waiting 30 s, 60 s, 120 s … between them, then left for an
#: official to retry from the dossier page.
MAX_BOOKING_ATTEMPTS = 5
#: Vietnamese mobile and landline numbers: 0 or +84, then 9 or 10 digits.
PHONE = re.compile(r"^(?:0|\+84)\d{9,10}$")
PEOPLES_COMMITTEE = "people_committee"


class PostalUnavailable(WrongState):
    """The postal provider cannot quote or book now (409): choose another way or retry."""

    code = "postal_unavailable"


@dataclass(frozen=True)
class DeliveryChoice:
    """What the applicant asked for. ``province`` and ``commune`` are agency codes from the
    agency tree or the names written out."""

    method: str = DeliveryMethod.ONLINE
    recipient_name: str = ""
    phone: str = ""
    street: str = ""
    province: str = ""
    commune: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping[str, object], prefix: str = "") -> "DeliveryChoice":
        def get(name: str) -> str:
            return str(data.get(prefix + name) or "").strip()

        return cls(
            method=get("method") or DeliveryMethod.ONLINE,
            recipient_name=get("recipient_name"),
            phone=get("phone"),
            street=get("street"),
            province=get("province"),
            commune=get("commune"),
        )


@dataclass(frozen=True)
class PreparedDelivery:
    """A choice checked and, for the post, quoted: ready to be stored."""

    method: str
    recipient_name: str = ""
    phone: str = ""
    street: str = ""
    province: str = ""
    province_code: str = ""
    commune: str = ""
    commune_code: str = ""
    provider: str = ""
    postal_fee: int = 0

    def same_place(self, delivery: Delivery) -> bool:
        return (self.street, self.commune, self.province, self.provider) == (
            delivery.street,
            delivery.commune,
            delivery.province,
            delivery.provider,
        )


# --- places ---------------------------------------------------------------------------------------


def place_name(agency: Agency) -> str:
    """A people's committee's place: "Ủy ban nhân dân phường Ba Đình" -> "phường Ba Đình"."""
    return re.sub(r"^(Ủy|Uỷ) ban nhân dân\s+", "", agency.name).strip()


def provinces() -> list[Agency]:
    """The provinces of the agency tree (their people's committees)."""
    return list(
        Agency.objects.filter(
            level=AgencyLevel.PROVINCE, kind=PEOPLES_COMMITTEE, parent=None, is_active=True
        ).order_by("name")
    )


def _province_of(agency: Agency) -> Agency | None:
    node: Agency | None = agency
    while node is not None and node.parent_id is not None:
        node = node.parent
    return node if node is not None and node.level == AgencyLevel.PROVINCE else None


def communes() -> list[tuple[Agency, Agency]]:
    """(province, commune) for every commune of the agency tree: its people's committees."""
    found = []
    for commune in Agency.objects.filter(
        level=AgencyLevel.COMMUNE, kind=PEOPLES_COMMITTEE, is_active=True
    ).select_related("parent__parent"):
        province = _province_of(commune)
        if province is not None:
            found.append((province, commune))
    return sorted(found, key=lambda pair: (pair[0].name, pair[1].name))


def _place(value: str, **filters: object) -> tuple[str, str]:
    """(name, agency code) of a place of the agency tree given by its agency code or its name
    ("phường Ba Đình"), or (the text, "") for a place written out."""
    agency = Agency.objects.filter(code=value, **filters).first()
    if agency is None and value:
        wanted = " ".join(value.split()).casefold()
        agency = next(
            (
                candidate
                for candidate in Agency.objects.filter(**filters).only("code", "name", "parent")
                if place_name(candidate).casefold() == wanted
            ),
            None,
        )
    if agency is not None:
        return place_name(agency), agency.code
    return " ".join(value.split()), ""


# --- the choice -----------------------------------------------------------------------------------


def _checked(choice: DeliveryChoice) -> PreparedDelivery:
    """The choice with its places resolved, or InvalidInput naming every field at fault."""
    if choice.method not in DeliveryMethod.values:
        raise InvalidInput(
            _("Choose how to receive the result."),
            {"delivery_method": _("Choose how to receive the result.")},
        )
    if choice.method != DeliveryMethod.POST:
        return PreparedDelivery(method=choice.method)
    errors: dict[str, str] = {}
    name = " ".join(choice.recipient_name.split())
    if not 2 <= len(name) <= 100:
        errors["delivery_recipient_name"] = _("Enter the recipient's full name.")
    phone = re.sub(r"[\s.\-]", "", choice.phone)
    if not PHONE.match(phone):
        errors["delivery_phone"] = _("Enter a Vietnamese phone number, such as 0912345678.")
    street = " ".join(choice.street.split())
    if not 3 <= len(street) <= 200:
        errors["delivery_street"] = _("Enter the house number and street, or the village.")
    province, province_code = _place(
        choice.province, level=AgencyLevel.PROVINCE, kind=PEOPLES_COMMITTEE, parent=None
    )
    if not 2 <= len(province) <= 100:
        errors["delivery_province"] = _("Choose or write the province or city.")
    commune, commune_code = _place(
        choice.commune, level=AgencyLevel.COMMUNE, kind=PEOPLES_COMMITTEE
    )
    if not 2 <= len(commune) <= 100:
        errors["delivery_commune"] = _("Choose or write the commune or ward.")
    elif commune_code:  # a commune of the tree lies in its own province
        parent = _province_of(Agency.objects.get(code=commune_code))
        if parent is None or parent.code != province_code:
            errors["delivery_commune"] = _("This commune or ward is not in the province chosen.")
    if errors:
        raise InvalidInput(_("Check the address for the post."), errors)
    return PreparedDelivery(
        method=DeliveryMethod.POST,
        recipient_name=name,
        phone=phone,
        street=street,
        province=province,
        province_code=province_code,
        commune=commune,
        commune_code=commune_code,
    )


def sender_place(agency: Agency) -> postal.Place:
    """Where the agency sends results from: its province, and its address."""
    province = _province_of(agency)
    return postal.Place(
        province=place_name(province) if province else "",
        street=agency.address or agency.name,
    )


def prepare(
    agency: Agency, choice: DeliveryChoice, current: Delivery | None = None
) -> PreparedDelivery:
    """Check ``choice`` and, for the post, have the provider quote the fee from ``agency`` (a
    network call: never inside a transaction). The same address as ``current`` keeps its quote."""
    prepared = _checked(choice)
    if prepared.method != DeliveryMethod.POST:
        return prepared
    provider = postal.get_provider()
    if provider is None:
        raise InvalidInput(
            _("Results are not sent by post from this portal; choose another way."),
            {"delivery_method": _("Choose another way to receive the result.")},
        )
    prepared = replace(prepared, provider=provider.name)
    if (
        current is not None
        and current.method == DeliveryMethod.POST
        and prepared.same_place(current)
    ):
        return replace(prepared, postal_fee=current.postal_fee)
    recipient = postal.Place(prepared.province, prepared.commune, prepared.street)
    try:
        fee = provider.quote(sender_place(agency), recipient, RESULT_WEIGHT_GRAMS)
    except postal.ProviderError as exc:
        log.warning("postal_quote_failed", extra={"provider": provider.name, "error": str(exc)})
        raise PostalUnavailable(
            _(
                "The postal service cannot quote the fee just now. Try again in a few minutes, or"
                " choose another way to receive the result."
            )
        ) from exc
    return replace(prepared, postal_fee=fee)


def delivery_of(dossier: Dossier) -> Delivery | None:
    """The dossier's delivery, or None (the result is received online)."""
    return Delivery.objects.filter(dossier_id=dossier.pk).first()


def postal_fee(dossier: Dossier) -> int:
    """The postal fee the dossier owes with its fees (0 unless the result goes by post)."""
    return int(
        Delivery.objects.filter(dossier_id=dossier.pk, method=DeliveryMethod.POST)
        .values_list("postal_fee", flat=True)
        .first()
        or 0
    )


def _postal_fee_paid(dossier: Dossier, delivery: Delivery | None) -> bool:
    """The fees were paid while the result was to go by post: the postal fee is paid."""
    return bool(
        delivery is not None
        and delivery.method == DeliveryMethod.POST
        and DossierEvent.objects.filter(
            dossier=dossier, kind="paid", at__gte=delivery.chosen_at
        ).exists()
    )


def store(dossier: Dossier, prepared: PreparedDelivery, actor: User | None) -> Delivery:
    """Keep ``prepared`` as the dossier's delivery, in the caller's transaction with the dossier
    locked; once submitted, a change is a ``delivery_chosen`` event (never the address)."""
    existing = delivery_of(dossier)
    if existing is None and prepared.method == DeliveryMethod.ONLINE:
        return Delivery(dossier=dossier)  # online is the default: nothing to keep
    delivery = existing or Delivery(dossier=dossier)
    unchanged = delivery.pk is not None and (
        delivery.method == prepared.method
        and delivery.recipient_name == prepared.recipient_name
        and delivery.phone == prepared.phone
        and prepared.same_place(delivery)
        and delivery.postal_fee == prepared.postal_fee
    )
    if unchanged:
        return delivery
    paid = _postal_fee_paid(dossier, delivery if delivery.pk else None)
    if paid and not (
        prepared.method == DeliveryMethod.POST and prepared.postal_fee == delivery.postal_fee
    ):
        raise WrongState(
            _(
                "The postal fee has been paid with the fees: the way of receiving the result can"
                " now only change for an address at the same fee. Ask the agency for anything else."
            )
        )
    for name in (
        "method",
        "recipient_name",
        "phone",
        "street",
        "province",
        "province_code",
        "commune",
        "commune_code",
        "provider",
        "postal_fee",
    ):
        setattr(delivery, name, getattr(prepared, name))
    if not paid:  # a paid postal fee stays paid for the new address at the same fee
        delivery.chosen_at = timezone.now()
    delivery.save()
    if dossier.status != Status.DRAFT:
        raise_version(dossier)
        record(
            dossier,
            "delivery_chosen",
            actor,
            dossier.status,
            method=delivery.method,
            postal_fee=delivery.postal_fee,
        )
    return delivery


def change_delivery(
    dossier_id: int, actor: User, choice: DeliveryChoice, expected_version: int | None = None
) -> Delivery:
    """The applicant chooses (in a draft) or changes (until the result is ready) how to receive
    the result. Refused once the result is ready (409), with the reason."""
    dossier = access.access_dossier(actor, dossier_id)
    if not access.acts_as_applicant(actor, dossier):
        access.record_denial(actor, "change_delivery", dossier.pk)
        raise NotAllowed(_("Only the applicant chooses how to receive the result."))
    _check_changeable(dossier)
    prepared = prepare(dossier.agency, choice, delivery_of(dossier))
    with transaction.atomic():
        dossier = lock_dossier(dossier_id)
        _check_changeable(dossier)
        if expected_version is not None and expected_version != dossier.version:
            raise StaleVersion(
                _("Someone else has changed this dossier meanwhile. Reload the page and try again.")
            )
        return store(dossier, prepared, actor)


def _check_changeable(dossier: Dossier) -> None:
    if dossier.status not in DELIVERY_CHANGEABLE_STATUSES:
        raise WrongState(
            _(
                "The result is ready or the dossier is finished: how the result is received can no"
                " longer be changed."
            )
        )


# --- booking the consignment --------------------------------------------------------------------


def _hook_guards_refuse(dossier: Dossier) -> str | None:
    """What another part holds the return of the result back for (fees, signature)."""
    for guard in hooks.step_guard:
        if guard is postal_guard:
            continue
        reason = guard(dossier, "return_result")
        if reason:
            return reason
    return None


def booking_blocked(dossier: Dossier, delivery: Delivery | None) -> str:
    """Why a consignment cannot be booked for ``dossier`` now ("" when it can)."""
    if delivery is None or delivery.method != DeliveryMethod.POST:
        return "not_by_post"
    if delivery.consignment:
        return "already_booked"
    if dossier.status != Status.RESULT_READY:
        return "result_not_ready"
    if _hook_guards_refuse(dossier):
        return "held_back"
    return ""


def schedule_booking(event: DossierEvent) -> None:
    """``dossiers.event_recorded``: once a result-ready dossier to be posted changes (approved,
    signed, paid), queue its booking for when the transaction commits; the task checks again."""
    dossier = event.dossier
    if dossier.status != Status.RESULT_READY or event.kind == "consignment_booked":
        return
    if Delivery.objects.filter(
        dossier_id=dossier.pk, method=DeliveryMethod.POST, consignment=""
    ).exists():
        enqueue_with_commit(task_named(BOOK_TASK), dossier.pk)


def _parcel(dossier: Dossier, delivery: Delivery) -> postal.Parcel:
    agency = dossier.agency
    return postal.Parcel(
        order_code=delivery.order_code,
        sender_name=agency.name,
        sender_phone=agency.phone,
        sender=sender_place(agency),
        recipient_name=delivery.recipient_name,
        recipient_phone=delivery.phone,
        recipient=postal.Place(delivery.province, delivery.commune, delivery.street),
        content=f"Kết quả giải quyết thủ tục hành chính, hồ sơ {dossier.code}",
        callback_url=settings.SITE_URL
        + reverse("dossiers:postal_callback", args=[delivery.provider or "sandbox"]),
    )


def book_consignment(dossier_id: int) -> str:
    """Book the consignment of a result to be posted, once: the order code is fixed before the
    provider is called, and the provider answers the same code with the same consignment, so a
    run repeated after a crash or a timeout never books twice. Returns what happened."""
    provider = postal.get_provider()
    if provider is None:
        return "no_provider"
    with transaction.atomic():
        dossier = lock_dossier(dossier_id)
        delivery = delivery_of(dossier)
        blocked = booking_blocked(dossier, delivery)
        if blocked:
            return blocked
        assert delivery is not None
        if not delivery.order_code:
            delivery.order_code = f"EGOV{dossier.uuid.hex[:20].upper()}"
        delivery.provider = provider.name
        delivery.booking_attempts += 1
        delivery.save(update_fields=["order_code", "provider", "booking_attempts"])
        parcel = _parcel(dossier, delivery)
        attempts = delivery.booking_attempts
    try:
        booking = provider.book(parcel)
    except postal.ProviderError as exc:
        Delivery.objects.filter(pk=delivery.pk).update(booking_error=str(exc)[:200])
        log.warning(
            "postal_booking_failed",
            extra={"dossier": dossier_id, "attempt": attempts, "error": str(exc)},
        )
        _retry_later(dossier_id, attempts)
        return "failed"
    with transaction.atomic():
        dossier = lock_dossier(dossier_id)
        delivery = Delivery.objects.get(pk=delivery.pk)
        if delivery.consignment:
            return "already_booked"
        delivery.consignment = booking.consignment[:40]
        delivery.postal_status = PostalStatus.BOOKED
        delivery.status_at = None
        delivery.booking_error = ""
        delivery.save(update_fields=["consignment", "postal_status", "status_at", "booking_error"])
        raise_version(dossier)
        record(
            dossier,
            "consignment_booked",
            None,
            dossier.status,
            consignment=delivery.consignment,
            provider=provider.name,
        )
    log.info("postal_booked", extra={"dossier": dossier_id, "provider": provider.name})
    return "booked"


def _retry_later(dossier_id: int, attempts: int) -> None:
    task = task_named(BOOK_TASK)
    if attempts >= MAX_BOOKING_ATTEMPTS or not task.get_backend().supports_defer:
        return
    delay = timedelta(seconds=30 * 2 ** (attempts - 1))
    task.using(run_after=timezone.now() + delay).enqueue(dossier_id)


def retry_booking(official: User, dossier_id: int) -> str:
    """A receiving official of the dossier's agency books again a consignment that failed."""
    dossier = access.access_dossier(official, dossier_id)
    if not access.may_file_at_counter(official, dossier.agency_id):
        access.record_denial(official, "retry_booking", dossier.pk)
        raise NotAllowed(_("Only a receiving official of this agency can book the post."))
    blocked = booking_blocked(dossier, delivery_of(dossier))
    if blocked:
        raise WrongState(_("There is no consignment to book for this dossier now."))
    return book_consignment(dossier.pk)


# --- the provider's callbacks ---------------------------------------------------------------------


def _refuse(provider: str, consignment: str, reason: str) -> str:
    """A callback refused: audited with the consignment and the reason, nothing personal."""
    audit.record(
        "postal_callback_rejected",
        object_type="consignment",
        object_id=consignment or "-",
        data={"provider": provider, "reason": reason},
    )
    log.warning("postal_callback_rejected", extra={"provider": provider, "reason": reason})
    return reason


def receive_callback(provider_name: str, body: bytes, headers: Mapping[str, str]) -> str:
    """A provider's status callback: verified (signature, freshness), then applied once per
    event id under the dossier's lock. A status older than the one shown is kept but changes
    nothing ("kept"); nothing follows a final one (delivered, returned); "delivered" returns
    the dossier. Returns the outcome ("applied", "kept", or why it was refused)."""
    provider = postal.get_provider(provider_name)
    if provider is None:
        return _refuse(provider_name[:20], "", "unknown_provider")
    try:
        report = provider.parse_callback(body, headers)
    except postal.InvalidCallback as exc:
        return _refuse(provider.name, exc.consignment, exc.reason)
    dossier_id = (
        Delivery.objects.filter(provider=provider.name, consignment=report.consignment)
        .values_list("dossier_id", flat=True)
        .first()
    )
    if dossier_id is None:
        return _refuse(provider.name, report.consignment, "unknown_consignment")
    with transaction.atomic():
        dossier = lock_dossier(dossier_id)
        delivery = Delivery.objects.get(dossier=dossier)
        if PostalCallback.objects.filter(provider=provider.name, event_id=report.event_id).exists():
            return _refuse(provider.name, report.consignment, "replayed")
        applied = delivery.postal_status not in FINAL_POSTAL_STATUSES and (
            delivery.status_at is None or report.occurred_at >= delivery.status_at
        )
        PostalCallback.objects.create(
            delivery=delivery,
            provider=provider.name,
            event_id=report.event_id,
            status=report.status,
            occurred_at=report.occurred_at,
            applied=applied,
            note=report.note,
        )
        if not applied:
            log.info("postal_callback_kept", extra={"dossier": dossier_id, "status": report.status})
            return "kept"
        delivery.postal_status = report.status
        delivery.status_at = report.occurred_at
        delivery.save(update_fields=["postal_status", "status_at"])
        raise_version(dossier)
        record(
            dossier,
            "postal_status",
            None,
            dossier.status,
            status=report.status,
            consignment=delivery.consignment,
            occurred_at=report.occurred_at.isoformat(),
        )
        if report.status == PostalStatus.DELIVERED and dossier.status == Status.RESULT_READY:
            _returned_by_post(dossier, delivery)
    return "applied"


def _returned_by_post(dossier: Dossier, delivery: Delivery) -> None:
    """Trả kết quả qua bưu chính: the post delivered the result; the dossier is returned."""
    dossier.status = Status.RETURNED
    dossier.finished_at = timezone.now()
    late = bool(dossier.due_at and dossier.finished_at > dossier.due_at)
    dossier.save(update_fields=["status", "finished_at"])
    raise_version(dossier)
    record(
        dossier,
        "returned",
        None,
        Status.RESULT_READY,
        on_time=not late,
        delivery=DeliveryMethod.POST,
        consignment=delivery.consignment,
    )


def postal_guard(dossier: Dossier, action: str) -> str | None:
    """``dossiers.step_guard``: a result sent by post is returned when the post delivers it,
    not by an official's hand, unless the post brought it back to the agency."""
    if action != "return_result":
        return None
    delivery = delivery_of(dossier)
    if delivery is None or delivery.method != DeliveryMethod.POST:
        return None
    if delivery.postal_status == PostalStatus.RETURNED:
        return None
    return str(
        _(
            "The result is sent by public postal service: the dossier is returned when the post"
            " office confirms delivery."
        )
    )
