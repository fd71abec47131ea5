"""Pages: public verification of result documents, egov's time-stamping endpoint, and the
back-office list of issued results with revocation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from egov.core.errors import ServiceError
from egov.core.files import read_checked_upload
from egov.core.pagination import page_of
from egov.dossiers import access as dossier_access
from egov.dossiers.models import Dossier
from egov.identity.auth import acting_user

from . import pki, selectors, services, tsa
from .models import ResultDocument, ResultStatus
from .verification import Verdict, normalise_code, verify_code, verify_pdf


def checked_pdf(upload: object) -> bytes:
    """The bytes of an uploaded PDF, checked for size and content, or ValidationError."""
    data, content_type = read_checked_upload(
        upload,  # type: ignore[arg-type]
        getattr(upload, "name", "") or "tep.pdf",
        getattr(upload, "size", None),
    )
    if content_type != "application/pdf":
        raise ValidationError(_("Only a PDF document can be verified."))
    return data


def verify(request: HttpRequest) -> HttpResponse:
    """Xác thực văn bản điện tử: anyone uploads a PDF or enters a verification code."""
    verdict: Verdict | None = None
    error = ""
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("document")
        code = normalise_code(request.POST.get("code", ""))
        if upload is not None:
            try:
                verdict = verify_pdf(checked_pdf(upload))
            except ValidationError as exc:
                error, status = exc.messages[0], 422
        elif code:
            return redirect("records:verify_code", code)
        else:
            error, status = _("Enter a verification code or choose a PDF file."), 422
    return render(
        request,
        "records/verify.html",
        {"verdict": verdict, "error": error, "published": pki.published_certificates()},
        status=status,
    )


def verify_by_code(request: HttpRequest, code: str) -> HttpResponse:
    """Where the QR code on a result leads."""
    verdict = verify_code(code)
    return render(
        request,
        "records/verify.html",
        {"verdict": verdict, "code": code, "published": pki.published_certificates()},
        status=404 if verdict.outcome == "unknown" else 200,
    )


#: Certificates change rarely; verifiers and caches may keep them for an hour.
_PUBLISHED_CACHE = "public, max-age=3600"


@require_GET
def trust_roots(request: HttpRequest) -> HttpResponse:
    """The trust roots (PEM bundle) a verifier needs to validate results without egov."""
    bundle = "".join(
        published.pem() for published in pki.published_certificates() if published.role == "root"
    )
    response = HttpResponse(bundle, content_type="application/x-pem-file")
    response["Content-Disposition"] = 'inline; filename="egov-trust-roots.pem"'
    response["Cache-Control"] = _PUBLISHED_CACHE
    return response


@require_GET
def published_certificate(request: HttpRequest, fingerprint: str, encoding: str) -> HttpResponse:
    """One published certificate by its SHA-256 fingerprint, as PEM (``.pem``) or DER (``.cer``)."""
    found = next(
        (c for c in pki.published_certificates() if c.fingerprint == fingerprint.lower()), None
    )
    if found is None or encoding not in {"pem", "cer"}:
        raise Http404
    if encoding == "pem":
        response = HttpResponse(found.pem(), content_type="application/x-pem-file")
    else:
        response = HttpResponse(found.der(), content_type="application/pkix-cert")
    response["Content-Disposition"] = (
        f'inline; filename="egov-{found.role}-{fingerprint[:16]}.{encoding}"'
    )
    response["Cache-Control"] = _PUBLISHED_CACHE
    return response


@csrf_exempt
@require_POST
def timestamp(request: HttpRequest) -> HttpResponse:
    """RFC 3161 over HTTP: a DER TimeStampReq in, a DER TimeStampResp out."""
    if request.content_type != tsa.QUERY_TYPE:
        return HttpResponse(status=415)
    reply, granted = tsa.respond(request.body[:65536])
    return HttpResponse(reply, content_type=tsa.REPLY_TYPE, status=200 if granted else 400)


@login_required
def issued(request: HttpRequest) -> HttpResponse:
    """Kết quả đã cấp: the results of the agencies where the official may revoke."""
    agency_ids = selectors.revocable_agencies(acting_user(request))
    if not agency_ids:
        raise Http404
    page = page_of(request, selectors.issued_results(agency_ids), 50)
    return render(request, "records/issued.html", {"page": page})


@login_required
def revoke(request: HttpRequest, code: str) -> HttpResponse:
    """Thu hồi kết quả: the issuing agency's approver gives a reason."""
    user = acting_user(request)
    document = ResultDocument.objects.select_related("agency", "dossier").filter(code=code).first()
    if document is None or not services.may_revoke(user, document):
        raise Http404
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            services.revoke(code, user, request.POST.get("reason", ""))
        except ServiceError as exc:
            messages.error(request, exc.message)
            errors, status = exc.errors, exc.http_status
        else:
            messages.success(request, _("The document %(code)s is revoked.") % {"code": code})
            return redirect("records:issued")
    return render(
        request, "records/revoke.html", {"document": document, "errors": errors}, status=status
    )


# --- the signing status on the dossier page --------------------------------------------------------


def _status_context(request: HttpRequest, dossier: Dossier, document: ResultDocument) -> dict:
    return {
        "dossier": dossier,
        "document": document,
        "is_staff_view": dossier_access.is_official_of(request.user, dossier.agency_id),
    }


def result_panel(request: HttpRequest, dossier: Dossier) -> list[SafeString]:
    """Hook of the dossier page: while the approved result is being signed (or if signing
    failed), say so; the panel asks for its status until it is signed."""
    document = selectors.result_of(dossier.pk)
    if document is None or document.status == ResultStatus.SIGNED:
        return []  # a signed result's download link is on the page already
    html = render_to_string(
        "records/_result_status.html", _status_context(request, dossier, document), request
    )
    return [SafeString(html)]


@login_required
def result_status(request: HttpRequest, dossier_id: int) -> HttpResponse:
    """The signing status of a dossier's result, asked by its page every few seconds: once
    signed, the answer carries the download link and no further request."""
    dossier = dossier_access.access_dossier(request.user, dossier_id)
    document = selectors.result_of(dossier.pk)
    if document is None:
        raise Http404
    response = render(
        request,
        "records/_result_status.html#status",
        _status_context(request, dossier, document),
    )
    response["Cache-Control"] = "no-store"
    return response
