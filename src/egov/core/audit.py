"""The tamper-evident audit log: append rows whose hashes chain, and verify the chain.

Each row's hash is an HMAC-SHA256, under a key kept outside the database (``AUDIT_HMAC_KEY``), of
the previous row's hash and the row's fields. Whoever can write to the database but does not hold
the key cannot edit a row and recompute the hashes after it: the chain no longer verifies."""

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import AuditChainHead, AuditEntry

GENESIS = "0" * 64


class ChainBroken(Exception):
    """The chain does not verify under the key it is being re-keyed from."""


def chain_key() -> bytes:
    """AUDIT_HMAC_KEY (required in production by the settings), else one derived from SECRET_KEY
    for development: both live outside the database."""
    if settings.AUDIT_HMAC_KEY:
        return str(settings.AUDIT_HMAC_KEY).encode()
    return hashlib.sha256(f"egov-audit-chain:{settings.SECRET_KEY}".encode()).digest()


def _digest(prev_hash: str, entry: Any, key: bytes | None = None) -> str:
    """The row's hash: keyed with ``key`` (the chain key by default); ``key=b""`` gives the
    unkeyed SHA-256 of rows written before the chain was keyed (for re-keying them only)."""
    payload = _payload(prev_hash, entry)
    if key == b"":
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(key or chain_key(), payload, hashlib.sha256).hexdigest()


def _payload(prev_hash: str, entry: Any) -> bytes:
    return json.dumps(
        [
            prev_hash,
            entry.created_at.isoformat(),
            entry.actor_id,
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.data,
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    ).encode()


def record(
    action: str,
    *,
    actor: Any = None,
    object_type: str = "",
    object_id: object = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one row. ``data`` must never hold personal data (no ID numbers, names, contacts)."""
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_hash": GENESIS}
        )
        entry = AuditEntry(
            created_at=timezone.now(),
            actor_id=getattr(actor, "pk", None),
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            data=json.loads(json.dumps(data or {}, default=str)),
            prev_hash=head.last_hash,
        )
        entry.hash = _digest(head.last_hash, entry)
        entry.save()
        head.last_hash = entry.hash
        head.save(update_fields=["last_hash"])
    return entry


def first_broken_entry() -> AuditEntry | None:
    """The first row whose hash or link does not match, or None when the chain is intact."""
    prev_hash = GENESIS
    key = chain_key()
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != prev_hash or not hmac.compare_digest(
            _digest(prev_hash, entry, key), entry.hash
        ):
            return entry
        prev_hash = entry.hash
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and head.last_hash != prev_hash:
        # The newest rows were deleted: name the row after which the chain stops.
        return AuditEntry.objects.order_by("-id").first()
    return None


def chain_problem() -> str | None:
    """What is wrong with the chain, naming the first broken row, or None when it is intact."""
    broken = first_broken_entry()
    if broken is not None:
        return f"audit chain broken at row {broken.pk} ({broken.action}, {broken.created_at.isoformat()})"
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and head.last_hash != GENESIS and not AuditEntry.objects.exists():
        return "audit chain broken: every row was deleted"
    return None


def rekey(
    old_key: bytes, new_key: bytes, entries: Any = AuditEntry, heads: Any = AuditChainHead
) -> int:
    """Recompute every row's hash under ``new_key`` after checking it under ``old_key`` (``b""``:
    the unkeyed SHA-256 chain of earlier versions); the number of rows. Refuses (ChainBroken,
    naming the row) to re-key a chain that does not verify, which would hide the tampering.

    ``entries`` and ``heads`` are the models (a migration passes its historical ones)."""
    count = 0
    with transaction.atomic():
        head = heads.objects.select_for_update().filter(pk=1).first()
        old_prev, new_prev, last_id = GENESIS, GENESIS, 0
        while batch := list(entries.objects.filter(id__gt=last_id).order_by("id")[:2000]):
            for entry in batch:
                if entry.prev_hash != old_prev or _digest(old_prev, entry, old_key) != entry.hash:
                    raise ChainBroken(f"audit chain broken at row {entry.pk} ({entry.action})")
                old_prev = entry.hash
                new_hash = _digest(new_prev, entry, new_key)
                # A queryset update: the model refuses to change saved rows (append-only).
                entries.objects.filter(pk=entry.pk).update(prev_hash=new_prev, hash=new_hash)
                new_prev, last_id = new_hash, entry.pk
                count += 1
        if head is not None:
            if head.last_hash != old_prev:
                raise ChainBroken("audit chain broken: its newest rows were deleted")
            heads.objects.filter(pk=1).update(last_hash=new_prev)
    return count
