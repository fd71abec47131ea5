"""The tamper-evident audit log: rows chain by hash; any edit or truncation is found and named."""

import hashlib
import hmac
import io
import itertools
from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from egov.core import audit
from egov.core.models import AuditChainHead, AuditEntry


@pytest.fixture
def chain(db: Any) -> list[AuditEntry]:
    """Five fresh rows appended after whatever the reference data already wrote."""
    return [
        audit.record(f"test_action_{n}", object_type="thing", object_id=n, data={"n": n})
        for n in range(5)
    ]


def _raw_update(entry: AuditEntry, column: str, value: str) -> None:
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {connection.ops.quote_name(column)} = %s WHERE id = %s",
            [value, entry.pk],
        )


def _raw_delete(entry: AuditEntry, *, and_newer: bool = False) -> None:
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    operator = ">=" if and_newer else "="
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id {operator} %s", [entry.pk])


def test_rows_chain_by_hash(chain: list[AuditEntry]) -> None:
    for previous, entry in itertools.pairwise(chain):
        assert entry.prev_hash == previous.hash
        assert entry.pk > previous.pk
    assert len({entry.hash for entry in chain}) == len(chain)
    assert all(len(entry.hash) == 64 for entry in chain)
    assert AuditChainHead.objects.get(pk=1).last_hash == chain[-1].hash
    assert AuditEntry.objects.order_by("id").last() == chain[-1]


def test_the_first_row_links_to_the_genesis_hash(agencies: Any) -> None:
    first = AuditEntry.objects.order_by("id").first()
    assert first is not None  # the reference data is loaded with an audit row
    assert first.prev_hash == audit.GENESIS


def test_an_intact_chain_has_no_broken_row(chain: list[AuditEntry]) -> None:
    assert audit.first_broken_entry() is None
    out = io.StringIO()
    call_command("verify_audit_chain", stdout=out)
    assert f"intact: {AuditEntry.objects.count()} rows" in out.getvalue()


def test_an_edited_middle_row_is_named(chain: list[AuditEntry]) -> None:
    target = chain[2]
    _raw_update(target, "data", '{"n": 99}')
    broken = audit.first_broken_entry()
    assert broken is not None
    assert broken.pk == target.pk
    with pytest.raises(CommandError, match=rf"row {target.pk}\b"):
        call_command("verify_audit_chain")


def test_an_edited_action_is_named(chain: list[AuditEntry]) -> None:
    _raw_update(chain[1], "action", "nothing_happened")
    broken = audit.first_broken_entry()
    assert broken is not None and broken.pk == chain[1].pk


def test_a_recomputed_row_hash_breaks_the_link_of_the_next_row(chain: list[AuditEntry]) -> None:
    # Whoever edits a row and rewrites its hash still breaks the next row's link.
    _raw_update(chain[2], "hash", "f" * 64)
    broken = audit.first_broken_entry()
    assert broken is not None and broken.pk == chain[2].pk
    _raw_update(chain[2], "hash", chain[2].hash)  # restored: the chain is whole again
    assert audit.first_broken_entry() is None


def test_deleting_the_newest_rows_is_found(chain: list[AuditEntry]) -> None:
    _raw_delete(chain[3], and_newer=True)  # rows 3 and 4 disappear
    broken = audit.first_broken_entry()
    # The chain head still remembers row 4's hash: the row after which the chain stops is named.
    assert broken is not None
    assert broken.pk == chain[2].pk
    with pytest.raises(CommandError, match=rf"row {chain[2].pk}\b"):
        call_command("verify_audit_chain")


def test_deleting_a_middle_row_names_the_row_after_the_gap(chain: list[AuditEntry]) -> None:
    _raw_delete(chain[1])
    broken = audit.first_broken_entry()
    assert broken is not None and broken.pk == chain[2].pk


def test_entries_cannot_be_changed_or_deleted_through_the_orm(chain: list[AuditEntry]) -> None:
    entry = AuditEntry.objects.get(pk=chain[0].pk)
    entry.action = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
    assert AuditEntry.objects.get(pk=chain[0].pk).action == "test_action_0"
    assert audit.first_broken_entry() is None


def test_data_is_stored_as_plain_json(db: Any) -> None:
    entry = audit.record("dated", data={"day": date(2026, 2, 13)})
    assert AuditEntry.objects.get(pk=entry.pk).data == {"day": "2026-02-13"}
    assert audit.first_broken_entry() is None


def test_deleting_every_row_is_found(chain: list[AuditEntry]) -> None:
    first = AuditEntry.objects.order_by("id").first()
    assert first is not None
    _raw_delete(first, and_newer=True)
    assert audit.first_broken_entry() is None  # no row is left to name
    assert audit.chain_problem() == "audit chain broken: every row was deleted"
    with pytest.raises(CommandError, match="every row was deleted"):
        call_command("verify_audit_chain")


# --- the chain is keyed: database access alone cannot rewrite it ------------------------------------


def _rewrite_from(entry: AuditEntry, digest: Any) -> None:
    """What someone with write access to the database does: change a row, then recompute the
    hash of every row from it on with ``digest(prev_hash, row)`` and move the chain head."""
    prev_hash = entry.prev_hash
    for row in AuditEntry.objects.filter(id__gte=entry.pk).order_by("id"):
        new_hash = digest(prev_hash, row)
        AuditEntry.objects.filter(pk=row.pk).update(prev_hash=prev_hash, hash=new_hash)
        prev_hash = new_hash
    AuditChainHead.objects.filter(pk=1).update(last_hash=prev_hash)


def _plain_sha256(prev_hash: str, row: AuditEntry) -> str:
    return hashlib.sha256(audit._payload(prev_hash, row)).hexdigest()


def test_a_row_rewritten_with_recomputed_plain_hashes_is_found(chain: list[AuditEntry]) -> None:
    target = chain[2]
    AuditEntry.objects.filter(pk=target.pk).update(data={"n": 99})
    _rewrite_from(AuditEntry.objects.get(pk=target.pk), _plain_sha256)
    broken = audit.first_broken_entry()
    assert broken is not None and broken.pk == target.pk
    with pytest.raises(CommandError, match=rf"row {target.pk}\b"):
        call_command("verify_audit_chain")


def test_a_row_rewritten_with_a_guessed_key_is_found(chain: list[AuditEntry]) -> None:
    target = chain[1]
    AuditEntry.objects.filter(pk=target.pk).update(action="nothing_happened")

    def guessed(prev_hash: str, row: AuditEntry) -> str:
        return audit._digest(prev_hash, row, b"a key read from the database")

    _rewrite_from(AuditEntry.objects.get(pk=target.pk), guessed)
    broken = audit.first_broken_entry()
    assert broken is not None and broken.pk == target.pk


def test_rows_are_keyed_with_the_configured_key(chain: list[AuditEntry], settings: Any) -> None:
    entry = chain[3]
    expected = hmac.new(
        settings.AUDIT_HMAC_KEY.encode(), audit._payload(entry.prev_hash, entry), hashlib.sha256
    ).hexdigest()
    assert entry.hash == expected
    settings.AUDIT_HMAC_KEY = "another key"
    assert audit.first_broken_entry() is not None  # the chain holds only under its own key


def test_an_unkeyed_chain_of_earlier_versions_is_rekeyed(chain: list[AuditEntry]) -> None:
    first = AuditEntry.objects.order_by("id").first()
    assert first is not None
    _rewrite_from(first, _plain_sha256)  # the rows as the unkeyed chain wrote them
    assert audit.first_broken_entry() is not None
    assert audit.rekey(b"", audit.chain_key()) == AuditEntry.objects.count()
    assert audit.first_broken_entry() is None
    assert audit.record("after_rekeying").prev_hash == AuditEntry.objects.order_by("-id")[1].hash
    assert audit.first_broken_entry() is None


def test_a_tampered_unkeyed_chain_is_not_rekeyed(chain: list[AuditEntry]) -> None:
    first = AuditEntry.objects.order_by("id").first()
    assert first is not None
    _rewrite_from(first, _plain_sha256)
    _raw_update(chain[2], "action", "nothing_happened")
    with pytest.raises(audit.ChainBroken, match=rf"row {chain[2].pk}\b"):
        audit.rekey(b"", audit.chain_key())
    assert AuditEntry.objects.get(pk=chain[0].pk).hash == _plain_sha256(
        AuditEntry.objects.get(pk=chain[0].pk).prev_hash, chain[0]
    )  # nothing was re-keyed
