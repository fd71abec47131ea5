"""The transaction log: a SHA-256 chain, time-stamped, whose every edit, deletion or
reordering is found and named; archived segments stay verifiable."""

import itertools
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from egov.gateway import anchors, txlog
from egov.gateway.models import ArchivedSegment, ChainAnchor, Transaction

from .conftest import PROVIDER, Platform, call, flush


def entry(n: int) -> txlog.Entry:
    return txlog.Entry(
        at=timezone.now(),
        client="000.00.00.H26/MOTCUA",
        service=f"{PROVIDER}/echo",
        method="GET",
        status=200,
        error="",
        latency_ms=1.25 + n,
        request_sha256="a" * 64,
        response_sha256="b" * 64,
        correlation_id=f"c-{n}",
    )


@pytest.fixture
def chain(db: Any) -> list[Transaction]:
    txlog.write(entry(n) for n in range(5))
    txlog.write(entry(n) for n in range(5, 8))
    return list(Transaction.objects.order_by("seq"))


def test_batches_append_to_one_chain(chain: list[Transaction]) -> None:
    assert [row.seq for row in chain] == list(range(1, 9))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(chain))
    assert txlog.verify() is None


def test_an_edited_record_is_named(chain: list[Transaction]) -> None:
    Transaction.objects.filter(seq=4).update(status=500)
    assert txlog.verify() == "record 4 was edited"


def test_a_deleted_record_is_named(chain: list[Transaction]) -> None:
    Transaction.objects.filter(seq=3).delete()
    assert txlog.verify() == "record 3 is missing (the next record is 4)"


def test_the_newest_records_deleted_are_found(chain: list[Transaction]) -> None:
    Transaction.objects.filter(seq__gte=7).delete()
    assert txlog.verify() == "the records after 6 were deleted (the head is at 8)"


def test_reordered_records_are_found(chain: list[Transaction]) -> None:
    # Swap two rows' places (their seq numbers), keeping each row's own hash.
    Transaction.objects.filter(seq=5).update(seq=-5)
    Transaction.objects.filter(seq=6).update(seq=5)
    Transaction.objects.filter(seq=-5).update(seq=6)
    assert txlog.verify() == "record 5 does not follow record 4 (moved or edited)"


def test_a_rewritten_chain_contradicts_its_time_stamp(chain: list[Transaction]) -> None:
    anchor = anchors.stamp()
    assert anchor is not None and anchor.seq == 8
    assert anchors.problem_with(anchor) is None
    assert anchors.stamp() is None  # nothing new
    # Whoever rewrites record 2 and recomputes every hash after it still fails the anchor.
    prev = chain[0].hash
    for row in Transaction.objects.order_by("seq")[1:]:
        values = {name: getattr(row, name) for name in txlog.FIELDS}
        if row.seq == 2:
            values["status"] = 404
        new = txlog.digest(prev, values)
        Transaction.objects.filter(pk=row.pk).update(
            status=values["status"], prev_hash=prev, hash=new
        )
        prev = new
    from egov.gateway.models import ChainHead

    ChainHead.objects.filter(pk=1).update(hash=prev)
    assert txlog.verify() == (f"record 8 differs from its time-stamp of {anchor.stamped_at}")


def test_a_forged_time_stamp_does_not_verify(chain: list[Transaction]) -> None:
    anchor = anchors.stamp()
    assert anchor is not None
    ChainAnchor.objects.filter(pk=anchor.pk).update(hash="0" * 64)
    Transaction.objects.filter(seq=8).update()  # the row is untouched: only the anchor lies
    problem = txlog.verify()
    assert problem is not None and "record 8" in problem


def test_the_command_names_the_first_bad_record(chain: list[Transaction]) -> None:
    call_command("verify_gateway_log")
    Transaction.objects.filter(seq=2).update(correlation_id="rewritten")
    with pytest.raises(CommandError, match="record 2 was edited"):
        call_command("verify_gateway_log")


def test_archived_segments_stay_verifiable(
    chain: list[Transaction], settings: Any, tmp_path: Any
) -> None:
    settings.GATEWAY_ARCHIVE_DIR = tmp_path
    anchors.stamp()
    txlog.write(entry(n) for n in range(8, 10))  # newer than the anchor: they stay
    segment = txlog.archive(timezone.now() + timedelta(seconds=1))
    assert segment is not None and (segment.first_seq, segment.last_seq) == (1, 8)
    assert list(Transaction.objects.values_list("seq", flat=True)) == [9, 10]
    assert txlog.verify() is None
    path = tmp_path / segment.path.rsplit("/", 1)[1]
    path.write_text(path.read_text().replace('"status": 200', '"status": 201', 1))
    assert "was altered" in (txlog.verify() or "")


def test_calls_through_the_proxy_verify(platform: Platform) -> None:
    for _ in range(3):
        call("GET", f"/gw/{PROVIDER}/echo/x", platform.headers())
    call("GET", f"/gw/{PROVIDER}/echo/x")
    flush()
    assert Transaction.objects.count() == 4
    assert ArchivedSegment.objects.count() == 0
    assert txlog.verify() is None
