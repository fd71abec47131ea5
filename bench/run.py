"""egov benchmarks (``make bench``): online submissions through the API and the back-office queue
at 100,000 dossiers, on SQLite and on PostgreSQL, each next to a baseline measured in the same run.

See bench/README.md for what is measured and how. Environment knobs:

    BENCH_SECONDS=15        measured window of each throughput run (after a 3 s warm-up)
    BENCH_WORKERS=2         uvicorn worker processes
    BENCH_CONCURRENCY=8     client connections (and baseline insert threads)
    BENCH_DOSSIERS=100000   dossiers in the big queue
    BENCH_DATABASES=sqlite,postgresql
    BENCH_ONLY=submit,queue,sign,insights,gateway,exchange,interconnected,ocr  some of the
                            benchmarks only (sign: results signed per second; gateway: the
                            data-sharing gateway next to nginx; exchange: official documents
                            between two deployments; interconnected: Decree 63 groups submitted
                            and fanned out next to single submissions; ocr: fields read from
                            generated scans at the counter, next to plain Tesseract)
    BENCH_INSIGHTS_FACTS=10000000  synthetic dossier facts for the indicators benchmark
    BENCH_SYNC_RECORDS=100000  records through the sync service per scenario (indicators)
    BENCH_SIGN_SECONDS=10   measured window of each part of the signing benchmark
    BENCH_QUEUE_REQUESTS=200 queue requests per filter over pages 1..N (page 1: a quarter)
    BENCH_IDEMPOTENCY_PAIRS=1  submission windows without and with an Idempotency-Key, in pairs
    BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432   (the bench creates/drops egov_bench)
"""

import http.client
import itertools
import json
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from worker import BIRTH, WARD, form_data, percentiles

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
SECONDS = float(os.environ.get("BENCH_SECONDS", 15))
WARMUP = float(os.environ.get("BENCH_WARMUP", 3))
WORKERS = int(os.environ.get("BENCH_WORKERS", 2))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", 8))
DOSSIERS = int(os.environ.get("BENCH_DOSSIERS", 100_000))
DATABASES = os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(",")
ONLY = os.environ.get(
    "BENCH_ONLY", "submit,queue,sign,insights,gateway,exchange,interconnected,ocr"
).split(",")
INSIGHTS_FACTS = int(os.environ.get("BENCH_INSIGHTS_FACTS", 10_000_000))
TARGET_SYNC = 20_000  # synced records per second
SIGN_SECONDS = os.environ.get("BENCH_SIGN_SECONDS", "10")
QUEUE_REQUESTS = int(os.environ.get("BENCH_QUEUE_REQUESTS", 200))
IDEMPOTENCY_PAIRS = int(os.environ.get("BENCH_IDEMPOTENCY_PAIRS", 1))
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
PG_NAME = "egov_bench"
PLACEHOLDER = b"BENCHSEQ000000000"
TICKS = os.sysconf("SC_CLK_TCK")
TARGET_SUBMISSIONS = 300.0
TARGET_QUEUE_P95 = 150.0


def say(text: str = "") -> None:
    print(text, flush=True)


# --- environment -------------------------------------------------------------------------------


def django_env(database_url: str, media: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="egov.config.settings",
        SECRET_KEY="bench-" + uuid.uuid4().hex,
        AUDIT_HMAC_KEY="bench-audit-" + uuid.uuid4().hex,
        GATEWAY_TOKEN_KEY="bench-token-" + uuid.uuid4().hex,
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        EGOV_FAST_PASSWORD_HASHER="1",
        MEDIA_ROOT=str(media),
        DATABASE_URL=database_url,
        LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")]),
    )
    return env


def run_step(env: dict[str, str], work: Path, step: str, *args: str) -> dict[str, Any]:
    out = work / f"{step}-{uuid.uuid4().hex[:6]}.json"
    command = [PYTHON, str(ROOT / "bench" / "worker.py"), step, "--out", str(out), *args]
    subprocess.run(command, env=env, cwd=ROOT, check=True)
    return json.loads(out.read_text())


def start_step(env: dict[str, str], work: Path, step: str, *args: str) -> tuple[Any, Path]:
    out = work / f"{step}-{uuid.uuid4().hex[:6]}.json"
    command = [PYTHON, str(ROOT / "bench" / "worker.py"), step, "--out", str(out), *args]
    return subprocess.Popen(command, env=env, cwd=ROOT), out


def postgres_database() -> str | None:
    """A fresh ``egov_bench`` database, or None (with the reason printed) when unreachable."""
    try:
        import psycopg

        with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True, connect_timeout=3) as c:
            c.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
            c.execute(f"CREATE DATABASE {PG_NAME}")
            version = c.execute("SHOW server_version").fetchone()
    except Exception as exc:
        say(f"PostgreSQL at {POSTGRES_URL} is unreachable ({type(exc).__name__}: {exc}).")
        say("Skipping the PostgreSQL figures; continuing with SQLite.")
        return None
    say(f"PostgreSQL {version[0] if version else '?'} at {POSTGRES_URL}, database {PG_NAME}")
    return f"{POSTGRES_URL}/{PG_NAME}"


def drop_postgres_database() -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True, connect_timeout=3) as c:
        c.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")


# --- CPU accounting from /proc ---------------------------------------------------------------


def _proc_table() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, command name, CPU seconds used so far)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        table[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / TICKS)
    return table


def _ours(pid: int) -> bool:
    """A PostgreSQL process working for the bench: a background process, or a backend of
    egov_bench (``postgres: 15/main: user database host(port) state``), not of another database."""
    try:
        title = (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")[0].decode()
    except OSError:
        return False
    words = title.rsplit(": ", 1)[-1].split()
    return not (len(words) >= 3 and "(" in words[2]) or words[1] == PG_NAME


def machine_busy() -> float:
    """CPU seconds (all cores) the machine has been busy since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / TICKS


def cpu_snapshot(server_pid: int = 0) -> dict[str, float]:
    """CPU seconds so far of the server process tree, of PostgreSQL working for the bench, of
    this client (and the steps it waited for), and of the whole machine."""
    table = _proc_table()
    tree, frontier = {server_pid}, [server_pid] if server_pid else []
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _, _) in table.items() if ppid == parent]
        tree.update(children)
        frontier.extend(children)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "server": sum(table[pid][2] for pid in tree if pid in table),
        "postgres": sum(
            cpu for pid, (_, name, cpu) in table.items() if name == "postgres" and _ours(pid)
        ),
        "client": table.get(os.getpid(), (0, "", 0.0))[2],
        "steps": children.ru_utime + children.ru_stime,
        "machine": machine_busy(),
    }


def others_busy(before: dict[str, float], after: dict[str, float], seconds: float) -> float:
    """Cores' worth of CPU used by processes that are not part of the bench."""
    delta = {key: after[key] - before[key] for key in before}
    ours = sum(value for key, value in delta.items() if key != "machine")
    return max(0.0, delta["machine"] - ours) / seconds


# --- the ASGI server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """egov.config.asgi:application under uvicorn with WORKERS processes on a free port, started
    by bench/serve.py (``uvicorn --workers N`` with TCP_NODELAY; ``plain``: uvicorn's own socket)."""

    def __init__(self, env: dict[str, str], log: Path, plain: bool = False):
        self.port = free_port()
        self.log = log.open("w")
        command = [PYTHON, str(ROOT / "bench" / "serve.py"), str(self.port), str(WORKERS)]
        self.process = subprocess.Popen(
            [*command, "--plain"] if plain else command,
            env=env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/api/v1/agencies")
                ready = connection.getresponse().status == 200
                connection.close()
                if ready:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"uvicorn did not start; see {log}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


# --- the HTTP client -------------------------------------------------------------------------------


def base_pdfs() -> dict[str, bytes]:
    """One small real PDF per required component, with a placeholder that makes each copy unique."""
    from egov.core.pdf import Document

    pdfs = {}
    for code, title in (
        ("TO_KHAI", "Tờ khai đăng ký khai sinh"),
        ("GIAY_CHUNG_SINH", "Giấy chứng sinh"),
    ):
        document = Document(title)
        document.set_keywords(PLACEHOLDER.decode())
        document.heading(title)
        document.line_of_text(
            "Họ và tên người mẹ: Trần Thị Bình. Nơi sinh: Bệnh viện Phụ sản Hà Nội."
        )
        pdfs[code] = document.to_bytes()
    return pdfs


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    chunks = []
    for name, value in fields.items():
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, data) in files.items():
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/pdf\r\n\r\n".encode()
        )
        chunks.append(data + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


class Load:
    """CONCURRENCY threads, each with one keep-alive connection, sending requests back to back
    for WARMUP + SECONDS; only responses completed inside the measured window are counted."""

    def __init__(self, port: int, make_request: Any, expect: int):
        self.port = port
        self.make_request = make_request
        self.expect = expect
        self.lock = threading.Lock()
        self.done: list[tuple[float, float, int, bytes]] = []

    def _thread(self, stop: float) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        mine = []
        while time.perf_counter() < stop:
            method, path, body, headers = self.make_request()
            began = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                status, data = 0, repr(exc).encode()
            ended = time.perf_counter()
            mine.append((ended, ended - began, status, data))
        connection.close()
        with self.lock:
            self.done.extend(mine)

    def run(self, server_pid: int, seconds: float = SECONDS) -> dict[str, Any]:
        started = time.perf_counter()
        window_start, window_end = started + WARMUP, started + WARMUP + seconds
        threads = [
            threading.Thread(target=self._thread, args=(window_end,)) for _ in range(CONCURRENCY)
        ]
        for thread in threads:
            thread.start()
        time.sleep(max(0.0, window_start - time.perf_counter()))
        cpu_before = cpu_snapshot(server_pid)
        time.sleep(max(0.0, window_end - time.perf_counter()))
        cpu_after = cpu_snapshot(server_pid)
        for thread in threads:
            thread.join()
        inside = [r for r in self.done if window_start <= r[0] <= window_end]
        good = [r for r in inside if r[2] == self.expect]
        bad = [r for r in inside if r[2] != self.expect]
        cpu = {key: cpu_after[key] - cpu_before[key] for key in ("server", "postgres", "client")}
        return {
            "rate": len(good) / seconds,
            "ok": len(good),
            "errors": len(bad),
            "error_sample": [(r[2], r[3][:300].decode(errors="replace")) for r in bad[:3]],
            "latency": percentiles([r[1] * 1000 for r in good]),
            "cpu_ms_per_request": {k: v * 1000 / max(1, len(good)) for k, v in cpu.items()},
            "machine_busy": (cpu_after["machine"] - cpu_before["machine"]) / seconds,
            "others_busy": others_busy(cpu_before, cpu_after, seconds),
            "bodies": [r[3] for r in good],
        }


#: Request numbers go on across the submission windows of one server, so every PDF differs.
_request_numbers = itertools.count(1)


def submissions(
    port: int, tokens: list[str], server_pid: int, keyed: bool = True
) -> dict[str, Any]:
    """Online submissions for one window, each with a fresh ``Idempotency-Key`` or (``keyed``
    false) none."""
    pdfs = base_pdfs()
    counter = _request_numbers
    rng = random.Random(7)
    sizes = sum(len(p) for p in pdfs.values())

    def make_request() -> tuple[str, str, bytes, dict[str, str]]:
        n = next(counter)
        unique = b"BENCHSEQ%09d" % n  # same length: the PDF's byte offsets stay right
        files = {
            code: (f"{code.lower()}-{n}.pdf", data.replace(PLACEHOLDER, unique))
            for code, data in pdfs.items()
        }
        fields = {
            "procedure": BIRTH,
            "agency": WARD,
            "form": json.dumps(form_data(rng), ensure_ascii=False),
        }
        body, content_type = multipart(fields, files)
        headers = {
            "Content-Type": content_type,
            "Authorization": f"Bearer {tokens[n % len(tokens)]}",
        }
        if keyed:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        return "POST", "/api/v1/dossiers", body, headers

    result = Load(port, make_request, 201).run(server_pid)
    codes = set()
    for body in result.pop("bodies"):
        codes.add(json.loads(body)["code"])
    result["distinct_codes"] = len(codes)
    result["pdf_bytes"] = sizes
    return result


def idempotency_pairs(port: int, tokens: list[str], server_pid: int) -> dict[str, Any]:
    """What the Idempotency-Key costs a submission: IDEMPOTENCY_PAIRS pairs of windows, one
    without a key and one with a fresh key per request, back to back on the same server, in
    alternating order (so that a drift of the machine's load falls on both sides); the ratio of
    each pair, and their median."""
    pairs = []
    for n in range(IDEMPOTENCY_PAIRS):
        order = (False, True) if n % 2 == 0 else (True, False)
        runs = {keyed: submissions(port, tokens, server_pid, keyed=keyed) for keyed in order}
        pairs.append(
            {
                "without": runs[False],
                "with": runs[True],
                "ratio": runs[True]["rate"] / max(runs[False]["rate"], 1e-9),
                "server_cpu_ms": {
                    "without": runs[False]["cpu_ms_per_request"]["server"],
                    "with": runs[True]["cpu_ms_per_request"]["server"],
                },
            }
        )
    return {
        "pairs": pairs,
        "ratio_median": statistics_median([p["ratio"] for p in pairs]),
        "server_cpu_ms_added_median": statistics_median(
            [p["server_cpu_ms"]["with"] - p["server_cpu_ms"]["without"] for p in pairs]
        ),
    }


def http_floor(port: int, token: str, server_pid: int, seconds: float = 5) -> dict[str, Any]:
    """GET /api/v1/dossiers/{id} by its applicant's token: the cheapest authenticated read (the
    token checked, one dossier read with its components), through the same server. Public
    tracking is not used: it is throttled per client address, and the bench is one address."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    connection.request("GET", "/api/v1/dossiers?page=1", headers=headers)
    dossier_id = json.loads(connection.getresponse().read())["items"][0]["id"]
    connection.close()

    def make_request() -> tuple[str, str, None, dict[str, str]]:
        return "GET", f"/api/v1/dossiers/{dossier_id}", None, headers

    result = Load(port, make_request, 200).run(server_pid, seconds=min(SECONDS, seconds))
    result.pop("bodies")
    return result


def baseline_inserts(env: dict[str, str], work: Path, payload: int) -> dict[str, Any]:
    """Plain INSERTs of the same size, one transaction each, from WORKERS processes with
    CONCURRENCY threads in all, into the same database."""
    start_at = time.time() + 5
    per_process = [CONCURRENCY // WORKERS + (i < CONCURRENCY % WORKERS) for i in range(WORKERS)]
    running = [
        start_step(
            env,
            work,
            "inserts",
            "--threads",
            str(threads),
            "--start-at",
            str(start_at),
            "--duration",
            str(SECONDS),
            "--bytes",
            str(payload),
        )
        for threads in per_process
    ]
    results = []
    for process, out in running:
        if process.wait() != 0:
            raise SystemExit("the insert baseline failed")
        results.append(json.loads(out.read_text()))
    count = sum(r["count"] for r in results)
    return {
        "rate": count / SECONDS,
        "count": count,
        "errors": [e for r in results for e in r["errors"]][:3],
        "latency_p50": statistics_median([r["latency"]["p50"] for r in results]),
        "latency_p95": max(r["latency"]["p95"] for r in results),
    }


def statistics_median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else 0.0


# --- one database ----------------------------------------------------------------------------------


def bench_database(vendor: str, database_url: str, work: Path) -> dict[str, Any]:
    media = work / "media"
    env = django_env(database_url, media)
    result: dict[str, Any] = {}
    began = time.perf_counter()

    say(f"[{vendor}] setup: migrate, collectstatic, agencies, catalogue, users, tokens")
    setup = run_step(env, work, "setup")
    if "submit" in ONLY or "queue" in ONLY:
        say(f"[{vendor}] seeding {DOSSIERS:,} dossiers (bulk_create) + 100 in the small queue")
        seed = run_step(env, work, "seed", "--dossiers", str(DOSSIERS), "--small", "100")
        result["seed"] = seed
        say(f"[{vendor}]   seeded in {seed['seconds']:.1f} s")

    if "queue" in ONLY:
        say(f"[{vendor}] queue latency, in process (django.test.Client, force_login)")
        before, started = cpu_snapshot(), time.perf_counter()
        result["queue"] = run_step(
            env,
            work,
            "queue",
            "--requests",
            str(QUEUE_REQUESTS),
            "--first",
            str(max(10, QUEUE_REQUESTS // 4)),
            "--api-requests",
            str(max(10, QUEUE_REQUESTS // 2)),
        )
        result["queue"]["others_busy"] = others_busy(
            before, cpu_snapshot(), time.perf_counter() - started
        )

    if "submit" in ONLY:
        say(f"[{vendor}] submissions: uvicorn, {WORKERS} workers, {CONCURRENCY} connections")
        first_id = run_step(env, work, "maxid")["max_id"]
        server = Server(env, work / f"uvicorn-{vendor}.log")
        try:
            result["submit"] = submissions(server.port, setup["tokens"], server.process.pid)
            result["verify"] = run_step(env, work, "verify", "--since-id", str(first_id))
            result["floor"] = http_floor(server.port, setup["tokens"][0], server.process.pid)
            if IDEMPOTENCY_PAIRS:
                say(f"[{vendor}] idempotency: {IDEMPOTENCY_PAIRS} pair(s) of windows, no key/key")
                result["idempotency"] = idempotency_pairs(
                    server.port, setup["tokens"], server.process.pid
                )
        finally:
            server.stop()
        plain = Server(env, work / f"uvicorn-plain-{vendor}.log", plain=True)
        try:
            result["floor_plain"] = http_floor(
                plain.port, setup["tokens"][0], plain.process.pid, seconds=3
            )
        finally:
            plain.stop()
        form = json.dumps(form_data(random.Random(1)), ensure_ascii=False).encode()
        payload = result["submit"]["pdf_bytes"] + len(form)
        say(f"[{vendor}] baseline: plain inserts of {payload:,} bytes, {CONCURRENCY} threads")
        result["inserts"] = baseline_inserts(env, work, payload)
    if "insights" in ONLY:
        method = "COPY" if vendor == "postgresql" else "executemany"
        say(f"[{vendor}] indicators: loading {INSIGHTS_FACTS:,} synthetic dossier facts ({method})")
        result["insights_load"] = run_step(
            env, work, "insights_load", "--facts", str(INSIGHTS_FACTS)
        )
        say(f"[{vendor}]   loaded in {result['insights_load']['seconds']:.1f} s")
        say(f"[{vendor}] indicators: rebuild, GROUP BY baseline, dashboard, event to dashboard")
        result["insights"] = run_step(env, work, "insights_measure")
    result["seconds"] = time.perf_counter() - began
    return result


# --- reporting ------------------------------------------------------------------------------------

FILTERS = ("all", "new", "mine", "due_soon", "overdue")


def report_submit(vendor: str, r: dict[str, Any]) -> None:
    s, ins, floor, v = r["submit"], r["inserts"], r["floor"], r["verify"]
    lat, cpu = s["latency"], s["cpu_ms_per_request"]
    say()
    say(f"== {vendor}: online submissions, POST /api/v1/dossiers over HTTP ==")
    say(
        f"  submissions/s      {s['rate']:8.1f}   ({s['ok']} x 201 in {SECONDS:.0f} s, "
        f"{s['errors']} errors, {s['distinct_codes']} distinct receipt codes)"
    )
    say(f"  latency ms         p50 {lat['p50']:.1f}  p95 {lat['p95']:.1f}  max {lat['max']:.1f}")
    say(
        f"  CPU ms/submission  server {cpu['server']:.1f}  postgres {cpu['postgres']:.1f}  "
        f"client {cpu['client']:.1f}; machine {s['machine_busy']:.2f} of {os.cpu_count()} cores "
        f"busy, {s['others_busy']:.2f} of them other processes"
    )
    say(
        f"  written            {v['dossiers']} dossiers, {v['components']} components, "
        f"{v['stored_files']} stored files ({v['sample_files_on_disk']}/{v['sample_size']} "
        f"sampled on disk), {v['events']} events"
    )
    say(f"  baseline inserts/s {ins['rate']:8.1f}   (p50 {ins['latency_p50']:.1f} ms per insert)")
    say(f"  ratio              {s['rate'] / max(ins['rate'], 1e-9):8.3f}   submissions per insert")
    plain = r["floor_plain"]
    say(
        f"  HTTP floor GET/s   {floor['rate']:8.1f}   GET /api/v1/dossiers/<id> with its "
        f"applicant's token, same server, {floor['errors']} errors (plain `uvicorn --workers "
        f"{WORKERS}`: {plain['rate']:.1f}/s, p50 {plain['latency']['p50']:.0f} ms, uvicorn#3149)"
    )
    say(f"  ratio              {s['rate'] / max(floor['rate'], 1e-9):8.3f}   submissions per GET")
    if "idempotency" in r:
        idem = r["idempotency"]
        for pair in idem["pairs"]:
            without, keyed = pair["without"], pair["with"]
            say(
                f"  Idempotency-Key    {keyed['rate']:8.1f}/s with, {without['rate']:.1f}/s "
                f"without = {pair['ratio']:.3f}; server CPU ms/submission "
                f"{pair['server_cpu_ms']['with']:.1f} with, {pair['server_cpu_ms']['without']:.1f} "
                f"without; errors {keyed['errors']}+{without['errors']}"
            )
        say(
            f"  key / no key       {idem['ratio_median']:8.3f}   median of {len(idem['pairs'])} "
            f"pair(s); {idem['server_cpu_ms_added_median']:+.1f} server CPU ms per submission"
        )
    if s["error_sample"]:
        say(f"  error sample       {s['error_sample']}")
    if ins["errors"]:
        say(f"  insert errors      {ins['errors']}")


def report_queue(vendor: str, r: dict[str, Any]) -> None:
    q = r["queue"]
    say()
    say(f"== {vendor}: back-office queue, GET /backoffice/?filter=... (ms, in process) ==")
    say(
        f"  {'filter':9} {'rows':>6} {'pages':>5} {'SQL':>3} | {'page 1 p50':>10} {'p95':>6} | "
        f"{'pages 1..N p50':>14} {'p95':>6} {'max':>6} | {'100-queue p95':>13} {'ratio':>5} | "
        f"{'API p50':>7} {'p95':>6}"
    )
    for which in FILTERS:
        big, small = f"big:{which}", f"small:{which}"
        first, spread = q["page"][f"{big}:first"], q["page"][f"{big}:spread"]
        base, api = q["page"][f"{small}:spread"], q["api"][f"{big}:spread"]
        say(
            f"  {which:9} {q['pages'][big]['rows']:6} {q['pages'][big]['pages']:5} "
            f"{q['queries'][big]:3} | {first['p50']:10.1f} {first['p95']:6.1f} | "
            f"{spread['p50']:14.1f} {spread['p95']:6.1f} {spread['max']:6.1f} | "
            f"{base['p95']:13.1f} {spread['p95'] / max(base['p95'], 1e-9):5.1f} | "
            f"{api['p50']:7.1f} {api['p95']:6.1f}"
        )
    say(
        f"  home page p50 {q['home']['p50']:.1f} ms, p95 {q['home']['p95']:.1f} ms (the floor of a "
        f"page); other processes kept {q['others_busy']:.2f} of {os.cpu_count()} cores busy"
    )


def report_insights(vendor: str, r: dict[str, Any]) -> None:
    i, facts = r["insights"], r["insights_load"]["facts"]
    base = i["baseline_ms"]["p50"]
    say()
    say(f"== {vendor}: indicators over {facts:,} dossier facts ==")
    say(f"  load               {r['insights_load']['seconds']:8.1f} s")
    say(
        f"  rebuild            {i['rebuild_s']:8.1f} s   every count of every agency, ancestor and "
        f"day ({i['count_rows']:,} rows)"
    )
    say(
        f"  baseline GROUP BY  {base / 1000:8.2f} s   one year: nation + {i['top_scopes']} "
        f"ministries and provinces straight from the facts (p50 of "
        f"{i['baseline_ms']['n']}); same numbers: {'yes' if i['equal'] else 'NO'}"
    )
    say(f"  ratio              {i['rebuild_s'] * 1000 / max(base, 1e-9):8.2f}   rebuild / GROUP BY")
    for name, label in (
        ("dashboard", "dashboard page"),
        ("province", "province page"),
        ("api", "figures API"),
    ):
        lat = i[f"{name}_ms"]
        say(
            f"  {label:18} p50 {lat['p50']:7.1f} ms  p95 {lat['p95']:7.1f} ms   "
            f"GROUP BY / p50 = {base / max(lat['p50'], 1e-9):8.1f}"
        )
    ev = i["event_to_dashboard_ms"]
    say(
        f"  event → dashboard  p50 {ev['p50']:7.1f} ms  p95 {ev['p95']:7.1f} ms   one synced "
        f"record, committed, then the figures API shows it; GROUP BY / p50 = "
        f"{base / max(ev['p50'], 1e-9):.1f}"
    )
    duck = i["duckdb_ms"]["p50"]
    say(
        f"  DuckDB export      {i['duckdb_export_s']:8.1f} s   facts ({i['duckdb_rows']:,} rows, "
        "14 columns), flattened tree and agencies to CSV"
    )
    say(f"  DuckDB load        {i['duckdb_load_s']:8.1f} s   CSV into in-memory DuckDB tables")
    say(
        f"  DuckDB GROUP BY    {duck / 1000:8.3f} s   same query, nation + {i['duckdb_scopes']} "
        f"ministries and provinces (p50 of {i['duckdb_ms']['n']}); same numbers as egov: "
        f"{'yes' if i['duckdb_equal'] else 'NO'}"
    )
    say(f"  ratio              {i['rebuild_s'] * 1000 / max(duck, 1e-9):8.2f}   rebuild / DuckDB")
    say(
        f"  ratio              {i['dashboard_ms']['p50'] / max(duck, 1e-9):8.3f}   dashboard "
        f"p50 / DuckDB (p95: {i['dashboard_ms']['p95'] / max(duck, 1e-9):.3f})"
    )
    sync = i["sync"]
    for name, what in (
        ("backfill", "DongBoHoSoMC, a year spread over every province unit"),
        ("backfill2", "the same kind of records, other dossiers"),
        ("recent", "DongBoHoSoMC, dossiers received in early December"),
        ("progress", "CapNhatTienDoHoSoMC, the same dossiers moved to their outcome"),
    ):
        run = sync[name]
        say(
            f"  sync {name:13} {run['rate']:8.0f} /s  {run['records']:,} records, "
            f"{run['senders']} sender(s), batches of {sync['batch']:,} ({run['seconds']:.1f} s): "
            f"{what}"
            + (
                f"; target >= {TARGET_SYNC:,}: {'met' if run['rate'] >= TARGET_SYNC else 'missed'}"
                if vendor == "postgresql"  # the target is for PostgreSQL
                else ""
            )
        )
    say(
        f"  plain writes       {sync['insert_rate']:8.0f} /s  the backfill's fact rows, same "
        f"batches (COPY on PostgreSQL); backfill / plain = "
        f"{sync['backfill']['rate'] / max(sync['insert_rate'], 1e-9):.3f}"
    )


def summary(results: dict[str, dict[str, Any]]) -> None:
    vendors = list(results)
    say()
    say("== summary ==")

    def row(label: str, values: list[str]) -> None:
        say(f"  {label:42}" + "".join(f"{value:>16}" for value in values))

    row("", vendors)
    if all("submit" in results[v] for v in vendors):
        sub = {v: results[v]["submit"]["rate"] for v in vendors}
        ins = {v: results[v]["inserts"]["rate"] for v in vendors}
        row(
            f"submissions/s (HTTP, {WORKERS} workers, {CONCURRENCY} conn.)",
            [f"{sub[v]:.1f}" for v in vendors],
        )
        row("plain inserts/s (same bytes, same conc.)", [f"{ins[v]:.1f}" for v in vendors])
        row("ratio submissions / inserts", [f"{sub[v] / max(ins[v], 1e-9):.3f}" for v in vendors])
        gets = {v: results[v]["floor"]["rate"] for v in vendors}
        row("authenticated GET /s (same server)", [f"{gets[v]:.1f}" for v in vendors])
        row("ratio submissions / GET", [f"{sub[v] / max(gets[v], 1e-9):.3f}" for v in vendors])
        if all("idempotency" in results[v] for v in vendors):
            row(
                "submissions/s with key / without (median)",
                [f"{results[v]['idempotency']['ratio_median']:.3f}" for v in vendors],
            )
        row(
            "submission latency p50/p95 ms",
            ["{p50:.0f}/{p95:.0f}".format(**results[v]["submit"]["latency"]) for v in vendors],
        )
        row(
            f"target >= {TARGET_SUBMISSIONS:.0f} submissions/s (PostgreSQL)",
            [
                ("met" if sub[v] >= TARGET_SUBMISSIONS else "missed") if v == "postgresql" else "-"
                for v in vendors
            ],
        )
    if all("insights" in results[v] for v in vendors):
        ins = {v: results[v]["insights"] for v in vendors}
        facts = results[vendors[0]]["insights_load"]["facts"]
        row(
            f"indicators rebuild s @{facts / 1e6:g}M facts",
            [f"{ins[v]['rebuild_s']:.1f}" for v in vendors],
        )
        row(
            "GROUP BY over the facts s (baseline)",
            [f"{ins[v]['baseline_ms']['p50'] / 1000:.2f}" for v in vendors],
        )
        row(
            "rebuild / GROUP BY",
            [f"{ins[v]['rebuild_s'] * 1000 / ins[v]['baseline_ms']['p50']:.2f}" for v in vendors],
        )
        row(
            "dashboard page p50/p95 ms",
            ["{p50:.0f}/{p95:.0f}".format(**ins[v]["dashboard_ms"]) for v in vendors],
        )
        row(
            "GROUP BY / dashboard p50",
            [
                f"{ins[v]['baseline_ms']['p50'] / ins[v]['dashboard_ms']['p50']:.1f}"
                for v in vendors
            ],
        )
        row(
            "event to updated figures p50/p95 ms",
            ["{p50:.0f}/{p95:.0f}".format(**ins[v]["event_to_dashboard_ms"]) for v in vendors],
        )
    if all("queue" in results[v] for v in vendors):
        pages = {v: results[v]["queue"]["page"] for v in vendors}
        for which in FILTERS:
            row(
                f"queue {which} p50/p95 ms @{DOSSIERS // 1000}k (pages 1..N)",
                ["{p50:.0f}/{p95:.0f}".format(**pages[v][f"big:{which}:spread"]) for v in vendors],
            )
        worst_small = {
            v: max(pages[v][f"small:{w}:spread"]["p95"] for w in FILTERS) for v in vendors
        }
        worst = {v: max(pages[v][f"big:{w}:spread"]["p95"] for w in FILTERS) for v in vendors}
        row("queue baseline: worst p95 ms @100", [f"{worst_small[v]:.0f}" for v in vendors])
        row(
            "queue worst p95 / baseline worst p95",
            [f"{worst[v] / worst_small[v]:.1f}" for v in vendors],
        )
        row(
            f"target queue p95 <= {TARGET_QUEUE_P95:.0f} ms",
            [
                f"{'met' if worst[v] <= TARGET_QUEUE_P95 else 'missed'} ({worst[v]:.0f})"
                for v in vendors
            ],
        )


def bench_signing() -> dict[str, Any]:
    """Electronic results signed per second on one core next to plain generation (bench/sign.py)."""
    say("[sign] results signed per second on one core, next to plain PDF generation")
    with tempfile.TemporaryDirectory(prefix="egov-bench-sign-") as folder:
        out = Path(folder) / "sign.json"
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        command = [PYTHON, str(ROOT / "bench" / "sign.py"), "--out", str(out)]
        subprocess.run([*command, "--seconds", SIGN_SECONDS], env=env, cwd=ROOT, check=True)
        result = json.loads(out.read_text())
    plain, signed, verified = result["plain"], result["signed"], result["verified"]
    say()
    say("== electronic results: one core, the birth certificate of one dossier ==")
    say(f"  plain PDF from the template   {plain['per_second']:8.2f} /s  (baseline)")
    say(
        f"  produced + signed (PAdES-T)   {signed['per_second']:8.2f} /s  "
        f"= {signed['per_second'] / plain['per_second']:.2f} × baseline"
    )
    say(
        f"  signing alone adds            "
        f"{1000 / signed['per_second'] - 1000 / plain['per_second']:8.1f} ms per document"
    )
    say(f"  verified (pyHanko + hash)     {verified['per_second']:8.2f} /s")
    say(f"  sizes: {result['pdf_bytes']:,} B plain, {result['signed_bytes']:,} B signed")
    return result


def bench_apart(script: str, headline: str) -> dict[str, Any]:
    """A benchmark that runs in its own subprocess and prints its own report (bench/gateway.py:
    the data-sharing gateway next to nginx; bench/exchange.py: the document axis next to plain
    HTTP posts; bench/interconnected.py: Decree 63 groups next to single submissions); its raw
    figures."""
    say(headline)
    with tempfile.TemporaryDirectory(prefix="egov-bench-apart-") as folder:
        out = Path(folder) / "result.json"
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        command = [PYTHON, str(ROOT / "bench" / script), "--out", str(out)]
        subprocess.run(command, env=env, cwd=ROOT, check=True)
        result: dict[str, Any] = json.loads(out.read_text())
    return result


def main() -> None:
    began = time.perf_counter()
    say(
        f"egov bench: {os.cpu_count()} cores, {WORKERS} uvicorn workers, concurrency {CONCURRENCY},"
        f" {SECONDS:.0f} s windows after {WARMUP:.0f} s warm-up, {DOSSIERS:,} dossiers"
    )
    results: dict[str, dict[str, Any]] = {}
    signing = bench_signing() if "sign" in ONLY else None
    gateway = exchange = interconnected = reading = None
    if "gateway" in ONLY:
        gateway = bench_apart(
            "gateway.py", "[gateway] the gateway next to nginx, same upstream, same wrk load"
        )
    if "exchange" in ONLY:
        exchange = bench_apart(
            "exchange.py", "[exchange] documents between two deployments next to plain posts"
        )
    if "interconnected" in ONLY:
        interconnected = bench_apart(
            "interconnected.py",
            "[interconnected] Decree 63 groups submitted and fanned out next to single submissions",
        )
    if "ocr" in ONLY:
        reading = bench_apart(
            "ocr.py", "[ocr] fields read from generated scans at the counter, next to Tesseract"
        )
    for vendor in DATABASES if {"submit", "queue", "insights"} & set(ONLY) else []:
        work = Path(tempfile.mkdtemp(prefix=f"egov-bench-{vendor}-"))
        try:
            if vendor == "sqlite":
                url = f"sqlite:///{work / 'bench.sqlite3'}"
            else:
                url = postgres_database()
                if url is None:
                    continue
            try:
                results[vendor] = bench_database(vendor, url, work)
            finally:
                if vendor == "postgresql":
                    drop_postgres_database()
            if "submit" in results[vendor]:
                report_submit(vendor, results[vendor])
            if "queue" in results[vendor]:
                report_queue(vendor, results[vendor])
            if "insights" in results[vendor]:
                report_insights(vendor, results[vendor])
            say(f"  ({vendor}: {results[vendor]['seconds']:.0f} s)")
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if results:
        summary(results)
    if results or signing or gateway or exchange or interconnected or reading:
        out = ROOT / "var" / "bench-results.json"
        out.parent.mkdir(exist_ok=True)
        everything = {
            **results,
            "sign": signing,
            "gateway": gateway,
            "exchange": exchange,
            "interconnected": interconnected,
            "ocr": reading,
        }
        out.write_text(json.dumps(everything, indent=1, default=str))
        say(f"\n  raw figures: {out.relative_to(ROOT)}")
    say(f"  make bench took {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
