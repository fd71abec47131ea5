"""The indicators benchmark (``BENCH_ONLY=insights``): synthetic dossier facts loaded in bulk,
then the rebuild of every daily count, the time from one new dossier record to an updated
dashboard, and the dashboard's latency, each next to the same indicators computed by a plain SQL
GROUP BY over the facts in the same database and in DuckDB (the facts exported to CSV), in the
same run; and the records per second the sync service takes, next to plain inserts.

Run by bench/run.py through bench/worker.py (steps ``insights_load`` and ``insights_measure``).
"""

import argparse
import csv
import io
import os
import random
import tempfile
import time
from datetime import date, datetime, timedelta
from typing import Any

YEAR = 2024
MINISTRIES, MINISTRY_UNITS = 22, 5  # ministries and sectors, each with departments
PROVINCES, PROVINCE_UNITS = 34, 20  # provinces (since 2025), each with departments and communes
TEMPLATES = 4096  # distinct outcome mixes; each fact is one of them on one day at one unit
CHUNK = 50_000
SYNC_RECORDS = int(
    os.environ.get("BENCH_SYNC_RECORDS", 100_000)
)  # records through the sync service per scenario, in batches of 1,000


def _tree() -> list[tuple[str, str, str, str | None]]:
    """(code, name, level, parent code) of a national agency tree of 22 ministries and 34
    provinces with their units (842 agencies), beside the demo tree."""
    rows: list[tuple[str, str, str, str | None]] = []
    for m in range(1, MINISTRIES + 1):
        root = f"000.00.00.M{m:02d}"
        rows.append((root, f"Bộ {m:02d} (bench)", "central", None))
        rows += [
            (f"000.00.{u:02d}.M{m:02d}", f"Cục {u} — Bộ {m:02d}", "central", root)
            for u in range(1, MINISTRY_UNITS + 1)
        ]
    for p in range(1, PROVINCES + 1):
        root = f"000.00.00.P{p:02d}"
        rows.append((root, f"UBND tỉnh {p:02d} (bench)", "province", None))
        rows += [
            (f"000.{u:02d}.00.P{p:02d}", f"Đơn vị {u} — tỉnh {p:02d}", "province", root)
            for u in range(1, PROVINCE_UNITS + 1)
        ]
    return rows


def load_tree() -> tuple[list[int], list[int]]:
    """Create the bench tree; returns the leaf unit ids of ministries and of provinces."""
    from egov.core.models import Agency

    by_code: dict[str, Agency] = {}
    for code, name, level, parent in _tree():
        by_code[code] = Agency.objects.create(
            code=code, name=name, level=level, parent=by_code.get(parent) if parent else None
        )
    leaves = [a for a in by_code.values() if a.parent_id]
    return (
        [a.pk for a in leaves if a.level == "central"],
        [a.pk for a in leaves if a.level == "province"],
    )


def _templates(rng: random.Random, procedures: list[tuple[str, bool]]) -> list[dict[str, Any]]:
    """Outcome mixes close to the 2024 reports: about 58 % online, 85 % returned, two in five
    with a fee, about 60 % digitised and with electronic results, a few reused."""
    mixes = []
    for _ in range(TEMPLATES):
        code, full = procedures[min(int(rng.paretovariate(1.2)) - 1, len(procedures) - 1)]
        channel = rng.choices(["online", "counter", "post"], [58, 40, 2])[0]
        status = rng.choices([10, 9, 4, 3, 7], [85, 5, 6, 2, 2])[0]
        resolve_after = rng.randint(0, 14)
        return_after = resolve_after + rng.randint(0, 3)
        paid = rng.random() < 0.4
        resolved = status in (9, 10)
        returned = status == 10
        mixes.append(
            {
                "procedure": code,
                "full": full,
                "channel": channel,
                "status": status,
                "resolve_after": resolve_after if resolved else None,
                "return_after": return_after if returned else None,
                "due_after": 7,
                # Payment transactions: a dossier with a fee sometimes pays in two.
                "payments": (1 + (rng.random() < 0.1)) if paid else 0,
                "payments_online": int(
                    paid and rng.random() < (0.7 if channel == "online" else 0.2)
                ),
                "results": 1 + (rng.random() < 0.01),
                "digitised": resolved and rng.random() < 0.61,
                "e_results": int(resolved and rng.random() < 0.63),
                "reused": resolved and rng.random() < 0.08,
                "on_time": returned and return_after <= 7 and rng.random() < 0.97,
                "rating": rng.choices([None, 1, 2, 3], [70, 2, 12, 16])[0] if returned else None,
            }
        )
    return mixes


COLUMNS = [
    "agency_id",
    "code",
    "source",
    "procedure_code",
    "full_process",
    "channel",
    "status",
    "received_at",
    "due_at",
    "resolved_at",
    "returned_at",
    "received_day",
    "resolved_day",
    "returned_day",
    "payments",
    "payments_online",
    "results",
    "e_results",
    "digitised",
    "reused",
    "on_time",
    "rating",
    "updated_at",
    "version",
    "unpushed",
    "push_error",
]


def _rows(n: int, postgres: bool) -> Any:
    """Yield n facts as tuples of database-ready text (PostgreSQL COPY) or values (SQLite).
    The tree and the catalogue are read before the first row: no query may run during COPY."""
    from egov.catalog.models import Procedure

    rng = random.Random(20240101)
    ministries, provinces = load_tree()
    procedures = [
        (p.code, p.online_level == "full") for p in Procedure.objects.filter(is_current=True)
    ]
    mixes = _templates(rng, procedures)
    return _generate(n, postgres, rng, ministries, provinces, mixes)


def _generate(
    n: int,
    postgres: bool,
    rng: random.Random,
    ministries: list[int],
    provinces: list[int],
    mixes: list[dict[str, Any]],
) -> Any:
    first = date(YEAR, 1, 1)
    days = [(first + timedelta(days=i)).isoformat() for i in range(400)]
    # 09:00 in Vietnam = 02:00 UTC: the stored UTC time, the same calendar day.
    stamps = [f"{d} 02:00:00{'+00' if postgres else ''}" for d in days]
    null = None
    yes, no = ("t", "f") if postgres else (1, 0)
    for i in range(n):
        m = mixes[i % TEMPLATES if i % 7 else rng.randrange(TEMPLATES)]
        ministry = rng.random() < 0.572  # 52.0 M of 90.9 M dossiers in 2024
        units = ministries if ministry else provinces
        agency = units[min(int(rng.expovariate(4 / len(units))), len(units) - 1)]
        day = rng.randrange(365)
        res = m["resolve_after"]
        ret = m["return_after"]
        rating = m["rating"]
        yield (
            agency,
            f"B{i:09d}",
            "sync",
            m["procedure"],
            yes if m["full"] else no,
            m["channel"],
            m["status"],
            stamps[day],
            stamps[day + m["due_after"]],
            stamps[day + res] if res is not None else null,
            stamps[day + ret] if ret is not None else null,
            days[day],
            days[day + res] if res is not None else null,
            days[day + ret] if ret is not None else null,
            m["payments"],
            m["payments_online"],
            m["results"],
            m["e_results"],
            yes if m["digitised"] else no,
            yes if m["reused"] else no,
            (yes if m["on_time"] else no) if ret is not None else null,
            rating,
            stamps[day + (ret if ret is not None else 0)],
            1,
            no,
            "",
        )


def load(args: argparse.Namespace) -> dict[str, Any]:
    """Generate and bulk-load ``--facts`` facts (COPY on PostgreSQL, executemany on SQLite)."""
    from django.db import connection, transaction

    from egov.insights.models import DossierFact

    table = DossierFact._meta.db_table
    postgres = connection.vendor == "postgresql"
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        rows = _rows(args.facts, postgres)
        if postgres:
            raw = cursor.cursor
            columns = ", ".join(COLUMNS)
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                buffer = io.StringIO()
                for count, row in enumerate(rows, start=1):
                    buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
                    if count % CHUNK == 0:
                        copy.write(buffer.getvalue())
                        buffer = io.StringIO()
                copy.write(buffer.getvalue())
        else:
            marks = ", ".join(["%s"] * len(COLUMNS))
            sql = f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({marks})"
            batch: list[tuple[Any, ...]] = []
            for row in rows:
                batch.append(row)
                if len(batch) == CHUNK:
                    cursor.executemany(sql, batch)
                    batch = []
            cursor.executemany(sql, batch)
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    return {"facts": args.facts, "seconds": time.perf_counter() - started}


# --- measurements ------------------------------------------------------------------------------


def _baseline_sql(scoped: bool) -> str:
    """The indicators' numerators and denominators for 2024 straight from the facts: the nation
    (``scoped`` off) or every ministry and province (joined with the flattened tree)."""
    from django.db import connection

    from egov.insights.models import AgencyScope, DossierFact

    fact = connection.ops.quote_name(DossierFact._meta.db_table)
    scope = connection.ops.quote_name(AgencyScope._meta.db_table)
    span = f"BETWEEN '{YEAR}-01-01' AND '{YEAR}-12-31'"
    receipt = f"f.received_day {span} AND COALESCE(f.status, 0) <> 3"
    resolution = f"f.status IN (9, 10) AND COALESCE(f.resolved_day, f.returned_day) {span}"
    returns = f"f.status = 10 AND f.returned_day {span}"

    def count(condition: str, column: str = "1") -> str:
        return f"SUM(CASE WHEN {condition} THEN {column} ELSE 0 END)"

    cells = {
        "received": count(receipt),
        "online": count(f"{receipt} AND f.channel = 'online'"),
        "full_process": count(f"{receipt} AND f.full_process"),
        "full_process_online": count(f"{receipt} AND f.full_process AND f.channel = 'online'"),
        "payments": count(receipt, "f.payments"),
        "payments_online": count(receipt, "f.payments_online"),
        "resolved": count(resolution),
        "results": count(resolution, "f.results"),
        "e_results": count(resolution, "f.e_results"),
        "digitised": count(f"{resolution} AND f.digitised"),
        "reused": count(f"{resolution} AND f.reused"),
        "returned": count(returns),
        "on_time": count(f"{returns} AND f.on_time"),
        "rated": count(f"{returns} AND f.rating IS NOT NULL"),
        "satisfied": count(f"{returns} AND f.rating >= 2"),
    }
    select = ", ".join(f"{sql} AS {name}" for name, sql in cells.items())
    if not scoped:
        return f"SELECT {select} FROM {fact} f"
    return (
        f"SELECT s.scope, {select} FROM {fact} f JOIN {scope} s ON s.agency_id = f.agency_id "
        "WHERE s.scope IN (SELECT id FROM core_agency WHERE parent_id IS NULL) GROUP BY s.scope"
    )


def _timed(function: Any, repeat: int) -> tuple[list[float], Any]:
    samples, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = function()
        samples.append((time.perf_counter() - began) * 1000)
    return samples, result


# Only the columns the indicators read are exported for DuckDB.
DUCK_COLUMNS = [
    "agency_id",
    "channel",
    "status",
    "full_process",
    "payments",
    "payments_online",
    "results",
    "received_day",
    "resolved_day",
    "returned_day",
    "digitised",
    "e_results",
    "reused",
    "on_time",
    "rating",
]
DUCK_TYPES = {
    "agency_id": "BIGINT",
    "channel": "VARCHAR",
    "status": "INTEGER",
    "received_day": "DATE",
    "resolved_day": "DATE",
    "returned_day": "DATE",
    "rating": "INTEGER",
    "payments": "INTEGER",
    "payments_online": "INTEGER",
    "results": "INTEGER",
    "e_results": "INTEGER",
}


def _export(sql: str, path: str, columns: list[str]) -> None:
    """Write the rows of ``sql`` to a CSV file (header, empty field = NULL): COPY TO STDOUT on
    PostgreSQL, the cursor in 50,000-row batches on SQLite."""
    from django.db import connection

    with connection.cursor() as cursor, open(path, "w", newline="") as out:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
                for block in copy:
                    out.write(bytes(block).decode())
            return
        cursor.execute(sql)
        writer = csv.writer(out)
        writer.writerow(columns)
        while rows := cursor.fetchmany(CHUNK):
            writer.writerows(rows)


def duckdb_baseline(repeat: int) -> dict[str, Any]:
    """What an analyst would do: export the facts, load them into DuckDB, run the same GROUP BY
    (nation, then every ministry and province through the flattened tree); each part timed."""
    import duckdb

    from egov.insights.models import AgencyScope, DossierFact

    fact, scope = DossierFact._meta.db_table, AgencyScope._meta.db_table
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        _export(
            f"SELECT {', '.join(DUCK_COLUMNS)} FROM {fact}", f"{folder}/facts.csv", DUCK_COLUMNS
        )
        _export(
            f"SELECT agency_id, scope FROM {scope}", f"{folder}/scope.csv", ["agency_id", "scope"]
        )
        _export(
            "SELECT id, parent_id FROM core_agency", f"{folder}/agency.csv", ["id", "parent_id"]
        )
        out["export_s"] = time.perf_counter() - began
        duck = duckdb.connect()
        types = {c: DUCK_TYPES.get(c, "BOOLEAN") for c in DUCK_COLUMNS}
        began = time.perf_counter()
        duck.execute(
            f'CREATE TABLE "{fact}" AS SELECT * FROM read_csv(?, header = true, columns = {types})',
            [f"{folder}/facts.csv"],
        )
        duck.execute(
            f'CREATE TABLE "{scope}" AS SELECT * FROM read_csv(?, header = true, '
            "columns = {'agency_id': 'BIGINT', 'scope': 'BIGINT'})",
            [f"{folder}/scope.csv"],
        )
        duck.execute(
            "CREATE TABLE core_agency AS SELECT * FROM read_csv(?, header = true, "
            "columns = {'id': 'BIGINT', 'parent_id': 'BIGINT'})",
            [f"{folder}/agency.csv"],
        )
        out["load_s"] = time.perf_counter() - began
        out["rows"] = duck.execute(f'SELECT count(*) FROM "{fact}"').fetchone()[0]  # type: ignore[index]

        def query() -> tuple[Any, Any]:
            nation = duck.execute(_baseline_sql(scoped=False)).fetchone()
            tops = duck.execute(_baseline_sql(scoped=True)).fetchall()
            return nation, tops

        query()  # warm
        samples, (out["nation"], out["tops"]) = _timed(query, repeat)
        duck.close()
    out["query_ms"] = samples
    return out


def _sender(
    client_id: int, batches: list[list[dict[str, Any]]], progress: bool, barrier: Any, out: Any
) -> None:
    """One deployment pushing its batches, in a process of its own (spawned: Django is set up
    afresh); reports (start, end, applied, rejected) once every sender is ready."""
    import django

    django.setup()
    from django.db import connection

    from egov.insights.models import SyncClient
    from egov.insights.sync import sync_dossiers, sync_progress

    client = SyncClient.objects.get(pk=client_id)
    connection.ensure_connection()
    send = sync_progress if progress else sync_dossiers
    barrier.wait()
    began = time.time()
    applied = rejected = 0
    for batch in batches:
        answer = send(client, batch)
        applied, rejected = applied + answer.applied, rejected + len(answer.rejected)
    out.put((began, time.time(), applied, rejected))


def _push(
    senders: list[tuple[int, list[dict[str, Any]]]], batch: int, progress: bool = False
) -> dict[str, Any]:
    """Records per second through the sync service with the senders pushing side by side,
    from the moment all are ready to the last commit."""
    import multiprocessing

    spawn = multiprocessing.get_context("spawn")
    barrier, out = spawn.Barrier(len(senders)), spawn.Queue()
    processes = [
        spawn.Process(
            target=_sender,
            args=(
                client,
                [records[i : i + batch] for i in range(0, len(records), batch)],
                progress,
                barrier,
                out,
            ),
        )
        for client, records in senders
    ]
    for process in processes:
        process.start()
    reports = [out.get(timeout=3600) for _ in processes]
    for process in processes:
        process.join()
    seconds = max(r[1] for r in reports) - min(r[0] for r in reports)
    records = sum(len(r) for _, r in senders)
    applied, rejected = sum(r[2] for r in reports), sum(r[3] for r in reports)
    assert (applied, rejected) == (records, 0), (applied, rejected, records)
    return {
        "records": records,
        "senders": len(senders),
        "seconds": seconds,
        "rate": records / seconds,
    }


def _stamp(day: Any, hour: int = 9) -> str:
    from egov.insights.constants import DATE_FORMAT

    return datetime(day.year, day.month, day.day, hour).strftime(DATE_FORMAT)  # noqa: DTZ001 - a wall time


def sync_rate(records: int, batch: int = 1000) -> dict[str, Any]:
    """Records per second through ``sync_dossiers`` and ``sync_progress`` (the services behind
    POST /api/v1/insights/sync/dossiers and …/progress, JSON already parsed), in batches of
    ``batch``, each batch one transaction writing the facts and moving the daily counts:

    * backfill: a year of history, records spread over every day and every province unit,
      pushed by one sender, then other records of the same kind by two senders side by side
      (each for half of the provinces);
    * recent: the dossiers provinces received in the first days of December, pushed as
      received (status 2) by two deployments side by side;
    * progress: the same dossiers then moved to their outcome (returned, processing, …) by
      ``CapNhatTienDoHoSoMC`` records, two senders side by side;

    next to plain writes of the backfill's fact rows in the same batches, one transaction per
    batch (COPY on PostgreSQL: the fastest a batch can be written, without reading, checking or
    counting anything)."""
    from django.db import connection, transaction

    from egov.core.models import Agency
    from egov.insights.models import DossierFact, SyncClient
    from egov.insights.push import record_of

    roots = list(Agency.objects.filter(code__startswith="000.00.00.P").values_list("pk", flat=True))
    codes = dict(Agency.objects.filter(parent_id__in=roots).values_list("pk", "code"))
    province = dict(Agency.objects.filter(parent_id__in=roots).values_list("pk", "parent_id"))
    clients = []
    for half in (roots[0::2], roots[1::2]):
        client = SyncClient.objects.create(name=f"bench-{half[0]}", token_hash=f"bench-{half[0]}")
        client.agencies.add(*half)
        clients.append((client.pk, set(half)))

    def owner(fact: Any) -> int:
        return next(pk for pk, provinces in clients if province[fact.agency_id] in provinces)

    spread = list(DossierFact.objects.filter(agency_id__in=codes).order_by("pk")[: 2 * records])
    alone: list[dict[str, Any]] = []
    side_by_side: dict[int, list[dict[str, Any]]] = {pk: [] for pk, _ in clients}
    for n, fact in enumerate(spread):
        fact.code = f"S{n:09d}"
        record = record_of(fact, codes[fact.agency_id])
        if n < records:
            alone.append(record)
        else:
            side_by_side[owner(fact)].append(record)
    everyone = SyncClient.objects.create(name="bench-all", token_hash="bench-all")
    everyone.agencies.add(*roots)
    result = {
        "backfill": _push([(everyone.pk, alone)], batch),
        "backfill2": _push(list(side_by_side.items()), batch),
    }

    recent = list(
        DossierFact.objects.filter(
            agency_id__in=codes, received_day__gte=date(YEAR, 12, 1)
        ).order_by("received_day", "pk")[:records]
    )
    received: dict[int, list[dict[str, Any]]] = {pk: [] for pk, _ in clients}
    moved: dict[int, list[dict[str, Any]]] = {pk: [] for pk, _ in clients}
    for n, fact in enumerate(recent):
        unit, code = codes[fact.agency_id], f"R{n:09d}"
        record = record_of(fact, unit)
        day = fact.received_day
        record.update(
            MaHoSo=code,
            TrangThaiHoSo=2,
            NgayKetThucXuLy=None,
            NgayTra=None,
            DungHan=None,
            MucDoHaiLong=None,
            SoHoa=False,
            KetQuaDienTu=False,
            TaiSuDung=False,
            ThoiDiemCapNhat=_stamp(day),
        )
        received[owner(fact)].append(record)
        moved[owner(fact)].append(
            {
                "MaDonVi": unit,
                "MaHoSo": code,
                "TrangThai": fact.status,
                "ThoiDiemXuLy": _stamp(fact.returned_day or day, 16),
            }
        )
    result["recent"] = _push(list(received.items()), batch)
    result["progress"] = _push(list(moved.items()), batch, progress=True)

    table = DossierFact._meta.db_table
    columns = list(COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM {table} WHERE code LIKE 'S%' ORDER BY code "
            f"LIMIT {records}"
        )
        rows = [list(r) for r in cursor.fetchall()]
    where = columns.index("code")
    for row in rows:
        row[where] = "P" + row[where][1:]
    began = time.perf_counter()
    for i in range(0, len(rows), batch):
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows[i : i + batch]:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                    rows[i : i + batch],
                )
    result["insert_rate"] = len(rows) / (time.perf_counter() - began)
    result["batch"] = batch
    return result


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client

    from egov.core.models import Agency
    from egov.insights import selectors
    from egov.insights.constants import COUNTERS
    from egov.insights.models import DailyCount, SyncClient
    from egov.insights.services import counts, counts_by_scope, rebuild
    from egov.insights.sync import sync_dossiers
    from worker import percentiles

    result: dict[str, Any] = {"vendor": connection.vendor}

    began = time.perf_counter()
    rebuild()
    result["rebuild_s"] = time.perf_counter() - began
    result["count_rows"] = DailyCount.objects.count()

    def baseline() -> tuple[Any, Any]:
        with connection.cursor() as cursor:
            cursor.execute(_baseline_sql(scoped=False))
            nation = cursor.fetchone()
            cursor.execute(_baseline_sql(scoped=True))
            tops = cursor.fetchall()
        return nation, tops

    base_ms, (nation, tops) = _timed(baseline, args.repeat_baseline)
    result["baseline_ms"] = percentiles(base_ms)
    start, end = date(YEAR, 1, 1), date(YEAR, 12, 31)
    from_counts = counts(0, start, end)
    result["equal"] = [int(x or 0) for x in nation] == [from_counts[c] for c in COUNTERS]
    result["top_scopes"] = len(tops)

    duck = duckdb_baseline(args.repeat_baseline)
    result["duckdb_export_s"], result["duckdb_load_s"] = duck["export_s"], duck["load_s"]
    result["duckdb_rows"] = duck["rows"]
    result["duckdb_ms"] = percentiles(duck["query_ms"])
    by_scope = counts_by_scope([row[0] for row in duck["tops"]], start, end)
    result["duckdb_equal"] = [int(x or 0) for x in duck["nation"]] == [
        from_counts[c] for c in COUNTERS
    ] and all(
        [int(x or 0) for x in row[1:]] == [by_scope[row[0]][c] for c in COUNTERS]
        for row in duck["tops"]
    )
    result["duckdb_scopes"] = len(duck["tops"])

    client = Client()
    pages = {
        "dashboard": f"/chi-so/?year={YEAR}",
        "province": f"/chi-so/co-quan/000.00.00.P01/?year={YEAR}",
        "api": f"/api/v1/insights/figures?year={YEAR}",
    }
    for name, path in pages.items():
        client.get(path)  # warm
        samples, response = _timed(lambda p=path: client.get(p), args.repeat_pages)
        assert response.status_code == 200, (path, response.status_code)
        result[f"{name}_ms"] = percentiles(samples)

    # One new dossier record → the dashboard shows it: sync, commit, render, look.
    unit = Agency.objects.get(code="000.01.00.P01")
    sender = SyncClient.objects.create(name="bench", token_hash="bench")
    sender.agencies.add(unit.parent_id)
    latencies = []
    for n in range(args.repeat_events):
        before = counts(0, start, end)["received"]
        began = time.perf_counter()
        record = {
            "MaDonVi": unit.code,
            "MaHoSo": f"NEW-{n}",
            "HinhThuc": 1,
            "TrangThaiHoSo": 2,
            "NgayTiepNhan": f"{YEAR}0615090000",
            "ThoiDiemCapNhat": f"{YEAR}0615090000",
        }
        assert sync_dossiers(sender, [record]).applied == 1
        page = client.get(pages["api"]).json()
        latencies.append((time.perf_counter() - began) * 1000)
        assert page["counts"]["received"] == before + 1
    result["event_to_dashboard_ms"] = percentiles(latencies)
    result["ranking_rows"] = len(selectors.top_agencies("province"))
    result["sync"] = sync_rate(SYNC_RECORDS)
    return result
