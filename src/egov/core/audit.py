"""The tamper-evident audit log: append rows whose hashes chain, and verify the chain."""

import hashlib
import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import AuditChainHead, AuditEntry

GENESIS = "0" * 64


def _digest(prev_hash: str, entry: AuditEntry) -> str:
    payload = json.dumps(
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
    )
    return hashlib.sha256(payload.encode()).hexdigest()


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
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != prev_hash or _digest(prev_hash, entry) != entry.hash:
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
