"""Data repository API: my documents, downloads, share links, reuse in a draft, digitisation
at the counter, and the public read of a share link. Same permission rules as the pages."""

import json
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Form, Router, Schema, Status

from egov.core.errors import ERRORS, ErrorOut
from egov.core.files import uploaded_files as _files
from egov.core.idempotency import idempotent
from egov.core.pagination import paginated
from egov.dossiers import access as dossier_access
from egov.dossiers.services import Upload
from egov.identity.auth import acting_user, api_auth

from . import access, selectors, services
from .constants import SHARE_DEFAULT_DAYS
from .models import RepositoryDocument, Scan, ShareLink
from .services import InvalidInput
from .views import file_response

router = Router(auth=api_auth)
public_router = Router()


class DocumentOut(Schema):
    id: int
    document_type: str
    type_name: str
    subject_name: str = Field(
        description="Whom or what the document is about (the child of a birth certificate); "
        "empty: its owner"
    )
    number: str
    issuer_code: str | None
    issuer_name: str
    issued_on: date
    valid_until: date | None
    expired: bool
    sha256: str
    intact: bool = Field(description="The stored file still has the SHA-256 recorded at filing")
    content_type: str
    signature_state: str = Field(description="signed | digitised | other")
    owner_organisation: int | None
    source_dossier: str | None = Field(None, description="Receipt code of the source dossier")

    @staticmethod
    def resolve_type_name(d: RepositoryDocument) -> str:
        return d.type_label

    @staticmethod
    def resolve_issuer_code(d: RepositoryDocument) -> str | None:
        return d.issuer.code if d.issuer_id else None  # type: ignore[union-attr]

    @staticmethod
    def resolve_expired(d: RepositoryDocument) -> bool:
        return d.is_expired

    @staticmethod
    def resolve_intact(d: RepositoryDocument) -> bool:
        return d.is_intact

    @staticmethod
    def resolve_content_type(d: RepositoryDocument) -> str:
        return d.file.content_type

    @staticmethod
    def resolve_owner_organisation(d: RepositoryDocument) -> int | None:
        return d.owner_organisation_id

    @staticmethod
    def resolve_source_dossier(d: RepositoryDocument) -> str | None:
        return d.source_dossier.code if d.source_dossier_id else None  # type: ignore[union-attr]


class SharedDocumentOut(Schema):
    """What a share link reveals: the document, not its owner."""

    document_type: str
    type_name: str
    number: str
    issuer_name: str
    issued_on: date
    valid_until: date | None
    sha256: str
    signature_state: str
    expires_at: datetime


class ShareIn(Schema):
    days: int = SHARE_DEFAULT_DAYS
    note: str = ""


class ShareOut(Schema):
    id: int
    document: int
    note: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    active: bool
    opened_count: int

    @staticmethod
    def resolve_document(link: ShareLink) -> int:
        return link.document_id

    @staticmethod
    def resolve_active(link: ShareLink) -> bool:
        return link.is_active


class NewShareOut(ShareOut):
    token: str = Field(description="Shown once; only its hash is kept")
    url: str


class ReuseIn(Schema):
    document: int


class ReusedOut(Schema):
    component: str
    document: int
    source: str
    sha256: str


# --- the owner --------------------------------------------------------------------------------


@router.get("/documents", response=list[DocumentOut], summary="My documents")
@paginated(20)
def my_documents(request: HttpRequest) -> Any:
    """Your documents and those of the organisations you represent now, newest first."""
    return access.documents_of(acting_user(request)).select_related("source_dossier")


@router.get("/documents/{document_id}", response={200: DocumentOut, **ERRORS})
def get_document(request: HttpRequest, document_id: int) -> RepositoryDocument:
    """A document you own, or that a dossier you handle as an official references."""
    return access.access_document(request.user, document_id)


@router.get("/documents/{document_id}/file", response={200: None, **ERRORS}, summary="Download")
def download(request: HttpRequest, document_id: int) -> HttpResponse:
    return file_response(access.access_document(request.user, document_id, "download"))


@router.get("/documents/{document_id}/shares", response={200: list[ShareOut], **ERRORS})
@paginated(20)
def list_shares(request: HttpRequest, document_id: int) -> Any:
    return selectors.share_links(access.access_own_document(request.user, document_id, "share"))


@router.post(
    "/documents/{document_id}/shares",
    response={201: NewShareOut, **ERRORS},
    summary="Share a document by a link that expires",
)
@idempotent
def create_share(request: HttpRequest, document_id: int, payload: ShareIn) -> Status:
    """A read-only link to this one document for 1 to 30 days; anyone holding it reads the
    document without logging in until it expires or is revoked. The token is returned once."""
    link, token = services.share(document_id, acting_user(request), payload.days, payload.note)
    url = request.build_absolute_uri(reverse("repository:shared", args=[token]))
    # Shown once, never stored: carried on the instance for the response only.
    link.token, link.url = token, url  # type: ignore[attr-defined]
    return Status(201, link)


@router.post("/shares/{share_id}/revoke", response={200: ShareOut, **ERRORS})
def revoke_share(request: HttpRequest, share_id: int) -> ShareLink:
    return services.revoke_share(share_id, acting_user(request))


# --- reuse in a draft ---------------------------------------------------------------------------


@router.get(
    "/dossiers/{dossier_id}/offers",
    response={200: dict[str, list[DocumentOut]], **ERRORS},
    summary="Documents that may stand for each component of a draft",
)
def offers(request: HttpRequest, dossier_id: int) -> dict[str, list[RepositoryDocument]]:
    dossier = dossier_access.access_dossier(request.user, dossier_id)
    return selectors.reuse_offers(request.user, dossier)


@router.post(
    "/dossiers/{dossier_id}/components/{code}/reuse",
    response={200: ReusedOut, **ERRORS},
    summary="Use my document for a component of a draft",
)
@idempotent
def reuse(request: HttpRequest, dossier_id: int, code: str, payload: ReuseIn) -> dict[str, Any]:
    """Attach one of your repository documents (or your organisation's, for its dossier) to a
    component instead of uploading it: your own, of an accepted type, unexpired and intact."""
    component = services.reuse_document(dossier_id, acting_user(request), code, payload.document)
    return {
        "component": component.code,
        "document": payload.document,
        "source": component.source,
        "sha256": component.file.sha256,
    }


# --- digitisation at the counter ------------------------------------------------------------------


class ScanOut(Schema):
    """A scan taken at the counter and its reading: queued, reading (with progress), read (a
    searchable PDF/A and the fields its text proposes) or unavailable (filed as scanned)."""

    id: int
    dossier: int
    component: str
    state: str = Field(description="queued | reading | read | unavailable")
    progress: int = Field(description="0 to 100")
    page: int = Field(description="The page being read (while reading)")
    pages: int
    problem: str = Field(description="Why it was not read: missing | timeout | failed")
    number: str = Field(description="Proposed from the text, to confirm")
    issuer: str = Field(description="Proposed from the text, to confirm")
    issued_on: date | None = Field(description="Proposed from the text, to confirm")
    document_type: str = Field(description="Proposed from the text, to confirm")
    sha256: str = Field(description="Of the file that will be filed (the PDF/A once read)")
    filed_as: int | None = Field(description="The repository document, once filed")

    @staticmethod
    def resolve_dossier(scan: Scan) -> int:
        return scan.dossier_id

    @staticmethod
    def resolve_issuer(scan: Scan) -> str:
        return scan.issuer_name

    @staticmethod
    def resolve_sha256(scan: Scan) -> str:
        return str(scan.filed_file.sha256)

    @staticmethod
    def resolve_filed_as(scan: Scan) -> int | None:
        return scan.document_id


@router.post(
    "/dossiers/{dossier_id}/scans",
    response={202: ScanOut, **ERRORS},
    summary="Scan a paper component at the counter and have it read (multipart)",
)
@idempotent
def add_scan(request: HttpRequest, dossier_id: int, component: Form[str]) -> Status:
    """Receivers of the dossier's agency. Multipart: `component` (its code) and optionally the
    scan as `file` (else the scan taken at filing is read). The scan is read in the background
    (OCR: a searchable PDF/A, and the number, issuer and date its text proposes); follow it
    with `GET /scans/{id}`, then digitise with `"scan": id` in the component's description.
    Without OCR on the server the scan is `unavailable` at once and is filed as scanned."""
    uploads = dict(_files(request))
    upload = uploads.get("file")
    scan = services.add_scan(
        dossier_id,
        acting_user(request),
        component,
        Upload(upload.name or component, upload, upload.size) if upload else None,
    )
    return Status(202, scan)


@router.get("/scans/{scan_id}", response={200: ScanOut, **ERRORS}, summary="A scan's reading")
def get_scan(request: HttpRequest, scan_id: int) -> Scan:
    """For the receivers of the scan's dossier's agency; 404 for anyone else."""
    return access.access_scan(request.user, scan_id)


class PaperIn(Schema):
    scan: int | None = Field(None, description="A scan read beforehand (POST .../scans)")
    document_type: str = ""
    number: str = ""
    issuer: str = ""
    issued_on: date | None = None
    valid_until: date | None = None


@router.post(
    "/dossiers/{dossier_id}/digitise",
    response={201: list[DocumentOut], **ERRORS},
    summary="Digitise a counter dossier's paper documents (multipart)",
)
@idempotent
def digitise(request: HttpRequest, dossier_id: int, documents: Form[str] = "{}") -> Status:
    """Receivers of the dossier's agency. Multipart: `documents`, a JSON object mapping each
    component code to its description (`document_type`, `number`, `issuer`, `issued_on`,
    `valid_until`, and `scan`: a scan read beforehand, whose searchable PDF/A is filed), and
    optionally a scan per component under its code, filed as it is (else the scan taken at
    filing is kept). Returns the documents filed in the applicant's repository."""
    try:
        described = {code: PaperIn(**value) for code, value in json.loads(documents).items()}
    except (ValueError, TypeError, AttributeError) as exc:
        raise InvalidInput(
            "documents phải là một đối tượng JSON / documents must be a JSON object"
        ) from exc
    uploads = {
        name: Upload(upload.name or name, upload, upload.size) for name, upload in _files(request)
    }
    papers = {
        code: services.PaperDocument(
            upload=uploads.get(code),
            scan=paper.scan if paper else None,
            document_type=paper.document_type if paper else "",
            number=paper.number if paper else "",
            issuer_name=paper.issuer if paper else "",
            issued_on=paper.issued_on if paper else None,
            valid_until=paper.valid_until if paper else None,
        )
        for code in {*described, *uploads}
        for paper in [described.get(code)]
    }
    filed = services.digitise(dossier_id, acting_user(request), papers)
    return Status(201, filed)


# --- public: a share link --------------------------------------------------------------------------


@public_router.get("/shared/{token}", response={200: SharedDocumentOut, 404: ErrorOut})
def shared(request: HttpRequest, token: str) -> dict[str, Any]:
    """The document behind a share link, without login, while the link is valid."""
    link = services.open_share(token)
    document = link.document
    return {
        "document_type": document.document_type,
        "type_name": document.type_label,
        "number": document.number,
        "issuer_name": document.issuer_name,
        "issued_on": document.issued_on,
        "valid_until": document.valid_until,
        "sha256": document.sha256,
        "signature_state": document.signature_state,
        "expires_at": link.expires_at,
    }


@public_router.get("/shared/{token}/file", response={200: None, 404: ErrorOut})
def shared_file(request: HttpRequest, token: str) -> HttpResponse:
    return file_response(services.open_share(token).document)
