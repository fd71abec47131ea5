"""The clerk's pages: the registers of documents received and sent, composing and sending,
a document with its statuses and the next steps, import of an edXML file, undelivered
envelopes."""

from datetime import date
from io import BytesIO
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from egov.core.errors import InvalidInput, ServiceError
from egov.core.files import (
    clean_filename,
    open_stored,
    read_checked_upload,
    read_stored,
    uploaded_files,
)
from egov.core.models import Agency
from egov.core.pagination import page_of
from egov.core.selectors import subtree_ids
from egov.identity.auth import acting_user
from egov.identity.models import User

from . import access, outbox, routing, selectors, services
from .constants import DOCUMENT_TYPES, PRIORITIES, STATUS_LABELS
from .models import Delivery, Document, DocumentState


def _clerk_or_404(request: HttpRequest) -> User:
    user = acting_user(request)
    if not user.is_official:
        raise Http404
    return user


def _direction(direction: str) -> bool:
    """``den`` (received) is incoming, ``di`` (sent) outgoing; anything else is not a page."""
    if direction not in ("den", "di"):
        raise Http404
    return direction == "den"


def _filter(request: HttpRequest, incoming: bool) -> selectors.RegisterFilter:
    def number(name: str) -> int | None:
        value = request.GET.get(name, "")
        return int(value) if value.isdigit() and len(value) <= 4 else None

    agency = access.clerk_agencies(acting_user(request)).filter(code=request.GET.get("agency", ""))
    return selectors.RegisterFilter(
        incoming=incoming,
        year=number("year"),
        doc_type=number("type"),
        state=request.GET.get("state", "")[:10],
        query=request.GET.get("q", "")[:100],
        agency_id=agency.values_list("pk", flat=True).first(),
    )


@login_required
def register(request: HttpRequest, direction: str = "den") -> HttpResponse:
    """Sổ văn bản đến (``den``) or đi (``di``)."""
    user = _clerk_or_404(request)
    incoming = _direction(direction)
    wanted = _filter(request, incoming)
    documents = selectors.register(user, wanted)
    states = [
        (s.value, s.label)
        for s in DocumentState
        if (s.value.isdigit() if incoming else not s.value.isdigit())
    ]
    return render(
        request,
        "exchange/register.html",
        {
            "page": page_of(request, documents, 25),
            "incoming": incoming,
            "direction": direction,
            "wanted": wanted,
            "types": DOCUMENT_TYPES,
            "states": states,
            "is_clerk": access.clerk_agencies(user).exists(),
            "agencies": access.clerk_agencies(user),
            "undelivered": selectors.undelivered(user).count(),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def register_xlsx(request: HttpRequest, direction: str) -> HttpResponse:
    """The register as a spreadsheet, with the page's filters."""
    user = _clerk_or_404(request)
    incoming = _direction(direction)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = str(
        pgettext("official document", "Received")
        if incoming
        else pgettext("official document", "Sent")
    )
    sheet.append(
        [
            _("Number and notation"),
            _("Date"),
            pgettext("official document", "Type"),
            pgettext("official document", "Subject"),
            _("Sender") if incoming else _("Recipients"),
            _("State"),
        ]
    )
    for document in selectors.register(user, _filter(request, incoming)).prefetch_related(
        "recipients"
    )[:50_000]:
        other = (
            document.sender_name or document.sender_code
            if incoming
            else ", ".join(r.agency_name or r.agency_code for r in document.recipients.all())
        )
        sheet.append(
            [
                document.code,
                document.promulgated_on,
                document.get_doc_type_display(),
                document.subject,
                other,
                document.get_state_display(),
            ]
        )
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"so-van-ban-{direction}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _draft_from(post: Any) -> services.Draft:
    def integer(name: str, default: int = 0) -> int:
        value = post.get(name, "")
        return int(value) if value.isdigit() and len(value) < 6 else default

    due = post.get("due_date", "")
    try:
        due_date = date.fromisoformat(due) if due else None
    except ValueError:
        due_date = None
    return services.Draft(
        doc_type=integer("doc_type"),
        subject=post.get("subject", "")[:600],
        summary=post.get("summary", "")[:600],
        series=post.get("series", "")[:20],
        issuer_abbreviation=post.get("issuer_abbreviation", "")[:12],
        drafting_unit=post.get("drafting_unit", "")[:12],
        signer_competence=post.get("signer_competence", "")[:100],
        signer_position=post.get("signer_position", "")[:100],
        signer_name=post.get("signer_name", "")[:60],
        place=post.get("place", "")[:60],
        priority=integer("priority"),
        due_date=due_date,
        recipients=[code[:35] for code in post.getlist("recipients")][:500],
        related_id=integer("related") or None,
        business=integer("business"),
    )


@login_required
def compose(request: HttpRequest) -> HttpResponse:
    user = _clerk_or_404(request)
    agencies = list(access.clerk_agencies(user))
    if not agencies:
        raise Http404
    errors: dict[str, str] = {}
    draft, related = _draft_for(request, user)
    agency = related.agency if related is not None else agencies[0]
    if request.method == "POST":
        draft = _draft_from(request.POST)
        agency = next((a for a in agencies if a.code == request.POST.get("agency")), agency)
        try:
            uploads = uploads_from(request)
            document = services.compose(user, agency, draft, uploads)
        except ServiceError as exc:
            errors = exc.errors or {"__all__": exc.message}
        else:
            messages.success(request, _("The draft is saved. Check it, then issue and send it."))
            return redirect("exchange:document", document.pk)
    return render(
        request,
        "exchange/compose.html",
        {
            "agencies": agencies,
            "agency": agency,
            "draft": draft,
            "errors": errors,
            "types": DOCUMENT_TYPES,
            "priorities": PRIORITIES.items(),
            "recipients": [
                (code, name) for code, name in routing.known_agencies() if code != agency.code
            ],
            "abbreviation": draft.issuer_abbreviation or services.default_abbreviation(agency),
            "related": related,
        },
        status=422 if errors else 200,
    )


def _draft_for(request: HttpRequest, user: User) -> tuple[services.Draft, Document | None]:
    """A blank draft, or one that answers (``?related=ID``), updates or replaces
    (``&business=2|3``) a document the user sees, with its recipients and subject filled in."""
    value, business = request.GET.get("related", ""), request.GET.get("business", "0")
    if not value.isdigit() or len(value) > 12:
        return services.Draft(doc_type=18, subject=""), None
    related = access.document_for(user, int(value))
    kind = int(business) if business in ("2", "3") and not related.incoming else 0
    if kind:  # the same document again, to the same recipients
        recipients = [r.agency_code for r in related.recipients.all()]
        draft = services.Draft(
            doc_type=related.doc_type,
            subject=related.subject,
            summary=related.summary,
            recipients=recipients,
            related_id=related.pk,
            business=kind,
        )
    else:  # an answer to the sender
        draft = services.Draft(
            doc_type=18,
            subject=pgettext("official document", "Reply to %(code)s: %(subject)s")
            % {"code": related.code, "subject": related.subject},
            recipients=[related.sender_code],
            related_id=related.pk,
        )
    draft.subject = draft.subject[:500]
    return draft, related


def uploads_from(request: HttpRequest) -> list[services.Upload]:
    """The main file and appendices of a multipart request, checked (size, type, name)."""
    uploads = []
    for field, upload in uploaded_files(request):
        if field not in ("main_file", "appendices"):
            continue
        try:
            data, content_type = read_checked_upload(upload, upload.name or "", upload.size)
        except ValidationError as exc:
            raise InvalidInput(exc.messages[0], {field: exc.messages[0]}) from exc
        uploads.append(
            services.Upload(
                clean_filename(upload.name or "file"), data, content_type, field == "main_file"
            )
        )
    return uploads


@login_required
def document(request: HttpRequest, document_id: int) -> HttpResponse:
    user = _clerk_or_404(request)
    found = selectors.document_page(access.document_for(user, document_id))
    is_clerk = access.is_clerk(user, found.agency)
    return render(
        request,
        "exchange/document.html",
        {
            "document": found,
            "is_clerk": is_clerk,
            "next_steps": services.TRANSITIONS.get(found.state, set()) if found.incoming else set(),
            "officials": User.objects.filter(agency=found.agency, is_active=True).order_by(
                "full_name"
            )
            if is_clerk
            else [],
            "deliveries": selectors.deliveries_of(found) if is_clerk else [],
            "may_complete": found.assigned_to_id == user.pk or is_clerk,
            "signature_note": services.PROBLEMS.get(found.signature, found.signature),
        },
    )


@login_required
@require_POST
def act(request: HttpRequest, document_id: int) -> HttpResponse:
    """One step on the document page: send, a status, recall, or the answer to a recall."""
    user = _clerk_or_404(request)
    found = access.document_for(user, document_id)
    action = request.POST.get("action", "")
    note = request.POST.get("note", "")[:500]
    try:
        if action == "send":
            found = services.issue_and_send(user, found)
            messages.success(request, _("Issued as %(code)s and sent.") % {"code": found.code})
        elif action == "recall":
            services.recall(user, found, note)
            messages.success(request, _("The recall is sent to every recipient."))
        elif action in ("accept_request", "refuse_request"):
            services.answer_request(user, found, action == "accept_request", note)
            messages.success(request, _("Your answer is sent to the sender."))
        elif action in STATUS_LABELS:
            assignee = None
            if request.POST.get("assignee", "").isdigit():
                assignee = User.objects.filter(
                    pk=int(request.POST["assignee"]), agency=found.agency
                ).first()
            services.advance(
                user, found, action, note, assignee, request.POST.get("department", "")[:120]
            )
            messages.success(
                request,
                _("Done: %(status)s. The sender is told.") % {"status": STATUS_LABELS[action]},
            )
        else:
            raise Http404
    except ServiceError as exc:
        details = " ".join(str(message) for message in exc.errors.values())
        messages.error(request, f"{exc.message} {details}".strip())
    return redirect("exchange:document", found.pk)


@login_required
def attachment(request: HttpRequest, document_id: int, attachment_id: int) -> FileResponse:
    found = access.document_for(_clerk_or_404(request), document_id)
    item = found.attachments.select_related("file").filter(pk=attachment_id).first()
    if item is None:
        raise Http404
    return FileResponse(
        open_stored(item.file),
        as_attachment=True,
        filename=clean_filename(item.name),
        content_type=item.content_type,
    )


def edxml_response(document: Document) -> HttpResponse:
    """The document's envelope as a file, byte for byte as signed."""
    if document.envelope is None:
        raise Http404
    response = HttpResponse(read_stored(document.envelope.file), content_type="application/xml")
    name = clean_filename((document.code or str(document.pk)).replace("/", "_"))
    response["Content-Disposition"] = f'attachment; filename="{name}.edxml"'
    return response


@login_required
def export(request: HttpRequest, document_id: int) -> HttpResponse:
    return edxml_response(access.document_for(_clerk_or_404(request), document_id))


@login_required
def import_file(request: HttpRequest) -> HttpResponse:
    user = _clerk_or_404(request)
    if not access.clerk_agencies(user).exists():
        raise Http404
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("Choose an edXML file.")
        else:
            try:
                receipt = services.import_envelope(user, upload.read())
            except ServiceError as exc:
                details = "; ".join(f"{k}: {v}" for k, v in exc.errors.items())
                error = f"{exc.message} {details}".strip()
            else:
                if receipt.duplicate:
                    messages.info(request, _("This envelope was received before."))
                else:
                    messages.success(request, _("The document is filed in the register."))
                return redirect("exchange:register", "den")
    return render(request, "exchange/import.html", {"error": error}, status=422 if error else 200)


@login_required
def undelivered(request: HttpRequest) -> HttpResponse:
    user = _clerk_or_404(request)
    if request.method == "POST":
        delivery = (
            Delivery.objects.select_related("envelope")
            .filter(
                pk=request.POST.get("delivery", "0")
                if request.POST.get("delivery", "").isdigit()
                else 0
            )
            .first()
        )
        if delivery is None:
            raise Http404
        try:
            outbox.retry(user, delivery)
            messages.success(request, _("The envelope is queued again."))
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("exchange:undelivered")
    page = page_of(request, selectors.undelivered(user), 25)
    return render(request, "exchange/undelivered.html", {"page": page})


def dashboard_panel(
    request: HttpRequest, agency: Agency | None, start: date, end: date
) -> list[SafeString]:
    """The indicators' pages: documents sent and received per month (insights hook)."""
    ids = subtree_ids(agency) if agency is not None else None
    counts = selectors.monthly_counts(ids, start, end)
    return [
        render_to_string(
            "exchange/_dashboard_panel.html",
            {
                "months": counts,
                "total_sent": sum(c.sent for c in counts),
                "total_received": sum(c.received for c in counts),
            },
            request,
        )
    ]
