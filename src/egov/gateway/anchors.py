"""Time-stamps of the transaction log's head by egov's RFC 3161 TSA (``records``), and their
verification: each anchor proves the chain up to its record existed, as it is, at that time."""

import hashlib
from collections.abc import Callable

from asgiref.sync import async_to_sync
from asn1crypto import cms
from django.utils import timezone
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data

from egov.records import tsa
from egov.records.verification import validation_context

from .models import ChainAnchor, ChainHead


def _imprint(chain_hash: str) -> bytes:
    return hashlib.sha256(bytes.fromhex(chain_hash)).digest()


def stamp() -> ChainAnchor | None:
    """Time-stamp the current head, unless it is stamped already; the new anchor or None."""
    head = ChainHead.objects.filter(pk=1).first()
    if head is None or head.seq == 0 or ChainAnchor.objects.filter(seq=head.seq).exists():
        return None
    token = async_to_sync(tsa.timestamper().async_timestamp)(_imprint(head.hash), "sha256")
    return ChainAnchor.objects.create(
        seq=head.seq, hash=head.hash, token=token.dump(), stamped_at=timezone.now()
    )


def problem_with(anchor: ChainAnchor) -> str | None:
    """Why the anchor's token does not prove its hash (None: it does)."""
    try:
        signed = cms.ContentInfo.load(bytes(anchor.token))["content"]
        expected: Callable[[str], bytes] = lambda _algorithm: _imprint(anchor.hash)  # noqa: E731
        status = async_to_sync(validate_tst_signed_data)(signed, validation_context(), expected)
    except Exception as exc:  # an unreadable token is a failed anchor, named as such
        return f"the time-stamp of record {anchor.seq} cannot be read ({type(exc).__name__})"
    trusted = status.get("trust_problem_indic") is None and status.get("validation_path")
    if not (status.get("valid") and status.get("intact") and trusted):
        return f"the time-stamp of record {anchor.seq} does not verify"
    return None
