"""Uploaded files: checked (size, sniffed type, content, name) and stored content-addressed by
SHA-256.

A PDF is parsed (pyHanko's reader) and refused when it carries active content: JavaScript,
launch or other actions that run or fetch something, additional actions (/AA), embedded files,
rich media or XFA forms. A file that is also something else (a polyglot: bytes before ``%PDF-``,
HTML or script markup anywhere, a PDF that does not parse) is refused too; so is an image that
does not decode. Nothing is neutralised: officials receive the citizen's file byte for byte or
not at all."""

import hashlib
import io
import re
import unicodedata
import warnings
from collections.abc import Iterator
from typing import IO, Any, cast

import puremagic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from PIL import Image
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from .models import StoredFile

#: What citizens may upload: documents and scans. Decided by content, never by the name.
ALLOWED_TYPES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}
_SAFE_NAME = re.compile(r"[^\w.\- ]+")


def clean_filename(name: str) -> str:
    """A display name without paths, control characters or anything a shell or browser misreads."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = _SAFE_NAME.sub("_", name).strip(" .") or "tep"
    return name[:120]


def sniff_content_type(head: bytes) -> str | None:
    """The content type read from the file's first bytes, if it is one we accept."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        return None
    for match in matches:
        if match.mime_type in ALLOWED_TYPES:
            return str(match.mime_type)
    return None


def read_checked_upload(upload: IO[bytes], name: str, size: int | None = None) -> tuple[bytes, str]:
    """Read an upload and return (bytes, content type), or raise ValidationError in Vietnamese."""
    limit = settings.UPLOAD_MAX_BYTES
    if size is not None and size > limit:
        raise ValidationError(
            _("The file %(name)s is larger than %(limit)d MB.")
            % {"name": clean_filename(name), "limit": limit // (1024 * 1024)}
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            _("The file %(name)s is larger than %(limit)d MB.")
            % {"name": clean_filename(name), "limit": limit // (1024 * 1024)}
        )
    if not data:
        raise ValidationError(_("The file %(name)s is empty.") % {"name": clean_filename(name)})
    content_type = sniff_content_type(data[:4096])
    if content_type is None:
        raise ValidationError(
            _("The file %(name)s is not a PDF, JPEG or PNG document.")
            % {"name": clean_filename(name)}
        )
    check_content(data, content_type, name)
    return data, content_type


# --- content checks --------------------------------------------------------------------------------

#: Markup that makes a file render or run as a web page (a polyglot), looked for anywhere.
_MARKUP = re.compile(
    rb"<\s*(?:script|html|body|head|iframe|object|embed|svg|meta|form|a\s+href)\b|<!doctype|<\?php"
    rb"|javascript:",
    re.IGNORECASE,
)
#: Dictionary keys whose presence alone is active content.
_ACTIVE_KEYS = frozenset(
    {
        "/JavaScript",
        "/JS",
        "/AA",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/RichMedia",
        "/RichMediaContent",
        "/XFA",
        "/EF",
    }
)
#: Action types that run code, open other files or programs, or send data.
_ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/GoToR",
        "/GoToE",
        "/ImportData",
        "/SubmitForm",
        "/RichMediaExecute",
        "/Rendition",
    }
)
#: Object types whose presence is active content.
_ACTIVE_TYPES = frozenset({"/EmbeddedFile", "/RichMedia"})
#: Annotation subtypes that play media, carry 3D scripts or files.
_ACTIVE_SUBTYPES = frozenset(
    {"/RichMedia", "/Screen", "/Movie", "/Sound", "/3D", "/FileAttachment"}
)
_MAX_OBJECTS = 200_000


def check_content(data: bytes, content_type: str, name: str) -> None:
    """Refuse (ValidationError in Vietnamese) a file whose content is not only what it claims."""
    display = {"name": clean_filename(name)}
    if _MARKUP.search(data):
        raise ValidationError(
            _(
                "The file %(name)s contains web page or script code; it is refused. "
                "Save or scan the document again as a plain PDF, JPEG or PNG file."
            )
            % display
        )
    if content_type == "application/pdf":
        _check_pdf(data, display)
    else:
        _check_image(data, content_type, display)


def _check_image(data: bytes, content_type: str, display: dict[str, str]) -> None:
    expected = {"image/jpeg": "JPEG", "image/png": "PNG"}[content_type]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
            with Image.open(io.BytesIO(data)) as image:
                if image.format != expected:
                    raise ValueError(image.format)
                image.load()
    except Exception as exc:  # any decoder error: the file is not a whole image
        raise ValidationError(
            _("The file %(name)s is not a readable image; it may be damaged or disguised.")
            % display
        ) from exc


def _check_pdf(data: bytes, display: dict[str, str]) -> None:
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            raise ValidationError(
                _("The file %(name)s is password-protected; upload it without a password.")
                % display
            )
        active = _active_content(reader)
    except ValidationError:
        raise
    except Exception as exc:  # whatever the parser trips on: not a well-formed PDF
        raise ValidationError(
            _("The file %(name)s is not a readable PDF document; it may be damaged or disguised.")
            % display
        ) from exc
    if active:
        raise ValidationError(
            _(
                "The file %(name)s contains active content (%(what)s), which could run on the "
                "official's computer; it is refused. Print it to a new PDF or scan it, and "
                "upload that file."
            )
            % {**display, "what": ", ".join(sorted(active))}
        )


def _active_content(reader: PdfFileReader) -> set[str]:
    """The kinds of active content found walking every object reachable from the trailer."""
    found: set[str] = set()
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [reader.trailer_view]
    visited = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, generic.IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        visited += 1
        if visited > _MAX_OBJECTS:
            raise ValueError("too many objects")
        if isinstance(obj, generic.DictionaryObject):  # stream objects are dictionaries too
            found |= _active_in_dictionary(obj)
            stack.extend(obj.raw_get(k) for k in obj)
        elif isinstance(obj, generic.ArrayObject):
            stack.extend(obj.raw_get(i) for i in range(len(obj)))
    return found


def _active_in_dictionary(obj: generic.DictionaryObject) -> set[str]:
    found = {key.lstrip("/") for key in obj if key in _ACTIVE_KEYS}
    kind = obj.get("/Type") if "/Type" in obj else None
    if kind in _ACTIVE_TYPES:
        found.add(str(kind).lstrip("/"))
    subtype = obj.get("/Subtype") if "/Subtype" in obj else None
    if subtype in _ACTIVE_SUBTYPES:
        found.add(str(subtype).lstrip("/"))
    action = obj.get("/S") if "/S" in obj else None
    if action in _ACTIVE_ACTIONS:
        found.add(str(action).lstrip("/"))
    if action == "/URI" and "/URI" in obj:
        uri = str(obj.get("/URI")).strip().lower()
        if not uri.startswith(("http://", "https://", "mailto:")):
            found.add("URI")
    return found


def store_bytes(data: bytes, content_type: str) -> StoredFile:
    """Store ``data`` once under its SHA-256 and return its row (existing or new)."""
    digest = hashlib.sha256(data).hexdigest()
    existing = StoredFile.objects.filter(sha256=digest).first()
    if existing:
        return existing
    stored = StoredFile(sha256=digest, size=len(data), content_type=content_type)
    if not default_storage.exists(stored.storage_name):
        default_storage.save(stored.storage_name, ContentFile(data))
    try:
        with transaction.atomic():
            stored.save()
    except IntegrityError:  # the same bytes stored by a concurrent request
        return StoredFile.objects.get(sha256=digest)
    return stored


def open_stored(stored: StoredFile) -> IO[bytes]:
    return default_storage.open(stored.storage_name, "rb")


def read_stored(stored: StoredFile) -> bytes:
    with open_stored(stored) as handle:
        return handle.read()


def uploaded_files(request: HttpRequest) -> Iterator[tuple[str, UploadedFile]]:
    """(field name, file) for every file in a multipart request (the last one per field)."""
    for name in request.FILES:
        yield name, cast(UploadedFile, request.FILES[name])
