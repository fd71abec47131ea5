"""The tamper-evident audit log: rows chain by hash; any edit or truncation is found and named."""

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
