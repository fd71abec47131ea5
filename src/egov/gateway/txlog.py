"""The transaction log: every call through the gateway appended to a SHA-256 hash chain.

The proxy never waits for the database: it appends an :class:`Entry` to an in-memory buffer, and
one thread per process writes the buffer in batches (every ``GATEWAY_LOG_FLUSH_SECONDS`` or
``GATEWAY_LOG_BATCH`` entries). A batch locks the chain head, so batches from every node append
in one order. A normal stop (SIGTERM: the server's lifespan shutdown, or interpreter exit) writes
what is left; only a SIGKILL can lose the last fraction of a second, as with any write-back buffer.

The chain is plain SHA-256, so anyone holding the rows can check it; the hash of its head is
time-stamped periodically by an RFC 3161 TSA (``anchor``), so a row edited, deleted or moved
before an anchor breaks either the chain or the anchor, and the anchor dates what was there."""

import atexit
import hashlib
import json
import logging
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction

from .models import ArchivedSegment, ChainAnchor, ChainHead, Transaction

log = logging.getLogger(__name__)

GENESIS = "0" * 64
FIELDS = (
    "seq",
    "at",
    "client",
    "service",
    "method",
    "status",
    "error",
    "latency_ms",
    "request_sha256",
    "response_sha256",
    "correlation_id",
    "node",
)


@dataclass(frozen=True)
class Entry:
    at: datetime
    client: str
    service: str
    method: str
    status: int
    error: str
    latency_ms: float
    request_sha256: str
    response_sha256: str
    correlation_id: str


def digest(prev_hash: str, row: dict[str, Any]) -> str:
    """The hash of a row: SHA-256 of the previous hash and the row's fields as canonical JSON."""
    values = [row[name] for name in FIELDS]
    values[1] = values[1].isoformat() if isinstance(values[1], datetime) else values[1]
    values[7] = round(float(values[7]), 3)
    payload = json.dumps([prev_hash, *values], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def write(entries: Iterable[Entry]) -> int:
    """Append ``entries`` to the chain in one transaction; the number written."""
    entries = list(entries)
    if not entries:
        return 0
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"seq": 0, "hash": GENESIS}
        )
        seq, prev = head.seq, head.hash
        rows = []
        for entry in entries:
            seq += 1
            row = {**entry.__dict__, "seq": seq, "node": settings.GATEWAY_NODE}
            row["latency_ms"] = round(float(row["latency_ms"]), 3)
            current = digest(prev, row)
            row["prev_hash"], row["hash"] = prev, current
            rows.append(row)
            prev = current
        _insert(rows)
        ChainHead.objects.filter(pk=1).update(seq=seq, hash=prev)
    return len(rows)


#: The columns of a log row, in the order of ``_insert``'s INSERT.
COLUMNS = (*FIELDS, "prev_hash", "hash")
AT = COLUMNS.index("at")


def _insert(rows: list[dict[str, Any]]) -> None:
    """The rows without model instances: about half the CPU per row of bulk_create
    (docs/gateway-bench.md), spent while the proxy's event loop waits for the GIL. PostgreSQL
    takes them by COPY (psycopg would otherwise parse a statement of thousands of
    placeholders for each batch: most of the cost there); others by one INSERT per 500 rows."""
    meta = Transaction._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(name) for name in COLUMNS)  # plain fields: column = name
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row([row[name] for name in COLUMNS])
        return
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        values = ", ".join(["(" + ", ".join(["%s"] * len(COLUMNS)) + ")"] * len(chunk))
        params: list[Any] = []
        # ``at`` is always an aware datetime: straight to the backend's adapter (the field's
        # own preparation checks awareness again: a sixth of the intake's CPU, profiled).
        adapt = connection.ops.adapt_datetimefield_value
        for row in chunk:
            fields = [row[name] for name in COLUMNS]
            fields[AT] = adapt(fields[AT])
            params.extend(fields)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values}",  # noqa: S608
                params,
            )


class Writer:
    """The per-process buffer and its writing thread."""

    def __init__(self) -> None:
        self.buffer: deque[Entry] = deque()
        self.wake = threading.Event()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.stopping = False

    def append(self, entry: Entry) -> None:
        self.buffer.append(entry)
        if len(self.buffer) >= settings.GATEWAY_LOG_BATCH:
            self.wake.set()

    def start(self) -> None:
        """Start writing in the background (the server's lifespan startup calls it)."""
        with self.lock:
            if self.thread is None:
                self.stopping = False
                self.thread = threading.Thread(target=self._run, name="gateway-log", daemon=True)
                self.thread.start()
                atexit.register(self.stop)

    def _run(self) -> None:
        while not self.stopping:
            self.wake.wait(settings.GATEWAY_LOG_FLUSH_SECONDS)
            self.wake.clear()
            try:
                self.flush()
            except Exception:  # the database is away: keep the entries and try again
                log.exception("gateway log batch not written; retrying")
                close_old_connections()
        try:
            self.flush()
        finally:
            connection.close()  # this thread's, back to the pool

    def flush(self) -> int:
        """Write everything buffered now (from any thread); the number written."""
        with self.lock:
            batch: list[Entry] = []
            while self.buffer and len(batch) < 10_000:
                batch.append(self.buffer.popleft())
            try:
                return write(batch)
            except Exception:
                self.buffer.extendleft(reversed(batch))
                raise

    def stop(self) -> None:
        """Write what is left and stop the thread (a normal shutdown)."""
        thread, self.thread = self.thread, None
        self.stopping = True
        self.wake.set()
        if thread is not None:
            thread.join(timeout=30)
        while self.buffer:
            self.flush()


writer = Writer()


# Verification ---------------------------------------------------------------------------------


def _archived_rows() -> Iterator[dict[str, Any]]:
    for segment in ArchivedSegment.objects.order_by("first_seq"):
        data = Path(segment.path).read_bytes()
        if hashlib.sha256(data).hexdigest() != segment.sha256:
            yield {"seq": segment.first_seq, "broken": f"archive {segment.path} was altered"}
            return
        for line in data.decode().splitlines():
            yield json.loads(line)


def _rows() -> Iterator[dict[str, Any]]:
    yield from _archived_rows()
    values = ("prev_hash", "hash", *FIELDS)
    yield from Transaction.objects.order_by("seq").values(*values).iterator(chunk_size=5000)


def first_problem() -> str | None:
    """What is wrong with the chain, naming the first bad record, or None when it verifies."""
    anchors = {a.seq: a for a in ChainAnchor.objects.order_by("seq")}
    prev, expected_seq = GENESIS, 1
    for row in _rows():
        if "broken" in row:
            return row["broken"]
        if row["seq"] != expected_seq:
            return f"record {expected_seq} is missing (the next record is {row['seq']})"
        if row["prev_hash"] != prev:
            return f"record {row['seq']} does not follow record {row['seq'] - 1} (moved or edited)"
        if digest(prev, row) != row["hash"]:
            return f"record {row['seq']} was edited"
        anchor = anchors.pop(row["seq"], None)
        if anchor is not None and anchor.hash != row["hash"]:
            return f"record {row['seq']} differs from its time-stamp of {anchor.stamped_at}"
        prev, expected_seq = row["hash"], expected_seq + 1
    head = ChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, prev):
        return f"the records after {expected_seq - 1} were deleted (the head is at {head.seq})"
    if anchors:
        first = min(anchors)
        return f"record {first} is missing, yet it was time-stamped"
    return None


def anchor_problems() -> list[str]:
    """The anchors whose time-stamp token does not prove their hash."""
    from . import anchors

    return [p for a in ChainAnchor.objects.order_by("seq") if (p := anchors.problem_with(a))]


def verify() -> str | None:
    """The first problem of the chain or of its time-stamps, or None when everything verifies."""
    return first_problem() or next(iter(anchor_problems()), None)


# Retention ------------------------------------------------------------------------------------


def archive(before: datetime) -> ArchivedSegment | None:
    """Move the rows older than ``before`` (up to the newest anchored row, so that every
    archived row stays covered by a time-stamp) into a JSON Lines file; the segment or None."""
    last_anchor = ChainAnchor.objects.order_by("-seq").first()
    if last_anchor is None:
        return None
    rows = Transaction.objects.filter(at__lt=before, seq__lte=last_anchor.seq).order_by("seq")
    first = rows.first()
    if first is None:
        return None
    values = list(rows.values("prev_hash", "hash", *FIELDS))
    lines = [
        json.dumps({**row, "at": row["at"].isoformat()}, ensure_ascii=False, sort_keys=True)
        for row in values
    ]
    data = ("\n".join(lines) + "\n").encode()
    folder = Path(settings.GATEWAY_ARCHIVE_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"transactions-{values[0]['seq']:012d}-{values[-1]['seq']:012d}.jsonl"
    path.write_bytes(data)
    with transaction.atomic():
        segment = ArchivedSegment.objects.create(
            first_seq=values[0]["seq"],
            last_seq=values[-1]["seq"],
            prev_hash=values[0]["prev_hash"],
            last_hash=values[-1]["hash"],
            path=str(path),
            sha256=hashlib.sha256(data).hexdigest(),
        )
        Transaction.objects.filter(seq__lte=values[-1]["seq"]).delete()
    return segment
