"""The cluster under load, with an app node and a worker killed (SIGKILL) mid-run: `make cluster-test`.

    python tools/cluster_test.py      (against a running `make cluster`; about a minute)

CLUSTER_TEST_CLIENTS (16) citizens submit CLUSTER_TEST_SUBMISSIONS (300) birth registrations
online through nginx, each with its own ``Idempotency-Key``, and a receiving official receives
each dossier as soon as it is filed (which notifies the citizen by e-mail and SMS: two tasks).
A client retries a request that got a 5xx or no answer, with the same key, until it gets one;
every tenth submission is also sent again after its answer, as by a client that missed it.
When a third of the submissions are filed, app node 1 and worker 1 are killed with SIGKILL.

Then it checks, on the primary: every submission made exactly one dossier (each carries its
number in the form) and a submission sent again got its own dossier back (200), every dossier was received, every task queued during the run finished
(the killed worker's task is run again by the other once its lease expires) and every
notification was sent once; and that the 5xx answers were only those of requests in flight at
the kill, every one retried to success. It prints throughput, latencies, the retries, and how
long a write took to be visible on the replica (polled directly after each 201, and through the
public tracking API, which reads the replica; those look-ups go straight to app node 2 with a
forwarded address each, as from a trusted proxy, so that the per-address limit counts people). Then it starts the killed processes again.
Exit status 1 when a check fails.
"""

import base64
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cluster

CLIENTS = int(os.environ.get("CLUSTER_TEST_CLIENTS", 16))
SUBMISSIONS = int(os.environ.get("CLUSTER_TEST_SUBMISSIONS", 300))
#: Dossiers also looked up through public tracking (replica) right after they are filed.
TRACKED = int(os.environ.get("CLUSTER_TEST_TRACKED", 40))
WARD = "000.00.31.H26"
BIRTH = "1.001193"
KILLED = ("app1", "worker1")
#: django-tasks-db stores a task without ``run_after`` as run after 9999-01-01.
NO_RUN_AFTER = "9999-01-01"


# --- setup, inside Django (run in a subprocess with the cluster's environment) -------------------


def setup(out: Path, run_id: str) -> None:
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password

    from egov.core.models import Agency
    from egov.core.pdf import Document
    from egov.identity.models import IdentityLevel, User, UserKind
    from egov.identity.officials.services import create_official
    from egov.identity.tokens import issue_api_token

    citizens = User.objects.bulk_create(
        User(
            username=f"load{run_id}c{n:04d}",
            personal_id=f"09{run_id}{n:04d}",
            full_name=f"Công dân tải {n}",
            email=f"load{run_id}.{n}@example.vn",
            phone=f"0912{int(run_id) % 100:02d}{n:04d}",
            kind=UserKind.CITIZEN,
            identity_level=IdentityLevel.LEVEL_2,
            password=make_password(None),
        )
        for n in range(CLIENTS)
    )
    official = create_official(
        username=f"load{run_id}.receiver",
        full_name="Cán bộ tiếp nhận",
        password=base64.b64encode(os.urandom(18)).decode(),
        agency=Agency.objects.get(code=WARD),
        roles=["receiver"],
    )
    pdfs = {}
    for code, title in (("TO_KHAI", "Tờ khai"), ("GIAY_CHUNG_SINH", "Giấy chứng sinh")):
        document = Document(title)
        document.heading(title)
        pdfs[code] = base64.b64encode(document.to_bytes()).decode()
    out.write_text(
        json.dumps(
            {
                "tokens": [issue_api_token(citizen, "cluster-test") for citizen in citizens],
                "official": issue_api_token(official, "cluster-test"),
                "pdfs": pdfs,
            }
        )
    )


# --- the load --------------------------------------------------------------------------------


@dataclass
class Attempt:
    at: float
    kind: str  # submit, receive, track
    status: int  # 0: no answer
    retry: bool


@dataclass
class Run:
    tokens: list[str]
    official: str
    pdfs: dict[str, bytes]
    run_id: str
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_job: int = 0
    filed: dict[int, tuple[int, str, int]] = field(default_factory=dict)  # job: (id, code, status)
    attempts: list[Attempt] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    replica_lag: list[float] = field(default_factory=list)
    tracking_lag: list[float] = field(default_factory=list)
    killed_at: float | None = None
    kill_done: threading.Event = field(default_factory=threading.Event)
    running_at_kill: int = 0
    unfinished: list[int] = field(default_factory=list)
    #: Submissions sent again after their answer: (dossier id, status, id in the answer).
    resent: list[tuple[int, int, int | None]] = field(default_factory=list)

    def take_job(self) -> int | None:
        with self.lock:
            if self.next_job >= SUBMISSIONS:
                return None
            self.next_job += 1
            return self.next_job - 1

    def record(self, attempt: Attempt) -> None:
        with self.lock:
            self.attempts.append(attempt)


def multipart(fields: dict[str, str], files: dict[str, bytes]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    chunks = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    for name, data in files.items():
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{name.lower()}.pdf"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


class Client:
    """One keep-alive connection to nginx (or to ``port``); a request is sent again (same body
    and key) after a 5xx or no answer, with a short back-off."""

    def __init__(self, run: Run, port: int = cluster.PORT) -> None:
        self.run = run
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(
        self, kind: str, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        for attempt in range(40):
            began = time.monotonic()
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                status, data = response.status, response.read()
            except (OSError, http.client.HTTPException):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                status, data = 0, b""
            self.run.record(Attempt(time.monotonic(), kind, status, attempt > 0))
            if status and status < 500:
                if kind == "submit":
                    with self.run.lock:
                        self.run.latencies.append(time.monotonic() - began)
                return status, data
            time.sleep(min(2.0, 0.1 * 2**attempt))
        raise SystemExit(f"{kind} {path}: no answer after 40 attempts")


def form(job: int, run_id: str) -> dict[str, Any]:
    return {
        "child_full_name": "Nguyễn Minh Khôi",
        "child_birth_date": "2026-10-30",
        "child_sex": "Nam",
        "ethnicity": "Kinh",
        # The job's number: a dossier filed twice for one submission would show here.
        "birth_place": f"Bệnh viện Phụ sản Hà Nội (tải {run_id}-{job})",
        "mother_full_name": "Trần Thị Bình",
        "relationship": "Mẹ",
        "copies": 1,
    }


def wait_on_replica(replica: Any, dossier_id: int, filed_at: float) -> float | None:
    deadline = filed_at + 10
    while time.monotonic() < deadline:
        if replica.execute("SELECT 1 FROM dossiers_dossier WHERE id = %s", [dossier_id]).fetchone():
            return time.monotonic() - filed_at
        time.sleep(0.0005)
    return None


def client_thread(run: Run, index: int) -> None:
    import psycopg

    client = Client(run)
    # Public tracking as many people do it, each from their own address: straight to app node 2
    # (never killed) as from a trusted proxy, since nginx, the edge here, sets the address itself.
    tracker = Client(run, cluster.APP_PORTS[-1])
    replica = psycopg.connect(
        f"host=127.0.0.1 port={cluster.REPLICA_PORT} dbname=egov user=postgres", autocommit=True
    )
    token = run.tokens[index % len(run.tokens)]
    while (job := run.take_job()) is not None:
        body, content_type = multipart(
            {"procedure": BIRTH, "agency": WARD, "form": json.dumps(form(job, run.run_id))},
            run.pdfs,
        )
        headers = {
            "Content-Type": content_type,
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": f"{run.run_id}-{job}",
        }
        status, data = client.request("submit", "POST", "/api/v1/dossiers", body, headers)
        filed_at = time.monotonic()
        if status not in (200, 201):
            raise SystemExit(f"submission {job}: {status} {data[:300]!r}")
        dossier = json.loads(data)
        with run.lock:
            run.filed[job] = (dossier["id"], dossier["code"], status)
        lag = wait_on_replica(replica, dossier["id"], filed_at)
        with run.lock:
            run.replica_lag.append(lag if lag is not None else float("inf"))
        if job < TRACKED:
            track(tracker, run, dossier["code"], filed_at, job)
        receive(client, run, dossier["id"])
        if job % 10 == 0:
            # A client that never saw its answer sends the submission again, after the dossier
            # has moved on: the first answer comes back, and no second dossier is filed.
            status, data = client.request("submit", "POST", "/api/v1/dossiers", body, headers)
            again = json.loads(data) if status in (200, 201) else {}
            with run.lock:
                run.resent.append((dossier["id"], status, again.get("id")))
    replica.close()


def track(client: Client, run: Run, code: str, filed_at: float, job: int) -> None:
    """Public tracking reads the replica: how soon it knows the new dossier. Each look-up comes
    from its own forwarded address, as different people's would, under the per-address limit."""
    for n in range(200):
        headers = {"X-Forwarded-For": f"10.{job // 250}.{job % 250}.{n + 1}"}
        status, _data = client.request("track", "GET", f"/api/v1/tracking/{code}", None, headers)
        if status == 200:
            with run.lock:
                run.tracking_lag.append(time.monotonic() - filed_at)
            break
        time.sleep(0.005)
    # uvicorn closes a keep-alive connection idle for 5 s: the next look-up opens its own.
    client.connection.close()


def receive(client: Client, run: Run, dossier_id: int) -> None:
    checklist = {code: {"ok": True, "note": ""} for code in run.pdfs}
    body = json.dumps({"checklist": checklist}).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {run.official}"}
    path = f"/api/v1/dossiers/{dossier_id}/receive"
    status, data = client.request("receive", "POST", path, body, headers)
    # 409 only when a retried receive had gone through before its node died (checked below).
    if status != 200 and status != 409:
        raise SystemExit(f"receive {dossier_id}: {status} {data[:300]!r}")


def killer(run: Run) -> None:
    """Once a third of the submissions are filed, kill app node 1 and worker 1 (SIGKILL), the
    worker while it runs a task when one is caught running within 10 s (tasks take milliseconds)."""
    while len(run.filed) < SUBMISSIONS // 3:
        time.sleep(0.01)
    worker_pid = cluster.pid_of("worker1")
    primary = primary_connection()

    def running() -> int:
        return int(
            primary.execute(
                "SELECT count(*) FROM django_tasks_database_dbtaskresult t"
                " JOIN core_workerheartbeat h ON h.worker_id = t.worker_ids->>-1"
                " WHERE t.status = 'RUNNING' AND h.pid = %s",
                [worker_pid],
            ).fetchone()[0]
        )

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not running():
        time.sleep(0.002)
    for name in KILLED:
        pid = cluster.pid_of(name)
        if pid is None:
            raise SystemExit(f"{name} is not running: start the cluster (make cluster)")
        os.kill(pid, signal.SIGKILL)
    run.killed_at = time.monotonic()
    # Counted once the worker is dead (and a commit it had sent has landed): a task seen
    # running a moment before the kill may have finished in between, and needs no second run.
    time.sleep(0.5)
    run.running_at_kill = running()
    primary.close()
    run.kill_done.set()
    print(
        f"  killed {' and '.join(KILLED)} (SIGKILL) after {len(run.filed)} submissions,"
        f" worker1 left {run.running_at_kill} task(s) running"
    )


def primary_connection() -> Any:
    import psycopg

    return psycopg.connect(
        f"host=127.0.0.1 port={cluster.PRIMARY_PORT} dbname=egov user=postgres", autocommit=True
    )


# --- checks ----------------------------------------------------------------------------------


def wait_for_tasks(started_at: str, seconds: float = 180) -> tuple[float, dict[str, int]]:
    """Seconds until every task queued since ``started_at`` has finished; their states."""
    began = time.monotonic()
    primary = primary_connection()
    try:
        while True:
            # A task waiting for a later time (run_after) is not one left undone: it is counted
            # apart, as SCHEDULED.
            states = dict(
                primary.execute(
                    "SELECT CASE WHEN status = 'READY' AND run_after > now()"
                    " AND run_after < %s THEN 'SCHEDULED'"
                    " ELSE status END, count(*) FROM django_tasks_database_dbtaskresult"
                    " WHERE enqueued_at >= %s GROUP BY 1",
                    [NO_RUN_AFTER, started_at],
                ).fetchall()
            )
            if not states.get("READY") and not states.get("RUNNING"):
                return time.monotonic() - began, states
            if time.monotonic() - began > seconds:
                return time.monotonic() - began, states
            time.sleep(0.5)
    finally:
        primary.close()


def postgres_cpu_seconds(data: Path) -> float:
    """CPU seconds of a PostgreSQL server so far: the postmaster, its live processes, and the
    ones that have exited (counted in the postmaster's children times)."""
    postmaster = int((data / "postmaster.pid").read_text().split()[0])
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == postmaster:
            ticks += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        elif ppid == postmaster:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def checks(run: Run, started_at: str) -> list[str]:
    problems = []
    primary = primary_connection()
    try:
        per_job = dict(
            primary.execute(
                "SELECT form_data->>'birth_place', count(*) FROM dossiers_dossier"
                " WHERE form_data->>'birth_place' LIKE %s GROUP BY 1",
                [f"%(tải {run.run_id}-%"],
            ).fetchall()
        )
        twice = {place: n for place, n in per_job.items() if n != 1}
        if len(per_job) != SUBMISSIONS or twice:
            problems.append(
                f"{len(per_job)} submissions have a dossier, {len(twice)} more than one"
            )
        ids = [dossier_id for dossier_id, _code, _status in run.filed.values()]
        statuses = dict(
            primary.execute(
                "SELECT status, count(*) FROM dossiers_dossier WHERE id = ANY(%s) GROUP BY status",
                [ids],
            ).fetchall()
        )
        if statuses != {"received": SUBMISSIONS}:
            problems.append(f"dossiers not all received: {statuses}")
        notifications = primary.execute(
            "SELECT channel, status, count(*), count(DISTINCT object_id) FROM core_notification"
            " WHERE object_type = 'dossier' AND object_id = ANY(%s) GROUP BY 1, 2",
            [[str(i) for i in ids]],
        ).fetchall()
        # One notification of each channel for each dossier received, each sent once; or, when
        # the killed worker was sending it, claimed, with its delivery looked at again when the
        # claim expires (a task scheduled for then).
        per_channel: dict[str, int] = {}
        for channel, status, rows, dossiers in notifications:
            if status not in ("sent", "sending") or rows != dossiers:
                problems.append(f"notifications: {channel} {status} {rows} rows, {dossiers}")
            per_channel[channel] = per_channel.get(channel, 0) + rows
        if set(per_channel.values()) != {SUBMISSIONS}:
            problems.append(f"notifications per channel: {per_channel}")
        claimed = [
            row[0]
            for row in primary.execute(
                "SELECT id FROM core_notification WHERE status = 'sending' AND object_id = ANY(%s)",
                [[str(i) for i in ids]],
            ).fetchall()
        ]
        scheduled = {
            row[0]
            for row in primary.execute(
                "SELECT (args_kwargs->'args'->>0)::bigint FROM django_tasks_database_dbtaskresult"
                " WHERE status = 'READY' AND run_after > now() AND task_path LIKE %s"
                " AND run_after < %s",
                ["%deliver_notification", NO_RUN_AFTER],
            ).fetchall()
        }
        if set(claimed) - scheduled:
            problems.append(f"notifications left claimed with nothing to send them: {claimed}")
        print(
            f"  notifications being sent when the worker was killed: {len(claimed)}, each to be"
            " looked at again when its claim expires (10 min)"
        )
        rerun = primary.execute(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE enqueued_at >= %s"
            " AND jsonb_array_length(worker_ids) > 1",
            [started_at],
        ).fetchone()[0]
    finally:
        primary.close()
    wrong = [(i, status, again) for i, status, again in run.resent if (status, again) != (200, i)]
    if wrong or not run.resent:
        problems.append(f"submissions sent again not answered with their dossier: {wrong}")
    errors = [a for a in run.attempts if a.status == 0 or a.status >= 500]
    if errors and run.killed_at is not None:
        late = [a for a in errors if not run.killed_at - 1 <= a.at <= run.killed_at + 15]
        if late:
            problems.append(f"{len(late)} 5xx or unanswered requests away from the kill")
    if len(errors) > 2 * CLIENTS:
        problems.append(f"{len(errors)} 5xx: more than the requests in flight at the kill")
    print(f"  tasks run again after the kill (their worker's lease expired): {rerun}")
    if run.running_at_kill and not rerun:
        problems.append("the task the killed worker was running was not run again")
    return problems


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--setup":
        setup(Path(sys.argv[2]), sys.argv[3])
        return
    for name in KILLED:
        if cluster.pid_of(name) is None:
            raise SystemExit(f"{name} is not running: start the cluster first (make cluster)")
    run_id = f"{int(time.time()) % 100_000:05d}"
    out = cluster.VAR / f"cluster-test-{run_id}.json"
    subprocess.run(  # noqa: S603
        [cluster.PYTHON, __file__, "--setup", str(out), run_id],
        env=cluster.node_env("cluster-test"),
        cwd=cluster.ROOT,
        check=True,
        stderr=subprocess.DEVNULL,
    )
    data = json.loads(out.read_text())
    out.unlink()
    run = Run(
        tokens=data["tokens"],
        official=data["official"],
        pdfs={code: base64.b64decode(pdf) for code, pdf in data["pdfs"].items()},
        run_id=run_id,
    )
    primary = primary_connection()
    started_at = primary.execute("SELECT now()").fetchone()[0]
    primary.close()
    print(f"cluster test {run_id}: {SUBMISSIONS} submissions from {CLIENTS} clients")
    cpu_before = postgres_cpu_seconds(cluster.PG / "primary")
    began = time.monotonic()
    threads = [threading.Thread(target=client_thread, args=(run, n)) for n in range(CLIENTS)]
    threads.append(threading.Thread(target=killer, args=(run,)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    primary_cpu = postgres_cpu_seconds(cluster.PG / "primary") - cpu_before
    load = os.getloadavg()[0]
    drained, states = wait_for_tasks(started_at)
    problems = checks(run, started_at)
    if states.get("READY") or states.get("RUNNING") or set(states) - {"SUCCESSFUL", "SCHEDULED"}:
        problems.append(f"tasks not all done: {states}")
    report(run, elapsed, drained, states)
    per = primary_cpu / SUBMISSIONS
    print(
        f"  primary: {per * 1000:.1f} CPU ms per submission and its receipt (the tasks included),"
        f" so at most {os.cpu_count() or 1} / {per:.4f} s = {(os.cpu_count() or 1) / per:.0f}"
        f" submissions/s on this machine's {os.cpu_count()} cores if it ran nothing else;"
        f" machine load during the run {load:.1f}"
    )
    # Back to two nodes and two workers.
    cluster.start_nodes()
    for port in cluster.APP_PORTS:
        cluster.wait_ready(f"http://127.0.0.1:{port}/healthz/ready")
    print("  app1 and worker1 started again")
    if problems:
        print("FAILED:\n  " + "\n  ".join(problems))
        raise SystemExit(1)
    print("OK: every submission filed once, every task done, 5xx only at the kill, all retried")


def report(run: Run, elapsed: float, drained: float, states: dict[str, int]) -> None:
    submits = [a for a in run.attempts if a.kind == "submit"]
    errors = [a for a in run.attempts if a.status == 0 or a.status >= 500]
    replayed = sum(1 for _id, _code, status in run.filed.values() if status == 200)
    conflicts = sum(1 for a in run.attempts if a.kind == "receive" and a.status == 409)
    lag = [x * 1000 for x in run.replica_lag if x != float("inf")]
    print(
        f"  {SUBMISSIONS} submissions (+ as many receipts) in {elapsed:.1f} s:"
        f" {SUBMISSIONS / elapsed:.1f} submissions/s through nginx, {len(submits)} attempts;"
        f" latency p50 {percentile(run.latencies, 0.5) * 1000:.0f} ms,"
        f" p95 {percentile(run.latencies, 0.95) * 1000:.0f} ms"
    )
    by_status: dict[str, int] = {}
    for attempt in errors:
        key = f"{attempt.kind} {attempt.status or 'no answer'}"
        by_status[key] = by_status.get(key, 0) + 1
    print(
        f"  5xx / no answer: {len(errors)} {by_status or ''}; retried submissions answered from"
        f" their key (200 replayed): {replayed}; receipts already done on retry (409): {conflicts}"
    )
    print(
        f"  submissions sent again after their answer: {len(run.resent)}, answered 200 with"
        f" their own dossier: {sum(1 for i, st, again in run.resent if (st, again) == (200, i))}"
    )
    print(
        f"  replica: a new dossier visible after p50 {percentile(lag, 0.5):.1f} ms,"
        f" p95 {percentile(lag, 0.95):.1f} ms, max {max(lag, default=float('nan')):.1f} ms"
        f" ({len(lag)} writes; {len(run.replica_lag) - len(lag)} not within 10 s)"
    )
    if run.tracking_lag:
        track = [x * 1000 for x in run.tracking_lag]
        print(
            f"  public tracking (replica, on app node 2): found after p50"
            f" {statistics.median(track):.0f} ms, max {max(track):.0f} ms ({len(track)} dossiers)"
        )
    print(f"  tasks of the run: {states}; all done {drained:.1f} s after the last submission")


if __name__ == "__main__":
    main()
