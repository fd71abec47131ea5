"""Pages of the data repository: a citizen's documents, a document with its share links, the
public page of a share link, reuse from a draft, and digitisation at the counter. Thin: reads
through ``access``/``selectors``, writes through ``services``."""

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from egov.core.errors import ServiceError
from egov.core.files import read_stored
from egov.core.files import uploaded_files as _files
from egov.dossiers import access as dossier_access
from egov.dossiers import services as dossier_services
from egov.dossiers.constants import Channel, Status
from egov.dossiers.models import Dossier
from egov.dossiers.services import Upload
from egov.identity.auth import acting_user

from . import access, ocr, selectors, services
from .constants import SHARE_DEFAULT_DAYS, SHARE_MAX_DAYS, ScanState, document_type_label
from .models import RepositoryDocument, Scan


def file_response(document: RepositoryDocument) -> HttpResponse:
    """The document's file as a download (pages and API)."""
    response = HttpResponse(read_stored(document.file), content_type=document.file.content_type)
    response["Content-Disposition"] = content_disposition_header(True, document.filename)
    return response


# --- the owner's pages ---------------------------------------------------------------------------


@login_required
def documents(request: HttpRequest) -> HttpResponse:
    """Kho dữ liệu của tôi: my documents and those of the organisations I represent."""
    user = acting_user(request)
    held = list(access.documents_of(user))
    groups: list[tuple[str, list[RepositoryDocument]]] = [
        (_("Held for me"), [d for d in held if d.owner_person_id == user.pk])
    ]
    organisations: dict[int, Any] = {}
    for document in held:
        if document.owner_organisation_id:
            organisations.setdefault(document.owner_organisation_id, document.owner_organisation)
    for organisation_id, organisation in organisations.items():
        groups.append(
            (organisation.name, [d for d in held if d.owner_organisation_id == organisation_id])
        )
    return render(request, "repository/documents.html", {"groups": groups})


def _render_document(
    request: HttpRequest,
    document: RepositoryDocument,
    *,
    new_link: str = "",
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    owner = access.is_owner(request.user, document)
    return render(
        request,
        "repository/document.html",
        {
            "document": document,
            "is_owner": owner,
            "links": selectors.share_links(document) if owner else [],
            "uses": selectors.referencing_components(document) if owner else [],
            "new_link": new_link,
            "errors": errors or {},
            "default_days": SHARE_DEFAULT_DAYS,
            "max_days": SHARE_MAX_DAYS,
        },
        status=status,
    )


@login_required
def document(request: HttpRequest, document_id: int) -> HttpResponse:
    return _render_document(request, access.access_document(request.user, document_id))


@login_required
def download(request: HttpRequest, document_id: int) -> HttpResponse:
    return file_response(access.access_document(request.user, document_id, "download"))


@login_required
@require_POST
def share(request: HttpRequest, document_id: int) -> HttpResponse:
    """Create a share link and show it once (its token is not kept)."""
    document = access.access_own_document(request.user, document_id, "share")
    days = request.POST.get("days", "")
    try:
        _link, token = services.share(
            document.pk,
            acting_user(request),
            int(days) if days.isdigit() else 0,
            request.POST.get("note", ""),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _render_document(request, document, errors=exc.errors, status=exc.http_status)
    url = request.build_absolute_uri(reverse("repository:shared", args=[token]))
    return _render_document(request, document, new_link=url)


@login_required
@require_POST
def revoke(request: HttpRequest, share_id: int) -> HttpResponse:
    try:
        link = services.revoke_share(share_id, acting_user(request))
    except ServiceError as exc:
        raise Http404 from exc
    messages.success(request, _("The link has been revoked."))
    return redirect("repository:document", link.document_id)


# --- the public page of a share link ------------------------------------------------------------


def _private(response: HttpResponse) -> HttpResponse:
    """A shared document is nobody's to cache, index or leak through the Referer header."""
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def shared(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = services.open_share(token)
    except ServiceError:
        return _private(render(request, "repository/shared_invalid.html", status=404))
    return _private(
        render(
            request,
            "repository/shared.html",
            {"link": link, "document": link.document, "token": token},
        )
    )


def shared_file(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = services.open_share(token)
    except ServiceError:
        return _private(render(request, "repository/shared_invalid.html", status=404))
    return _private(file_response(link.document))


# --- reuse from a draft ----------------------------------------------------------------------------


@login_required
@require_POST
def reuse(request: HttpRequest, dossier_id: int, code: str) -> HttpResponse:
    """ "Use my document", posted with the draft's form: keep what was typed, then attach."""
    dossier = dossier_access.access_dossier(request.user, dossier_id, "reuse")
    user = acting_user(request)
    document_id = request.POST.get("document", "")
    try:
        if dossier.status == Status.DRAFT:
            uploads = {
                name.removeprefix("file_"): Upload(upload.name or name, upload, upload.size)
                for name, upload in _files(request)
                if name.startswith("file_") and name != f"file_{code}"
            }
            dossier_services.save_draft(dossier.pk, user, request.POST, uploads)
        services.reuse_document(
            dossier.pk, user, code, int(document_id) if document_id.isdigit() else 0
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your document has been attached."))
    return redirect("dossiers:edit", dossier.pk)


def component_extras(
    request: HttpRequest, dossier: Dossier, editing: bool
) -> dict[str, SafeString]:
    """Hook of the dossier pages: for each component, the document it reuses (its provenance
    and state, for the applicant and the officials) and, on a draft, "use my document"."""
    extras: dict[str, list[str]] = {}
    attached: dict[str, int] = {}
    for component, document in selectors.reused_in(dossier):
        attached[component.code] = document.pk
        extras.setdefault(component.code, []).append(
            render_to_string(
                "repository/_provenance.html",
                {"document": document, "component": component},
                request=request,
            )
        )
    if editing:
        for code, documents in selectors.reuse_offers(request.user, dossier).items():
            offered = [d for d in documents if d.pk != attached.get(code)]
            if not offered:
                continue
            extras.setdefault(code, []).append(
                render_to_string(
                    "repository/_reuse_offer.html",
                    {"dossier": dossier, "code": code, "offers": offered},
                    request=request,
                )
            )
    return {code: SafeString("".join(parts)) for code, parts in extras.items()}


# --- digitisation at the counter --------------------------------------------------------------------


def dossier_panels(request: HttpRequest, dossier: Dossier) -> list[SafeString]:
    """Hook of the dossier page: the digitisation step for a receiver of a counter dossier."""
    if dossier.channel != Channel.COUNTER or not access.may_digitise(request.user, dossier):
        return []
    html = render_to_string(
        "repository/_digitise_panel.html",
        {"dossier": dossier, "digitised": services.is_digitised(dossier)},
        request=request,
    )
    return [SafeString(html)]


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _digitisable(request: HttpRequest, dossier_id: int) -> Dossier:
    """The dossier, for a receiving official of its agency (404 for anyone else, audited)."""
    dossier = dossier_access.access_dossier(request.user, dossier_id, "digitise")
    if not access.may_digitise(request.user, dossier):
        dossier_access.record_denial(request.user, "digitise", dossier.pk)
        raise Http404
    return dossier


def _row(
    spec: dict[str, Any],
    present: Any,
    scan: Scan | None,
    post: Any,
    errors: dict[str, str],
) -> dict[str, Any]:
    """One component on the digitise page: its scan and the description, from what was posted,
    else from what the read scan proposes."""
    code = spec["code"]
    proposed: dict[str, str] = {}
    if scan is not None and scan.state == ScanState.READ:
        proposed = {
            "type": scan.document_type,
            "number": scan.number,
            "issuer": scan.issuer_name,
            "issued_on": scan.issued_on.isoformat() if scan.issued_on else "",
        }
    fields = ("type", "number", "issuer", "issued_on", "valid_until")
    return {
        "spec": spec,
        "file": present,
        "scan": scan,
        "values": {
            name: post.get(f"{name}_{code}", "") if post else proposed.get(name, "")
            for name in fields
        },
        "types": [(value, document_type_label(value)) for value in spec.get("document_types", [])],
        "errors": {
            key.split(":", 1)[1]: message
            for key, message in errors.items()
            if key.startswith(f"{code}:")
        },
    }


@login_required
def digitise(request: HttpRequest, dossier_id: int) -> HttpResponse:
    """Số hóa: scan and read each paper component, confirm what its text proposes (or describe
    it by hand), and file the documents the repository keeps."""
    dossier = _digitisable(request, dossier_id)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        post, files = request.POST, request.FILES
        papers = {}
        for spec in dossier.procedure.components:
            code = spec["code"]
            upload = files.get(f"file_{code}")
            scan_id = post.get(f"scan_{code}", "")
            papers[code] = services.PaperDocument(
                upload=Upload(upload.name or code, upload, upload.size) if upload else None,
                scan=int(scan_id) if scan_id.isdigit() else None,
                document_type=post.get(f"type_{code}", ""),
                number=post.get(f"number_{code}", ""),
                issuer_name=post.get(f"issuer_{code}", ""),
                issued_on=_date(post.get(f"issued_on_{code}", "")),
                valid_until=_date(post.get(f"valid_until_{code}", "")),
            )
        try:
            filed = services.digitise(dossier.pk, acting_user(request), papers)
        except ServiceError as exc:
            messages.error(request, exc.message)
            errors, status = exc.errors, exc.http_status
        else:
            messages.success(
                request,
                _(
                    "The dossier is digitised; %(count)d documents were filed in the applicant's repository."
                )
                % {"count": len(filed)},
            )
            return redirect("dossiers:detail", dossier.pk)
    present = {c.code: c for c in dossier.components.all()}
    scans = selectors.current_scans(dossier)
    rows = [
        _row(spec, present.get(spec["code"]), scans.get(spec["code"]), request.POST, errors)
        for spec in dossier.procedure.components
    ]
    return render(
        request,
        "repository/digitise.html",
        {
            "dossier": dossier,
            "rows": rows,
            "errors": errors,
            "digitised": services.is_digitised(dossier),
            "ocr_available": ocr.available(),
        },
        status=status,
    )


@login_required
@require_POST
def read_scans(request: HttpRequest, dossier_id: int) -> HttpResponse:
    """Keep the scans chosen (and, for a component without a new one, the scan taken at filing
    not read yet) and queue them to be read; back to the digitise page, which shows progress."""
    dossier = _digitisable(request, dossier_id)
    user = acting_user(request)
    present = {c.code for c in dossier.components.all()}
    already = selectors.current_scans(dossier)
    added = 0
    try:
        for spec in dossier.procedure.components:
            code = spec["code"]
            upload = request.FILES.get(f"file_{code}")
            if upload is not None:
                services.add_scan(
                    dossier.pk, user, code, Upload(upload.name or code, upload, upload.size)
                )
            elif code in present and code not in already:
                services.add_scan(dossier.pk, user, code)
            else:
                continue
            added += 1
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        if added:
            messages.success(
                request, _("The scans are being read; check the fields proposed from each.")
            )
        else:
            messages.error(request, _("Choose a scan to read."))
    return redirect(reverse("repository:digitise", args=[dossier.pk]) + "#confirm")


@login_required
def scan_state(request: HttpRequest, scan_id: int) -> HttpResponse:
    """The region of one scan on the digitise page, polled while it is read."""
    scan = access.access_scan(request.user, scan_id)
    dossier = scan.dossier
    spec = services.component_spec(dossier, scan.component)
    present = dossier.components.filter(code=scan.component).first()
    return render(
        request,
        "repository/_scan.html",
        {"row": _row(spec, present, scan, None, {}), "dossier": dossier},
    )
