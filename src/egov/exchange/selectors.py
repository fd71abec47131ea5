"""Reads of the document axis: the registers ("sổ văn bản đi / đến"), a document with what its
page shows, monthly counts for the dashboard, the outbox, and /metrics."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import ExtractMonth, ExtractYear

from egov.core.metrics import Metric, gauge
from egov.core.text import fold

from . import access
from .models import Delivery, DeliveryStatus, Document, DocumentEvent


@dataclass(frozen=True)
class RegisterFilter:
    incoming: bool
    year: int | None = None
    doc_type: int | None = None
    state: str = ""
    query: str = ""
    agency_id: int | None = None


def register(user: object, wanted: RegisterFilter) -> QuerySet[Document]:
    """The user's register of documents sent or received, newest first; ``query`` matches the
    number, subject, summary and the other side's name without regard to diacritics."""
    documents = access.visible_documents(user).filter(incoming=wanted.incoming)
    if wanted.agency_id:
        documents = documents.filter(agency_id=wanted.agency_id)
    if wanted.year:
        documents = documents.filter(
            Q(year=wanted.year) | Q(year__isnull=True, created_at__year=wanted.year)
        )
    if wanted.doc_type:
        documents = documents.filter(doc_type=wanted.doc_type)
    if wanted.state:
        documents = documents.filter(state=wanted.state)
    for word in fold(wanted.query).split():
        documents = documents.filter(search_text__contains=word)
    return documents.select_related("agency").order_by("-created_at", "-pk")


def document_page(document: Document) -> Document:
    """The document with its attachments, recipients, events and follow-ups loaded."""
    return (
        Document.objects.select_related("agency", "assigned_to", "related", "pending_request")
        .prefetch_related(
            "attachments",
            "recipients",
            Prefetch("events", queryset=DocumentEvent.objects.select_related("actor")),
        )
        .get(pk=document.pk)
    )


def deliveries_of(document: Document) -> QuerySet[Delivery]:
    """The outbox rows of the envelopes this document went out in: itself, its recall, and the
    statuses its recipient sent."""
    ids = [document.envelope_id] if document.envelope_id and not document.incoming else []
    ids += list(document.events.exclude(envelope=None).values_list("envelope", flat=True))
    return (
        Delivery.objects.filter(envelope__in=ids, envelope__incoming=False)
        .select_related("node", "envelope")
        .order_by("created_at", "pk")
    )


def undelivered(user: object) -> QuerySet[Delivery]:
    """Dead deliveries of envelopes the user's agencies sent."""
    codes = access.clerk_agencies(user).values("code")
    return (
        Delivery.objects.filter(
            status=DeliveryStatus.DEAD, envelope__incoming=False, envelope__sender_code__in=codes
        )
        .select_related("node", "envelope")
        .order_by("-created_at")
    )


@dataclass(frozen=True)
class MonthCount:
    year: int
    month: int
    sent: int
    received: int


def monthly_counts(
    agency_ids: list[int] | None = None, start: date | None = None, end: date | None = None
) -> list[MonthCount]:
    """Documents sent (issued) and received (arrived) per month, from their events, for some
    agencies or the whole deployment: the figure the national reports quote."""
    events = DocumentEvent.objects.filter(action__in=("issued", "arrived"))
    if agency_ids is not None:
        events = events.filter(document__agency_id__in=agency_ids)
    if start:
        events = events.filter(at__date__gte=start)
    if end:
        events = events.filter(at__date__lte=end)
    rows = (
        events.annotate(y=ExtractYear("at"), m=ExtractMonth("at"))
        .values("y", "m")
        .annotate(
            sent=Count("pk", filter=Q(action="issued")),
            received=Count("pk", filter=Q(action="arrived")),
        )
        .order_by("y", "m")
    )
    return [MonthCount(r["y"], r["m"], r["sent"], r["received"]) for r in rows]


def metrics() -> Iterable[Metric]:
    rows = Document.objects.values_list("incoming", "state").annotate(n=Count("pk"))
    yield gauge(
        "egov_exchange_documents",
        "Official documents by direction and state.",
        ["direction", "state"],
        (("in" if incoming else "out", state, n) for incoming, state, n in rows),
    )
    outbox = Delivery.objects.values_list("status").annotate(n=Count("pk"))
    yield gauge(
        "egov_exchange_outbox",
        "Envelope deliveries by status.",
        ["status"],
        ((status, n) for status, n in outbox),
    )
