"""``@idempotent``: a POST a client may retry, answered once.

With an ``Idempotency-Key`` header (at most 100 characters) the first request runs and its
successful answer is kept with the request's fingerprint, per user; a retry with the same key and
the same request gets that answer again (``200`` where the first was ``201``, and
``Idempotent-Replayed: true``) without running anything, and the same key with another request
(another body, or another endpoint) is refused with ``422 idempotency_key_reused``. A refusal is
not kept: the key stays free for a corrected request. Concurrent retries wait for the first one
(the key row is claimed in the request's transaction) and then get its answer. Without the
header a request runs as usual. ``manage.py purge_idempotency_keys`` forgets old keys."""

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Optional, cast

from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Header
from ninja.operation import Operation
from ninja.utils import contribute_operation_args, contribute_operation_callback

from .errors import InvalidInput
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 100
#: How long keys are kept by ``purge_idempotency_keys`` unless told otherwise.
KEEP_FOR = timedelta(days=7)
_CLAIM = "_egov_idempotency_claim"
_ARG = "egov_idempotency_key"


class KeyReused(InvalidInput):
    """The key was already used by this user for a different request."""

    code = "idempotency_key_reused"


def _digest(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def fingerprint(request: HttpRequest) -> str:
    """SHA-256 of what makes two requests the same: method, path, and the body — the form fields
    and each file's SHA-256 for a multipart body (its boundary changes on each try), the JSON
    value for a JSON one (whatever its key order or spacing), the bytes otherwise."""
    content_type = request.content_type or ""
    if content_type.startswith("multipart/") or content_type.endswith("x-www-form-urlencoded"):
        files: dict[str, list[str]] = {}
        for name, uploads in sorted(request.FILES.lists()):
            files[name] = [_digest(upload) for upload in uploads]
        body: Any = {"fields": sorted(request.POST.lists()), "files": files}
    else:
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            body = hashlib.sha256(request.body).hexdigest()
    canonical = json.dumps(
        [request.method, request.path_info, body], sort_keys=True, default=str
    ).encode()
    return hashlib.sha256(canonical).hexdigest()


def _replay(previous: IdempotencyKey) -> HttpResponse:
    status = 200 if previous.status_code == 201 else previous.status_code or 200
    response = HttpResponse(previous.response, status=status, content_type="application/json")
    response["Idempotent-Replayed"] = "true"
    return response


def _claim_or_replay(request: HttpRequest, key: str) -> HttpResponse | None:
    """Claim ``key`` for this request (None), or the answer a first request with it got."""
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(
            _("The Idempotency-Key is too long (at most 100 characters)."),
            {"header.Idempotency-Key": _("Too long.")},
        )
    user = cast(int, request.user.pk)
    digest = fingerprint(request)
    try:
        with transaction.atomic():
            claim = IdempotencyKey.objects.create(user_id=user, key=key, request_hash=digest)
    except IntegrityError:
        # Used before (or by a concurrent request, now committed: the unique index waited).
        previous = IdempotencyKey.objects.get(user_id=user, key=key)
        if previous.request_hash != digest:
            raise KeyReused(
                _("This Idempotency-Key was already used for a different request."),
                {"header.Idempotency-Key": _("Already used.")},
            ) from None
        return _replay(previous)
    setattr(request, _CLAIM, claim)
    return None


def _keep_answer(request: HttpRequest, response: Any) -> None:
    claim: IdempotencyKey | None = getattr(request, _CLAIM, None)
    if claim is None:
        return
    if 200 <= response.status_code < 300:
        claim.status_code = response.status_code
        claim.response = response.content.decode()
        claim.save(update_fields=["status_code", "response"])
        return
    try:  # refused: the key stays free for a corrected request
        claim.delete()
    except DatabaseError:  # the request broke its transaction: roll it all back
        transaction.set_rollback(True)


def _around_run(run: Callable[..., Any]) -> Callable[..., Any]:
    """One transaction for the claim, the work and the kept answer."""

    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.headers.get(HEADER):
            return run(request, *args, **kwargs)
        with transaction.atomic():
            response = run(request, *args, **kwargs)
            _keep_answer(request, response)
        return response

    return wrapper


def _install(operation: Operation) -> None:
    # As ninja's decorate_view does: an operation is cloned when its router is mounted, and the
    # clone wraps its own ``run`` again with what ``_run_decorators`` lists.
    if not hasattr(operation, "_run_decorators"):
        operation._run_decorators = []  # type: ignore[attr-defined]
    operation.run = _around_run(operation.run)  # type: ignore[method-assign]
    operation._run_decorators.append(_around_run)  # type: ignore[attr-defined]


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """Make a POST endpoint (below its ``@router.post``) answer a retried request once."""

    @functools.wraps(view)
    def claimed(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        key = kwargs.pop(_ARG, None) or ""
        if key and request.user.is_authenticated:
            replay = _claim_or_replay(request, key)
            if replay is not None:
                return replay
        return view(request, *args, **kwargs)

    header = Header(
        None,
        alias=HEADER,
        max_length=MAX_KEY_LENGTH,
        description=(
            "A key of yours (≤ 100 characters, e.g. a UUID) that makes a retry of this request "
            "safe: the same key with the same request answers the first answer again."
        ),
    )
    contribute_operation_args(claimed, _ARG, Optional[str], header)  # type: ignore[arg-type]  # noqa: UP045
    contribute_operation_callback(claimed, _install)
    claimed._egov_idempotent = True  # type: ignore[attr-defined]
    return claimed


def purge(older_than: timedelta = KEEP_FOR) -> int:
    """Forget keys older than ``older_than``; how many were forgotten."""
    deleted, _by_model = IdempotencyKey.objects.filter(
        created_at__lt=timezone.now() - older_than
    ).delete()
    return deleted
