"""Uploaded files: checked (size, sniffed type, name) and stored content-addressed by SHA-256."""

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from typing import IO, cast

import puremagic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

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
    return data, content_type


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
