"""The data-sharing gateway next to nginx, on the same upstream, with the same load (wrk), in one
run (``BENCH_ONLY=gateway make bench``; run by ``bench/run.py``). See bench/README.md, section 5.

* **upstream:** nginx answering a fixed 45-byte JSON (``return 200``), one worker process: the
  fastest HTTP server at hand, so that what the proxies add is what the figures show;
* **(a) direct:** wrk against the upstream;
* **(b) nginx:** a second nginx, one worker, as a plain reverse proxy (keep-alive to the
  upstream, no access log);
* **(c) gateway:** an egov deployment (SQLite in a temporary folder; PostgreSQL too when
  DATABASE_URL names a server) serving ``egov.config.asgi:application`` under uvicorn, one
  worker (then two): JWT verified, route and grant found, quota counted, call forwarded with
  aiohttp and appended to the hash-chained transaction log. The rows the log gained are
  compared with the requests wrk completed.
* **population:** 1,000,000 people (``generate_population --count 1000000 --seed 1``), then
  ``POST /gw/000.00.00.G01/CSDLDC/population/verify`` for people drawn from the registry at
  random, through the gateway, next to the registry's endpoint called directly.

Every run is ``wrk -t THREADS -c CONNECTIONS -d SECONDS --latency`` after a short warm-up, and
again with one connection (the latency a call pays when nothing queues).

    python bench/gateway.py --out gateway.json
    python bench/gateway.py serve PORT WORKERS     (the server: uvicorn, lifespan on)
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
SECONDS = float(os.environ.get("BENCH_GATEWAY_SECONDS", 10))
LATENCY_SECONDS = float(os.environ.get("BENCH_GATEWAY_LATENCY_SECONDS", 5))
WARMUP = float(os.environ.get("BENCH_GATEWAY_WARMUP", 2))
CONNECTIONS = int(os.environ.get("BENCH_GATEWAY_CONNECTIONS", 32))
THREADS = int(os.environ.get("BENCH_GATEWAY_THREADS", 2))
PEOPLE = int(os.environ.get("BENCH_GATEWAY_PEOPLE", 1_000_000))
#: uvicorn workers of the verify runs (the deployment serves the gateway and the registry).
VERIFY_WORKERS = [int(w) for w in os.environ.get("BENCH_GATEWAY_VERIFY_WORKERS", "2").split(",")]
SAMPLE = 2000  # people drawn from the registry for the verify requests
TICKS = os.sysconf("SC_CLK_TCK")

CLIENT, OWNER = "000.00.00.H26/DVC", "000.00.00.G01/CSDLDC"
ECHO = '{"match":true,"found":true,"differences":[]}'
#: The body of every request of (a), (b) and (c): a verify request's size and shape.
BODY = '{"personal_id":"001090012345","full_name":"Nguyễn Văn An","birth_date":"1990-05-17"}'
TARGET_SHARE, TARGET_ADDED_P50_MS, TARGET_VERIFY = 0.50, 2.0, 1000.0

DIRECTORY = f"""
members:
  - code: {CLIENT}
    name: Bench client
    secret_env: BENCH_GATEWAY_CLIENT_SECRET
  - code: {OWNER}
    name: Bench owner
services:
  - owner: {OWNER}
    code: echo
    title: Fixed JSON answer (the bench's upstream)
    upstream_url: http://127.0.0.1:${{BENCH_UPSTREAM_PORT}}/echo
    quota_per_minute: 100000000
    timeout_seconds: 10
    grants:
      - client: {CLIENT}
  - owner: {OWNER}
    code: population
    title: Population registry
    upstream_url: ${{SITE_URL}}/api/v1/registries/population
    upstream_auth: bearer
    upstream_secret_env: POPULATION_REGISTRY_KEY
    quota_per_minute: 100000000
    timeout_seconds: 10
    grants:
      - client: {CLIENT}
"""

STATIC_LUA = """
wrk.method = "POST"
wrk.body = [==[{body}]==]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
"""

#: People drawn at random; counts the answers that are not a full match (every one should be).
VERIFY_LUA = """
local people = {{
{people}
}}
local threads = {{}}
function setup(thread)
  table.insert(threads, thread)
  thread:set("seed", #threads)
end
function init(args)
  mismatches = 0
  math.randomseed(os.time() * 100 + seed)
end
function request()
  local p = people[math.random(#people)]
  return wrk.format("POST", nil, {{["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer {token}"}}, p)
end
function response(status, headers, body)
  if status ~= 200 or not body:find('"match": *true') then mismatches = mismatches + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("mismatches") end
  io.write(string.format("bench-mismatches: %d\\n", total))
end
"""


def say(text: str = "") -> None:
    print(text, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url}: the server stopped:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer; see {log}")


def stop(process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def cpu_seconds(pid: int) -> float:
    """CPU seconds so far of ``pid`` and its descendants (from /proc)."""
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / TICKS
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        tree.update(children)
        frontier.extend(children)
    return sum(cpu.get(p, 0.0) for p in tree)


# --- the tools ---------------------------------------------------------------------------------


def tools() -> dict[str, str] | None:
    """nginx and wrk (``make bench`` installs them from Debian's packages), or None."""
    found = {
        name: shutil.which(name) or shutil.which(name, path="/usr/sbin")
        for name in ("nginx", "wrk")
    }
    if not all(found.values()):
        say(f"[gateway] skipped: {', '.join(n for n, p in found.items() if not p)} not installed")
        return None
    nginx = subprocess.run([found["nginx"], "-v"], capture_output=True, text=True).stderr.strip()
    wrk = subprocess.run([found["wrk"], "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    return {**found, "nginx_version": nginx.split("/")[-1], "wrk_version": wrk.split()[1]}


class Nginx:
    """An nginx of the current user with one worker, its prefix and config in ``folder``."""

    def __init__(self, binary: str, folder: Path, name: str, server_block: str, extra: str = ""):
        self.port = free_port()
        prefix = folder / name
        prefix.mkdir()
        temp = "\n".join(
            f"  {kind}_temp_path {prefix}/{kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (prefix / "nginx.conf").write_text(
            f"""daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
{temp}
  keepalive_requests 1000000;
  keepalive_timeout 75s;
{extra}
  server {{
    listen 127.0.0.1:{self.port} reuseport;
{server_block}
  }}
}}
"""
        )
        self.log = prefix / "stdout.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    binary,
                    "-p",
                    str(prefix),
                    "-c",
                    str(prefix / "nginx.conf"),
                    "-e",
                    str(prefix / "error.log"),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(f"http://127.0.0.1:{self.port}/echo", self.process, self.log, 15)


def wrk(
    binary: str, url: str, script: Path, seconds: float, connections: int, threads: int
) -> dict[str, Any]:
    """One wrk run; its figures parsed from the ``--latency`` report."""
    command = [binary, f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency"]
    command += ["--timeout", "10s", "-s", str(script), url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(out: str) -> dict[str, Any]:
    def ms(text: str) -> float:
        number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
        return float(number) * UNITS[unit]

    result: dict[str, Any] = {"raw": out}
    result["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    done = re.search(r"(\d+) requests in ([\d.]+)(\w+),", out)
    result["requests"] = int(done.group(1))  # type: ignore[union-attr]
    for pct in ("50", "75", "90", "99"):
        found = re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M)
        result[f"p{pct}"] = ms(found.group(1)) if found else float("nan")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["non2xx"] = int(bad.group(1)) if bad else 0
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    result["socket_errors"] = sum(int(x) for x in errors.groups()) if errors else 0
    mismatches = re.search(r"bench-mismatches: (\d+)", out)
    if mismatches:
        result["mismatches"] = int(mismatches.group(1))
    return result


def measure(
    tools_: dict[str, str], url: str, script: Path, pid: int, *, latency: bool = True
) -> dict[str, Any]:
    """Warm-up, the loaded run (CPU of the server's processes recorded), the one-connection run."""
    wrk(tools_["wrk"], url, script, WARMUP, CONNECTIONS, THREADS)
    before, began = cpu_seconds(pid), time.monotonic()
    loaded = wrk(tools_["wrk"], url, script, SECONDS, CONNECTIONS, THREADS)
    elapsed = time.monotonic() - began
    loaded["server_cpu_us"] = (cpu_seconds(pid) - before) * 1e6 / max(1, loaded["requests"])
    loaded["server_cores"] = (cpu_seconds(pid) - before) / elapsed
    result = {"loaded": loaded}
    if latency:
        result["single"] = wrk(tools_["wrk"], url, script, LATENCY_SECONDS, 1, 1)
    return result


# --- the deployment ----------------------------------------------------------------------------


class Deployment:
    """An egov deployment in ``folder`` (or on a PostgreSQL database) prepared with manage.py."""

    def __init__(self, folder: Path, database_url: str, upstream_port: int):
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.secret = uuid.uuid4().hex
        self.registry_key = uuid.uuid4().hex
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "egov.config.settings",
            "DEBUG": "0",
            "SECRET_KEY": "bench-" + uuid.uuid4().hex,
            "AUDIT_HMAC_KEY": "bench-audit-" + uuid.uuid4().hex,
            "GATEWAY_TOKEN_KEY": "bench-token-" + uuid.uuid4().hex,
            "GATEWAY_TOKEN_LIFETIME": "3600",
            "GATEWAY_ARCHIVE_DIR": str(folder / "archive"),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "EGOV_FAST_PASSWORD_HASHER": "1",
            "MEDIA_ROOT": str(folder / "media"),
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "WARNING",
            "SITE_URL": self.url,
            "POPULATION_REGISTRY_KEY": self.registry_key,
            "BENCH_GATEWAY_CLIENT_SECRET": self.secret,
            "BENCH_UPSTREAM_PORT": str(upstream_port),
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
            "PYTHONWARNINGS": "ignore",
        }
        self.server: subprocess.Popen[bytes] | None = None

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        if done.returncode:
            raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def prepare(self) -> None:
        self.manage("migrate", "--no-input", "-v0")
        self.manage("load_agencies")
        (self.folder / "gateway.yaml").write_text(DIRECTORY)
        self.manage("load_gateway", str(self.folder / "gateway.yaml"))

    def serve(self, workers: int) -> None:
        self.log = self.folder / f"uvicorn-{workers}.log"
        command = [PYTHON, str(Path(__file__)), "serve", str(self.port), str(workers)]
        with self.log.open("wb") as out:
            self.server = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(f"{self.url}/healthz/live", self.server, self.log)

    def stop(self) -> None:
        if self.server is not None:
            stop(self.server)  # SIGTERM: the lifespan shutdown writes the log's last batch
            self.server = None

    def token(self) -> str:
        data = urllib.parse.urlencode(
            {"grant_type": "client_credentials", "client_id": CLIENT, "client_secret": self.secret}
        ).encode()
        request = urllib.request.Request(f"{self.url}/api/v1/gateway/token", data=data)
        with urllib.request.urlopen(request, timeout=10) as answer:
            return str(json.loads(answer.read())["access_token"])

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if self.database_url.startswith("sqlite"):
            with sqlite3.connect(self.database_url.split("///", 1)[1], timeout=30) as db:
                return db.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(self.database_url) as db:
            return db.execute(sql).fetchall()

    def logged(self) -> int:
        """Rows of the transaction log, once the writer has had time to write its buffer."""
        time.sleep(1.5)  # GATEWAY_LOG_FLUSH_SECONDS is 0.5
        return int(self.query("select count(*) from gateway_transaction")[0][0])


def gateway_run(
    tools_: dict[str, str], node: Deployment, workers: int, script: Path, *, latency: bool
) -> dict[str, Any]:
    """(c) with ``workers`` uvicorn processes; the log's new rows next to wrk's completed."""
    node.serve(workers)
    try:
        url = f"{node.url}/gw/{OWNER}/echo"
        assert node.server is not None
        wrk(tools_["wrk"], url, script, WARMUP, CONNECTIONS, THREADS)
        rows_before = node.logged()
        before, began = cpu_seconds(node.server.pid), time.monotonic()
        loaded = wrk(tools_["wrk"], url, script, SECONDS, CONNECTIONS, THREADS)
        elapsed = time.monotonic() - began
        cpu = cpu_seconds(node.server.pid) - before
        loaded["server_cpu_us"] = cpu * 1e6 / max(1, loaded["requests"])
        loaded["server_cores"] = cpu / elapsed
        loaded["logged"] = node.logged() - rows_before
        result = {"loaded": loaded}
        if latency:
            result["single"] = wrk(tools_["wrk"], url, script, LATENCY_SECONDS, 1, 1)
    finally:
        node.stop()
    return result


def dataplane_run(
    tools_: dict[str, str], node: Deployment, script: Path, ingest_every: float
) -> dict[str, Any]:
    """(d) the data plane in nginx (one worker), egov's control plane beside it reading the
    access log into the chain every ``ingest_every`` seconds: the CPU of both is counted. The
    time the chain takes to hold every call once the load stops; the log's new rows, once the
    control plane has stopped nginx and read its last lines, next to wrk's count."""
    port, folder = free_port(), node.folder / "dataplane"
    env = {
        **node.env,
        "GATEWAY_NGINX_LISTEN": f"127.0.0.1:{port}",
        "GATEWAY_NGINX_DIR": str(folder),
        "GATEWAY_NGINX_WORKERS": "1",
        "GATEWAY_NGINX_USER": "root" if os.geteuid() == 0 else "",
    }
    url = f"http://127.0.0.1:{port}/gw/{OWNER}/echo"
    result: dict[str, Any] = {}
    for phase in ("loaded", "single"):
        log = node.folder / f"dataplane-{phase}.log"
        with log.open("wb") as out:
            plane = subprocess.Popen(
                [PYTHON, "manage.py", "gateway_nginx", f"--ingest-every={ingest_every:g}"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_for(f"http://127.0.0.1:{port}/healthz/live", plane, log, 30)
            if phase == "single":
                result["single"] = wrk(tools_["wrk"], url, script, LATENCY_SECONDS, 1, 1)
                continue
            # The warm-up's calls reach the chain during the run: counted out by wrk's figure.
            rows_before = int(node.query("select count(*) from gateway_transaction")[0][0])
            warm = wrk(tools_["wrk"], url, script, WARMUP, CONNECTIONS, THREADS)
            rows_before += warm["requests"]
            before, began = cpu_seconds(plane.pid), time.monotonic()
            loaded = wrk(tools_["wrk"], url, script, SECONDS, CONNECTIONS, THREADS)
            elapsed = time.monotonic() - began
            cpu = cpu_seconds(plane.pid) - before
            loaded["server_cpu_us"] = cpu * 1e6 / max(1, loaded["requests"])
            loaded["server_cores"] = cpu / elapsed
            # How long the chain takes to hold every call wrk completed, once the load stops:
            # read every second, or all at once as the control plane stops (SIGTERM).
            ended, deadline = time.monotonic(), time.monotonic() + 600
            while ingest_every <= 1 and time.monotonic() < deadline:
                rows = int(node.query("select count(*) from gateway_transaction")[0][0])
                if rows - rows_before >= loaded["requests"]:
                    break
                time.sleep(0.2)
            if ingest_every > 1:
                stop(plane, timeout=600)
            loaded["catch_up_seconds"] = time.monotonic() - ended
        finally:
            stop(plane, timeout=600)  # SIGTERM: nginx stopped gracefully, its last lines read
        if phase == "loaded":
            loaded["logged"] = (
                int(node.query("select count(*) from gateway_transaction")[0][0]) - rows_before
            )
            result["loaded"] = loaded
    return result


def population(tools_: dict[str, str], node: Deployment, work: Path, token: str) -> dict[str, Any]:
    """Verifications per second through the gateway, and straight at the registry's endpoint."""
    began = time.monotonic()
    out = node.manage("generate_population", "--count", str(PEOPLE), "--seed", "1")
    generated = time.monotonic() - began
    say(f"[gateway]   {out.strip()} ({generated:.0f} s with the command's start)")
    rows = node.query(
        "select personal_id, full_name, birth_date from registries_populationrecord "
        f"where id in (select abs(random()) % {PEOPLE} + 1 from registries_populationrecord "
        f"limit {SAMPLE})"
        if node.database_url.startswith("sqlite")
        else "select personal_id, full_name, birth_date from registries_populationrecord "
        f"tablesample bernoulli (0.5) limit {SAMPLE}"
    )
    people = ",\n".join(
        "[==["
        + json.dumps({"personal_id": p, "full_name": n, "birth_date": str(b)}, ensure_ascii=False)
        + "]==]"
        for p, n, b in rows
    )
    result: dict[str, Any] = {"people": PEOPLE, "sample": len(rows), "generate_s": generated}
    result["workers"] = VERIFY_WORKERS
    for workers in VERIFY_WORKERS:
        node.serve(workers)
        try:
            assert node.server is not None
            for name, path, bearer in (
                ("direct", "/api/v1/registries/population/verify", node.registry_key),
                ("gateway", f"/gw/{OWNER}/population/verify", token),
            ):
                script = work / f"verify-{name}.lua"
                script.write_text(VERIFY_LUA.format(people=people, token=bearer))
                result[f"{name}_{workers}"] = measure(
                    tools_, node.url + path, script, node.server.pid, latency=False
                )["loaded"]
        finally:
            node.stop()
    return result


def create_postgres(url: str) -> str:
    import psycopg

    server = url.rsplit("/", 1)[0] if url.count("/") > 2 else url
    with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=3) as c:
        c.execute("DROP DATABASE IF EXISTS egov_bench_gateway WITH (FORCE)")
        c.execute("CREATE DATABASE egov_bench_gateway")
    return f"{server}/egov_bench_gateway"


def drop_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS egov_bench_gateway WITH (FORCE)")


def say_added(name: str, run: dict[str, Any], nginx: dict[str, Any]) -> None:
    """The p50 latency ``run`` adds to nginx's, loaded and with one connection."""
    added = run["loaded"]["p50"] - nginx["loaded"]["p50"]
    added_single = run["single"]["p50"] - nginx["single"]["p50"]
    say(
        f"  {name} p50 added       {added:8.2f} ms at {CONNECTIONS} connections, "
        f"{added_single:.3f} ms at 1; target <= {TARGET_ADDED_P50_MS:g} ms: "
        f"{'met' if added <= TARGET_ADDED_P50_MS else 'missed'} at {CONNECTIONS}, "
        f"{'met' if added_single <= TARGET_ADDED_P50_MS else 'missed'} at 1"
    )


def report(r: dict[str, Any]) -> None:
    """The table, the ratios against nginx and the targets."""
    say()
    say(
        f"== gateway: POST, {len(BODY.encode())}-byte JSON body, {len(ECHO)}-byte JSON answer; "
        f"wrk -t{THREADS} -c{CONNECTIONS} -d{SECONDS:g}s; {r['nproc']} cores, nginx "
        f"{r['nginx_version']}, wrk {r['wrk_version']}, Python {r['python']} =="
    )
    say(
        f"  {'':34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} | {'1 conn. p50':>11} {'p99':>6} | "
        f"{'server CPU µs/req':>17}"
    )
    rows = [("(a) upstream direct (nginx)", "direct"), ("(b) nginx reverse proxy", "nginx")]
    rows += [
        (f"(c) egov gateway, {w} worker{'s' if w > 1 else ''} ({v})", f"gateway_{w}_{v}")
        for v in ("sqlite", "postgresql")
        for w in (1, 2)
        if f"gateway_{w}_{v}" in r
    ]
    rows += [
        (label.format(v=v), f"{key}_{v}")
        for v in ("sqlite", "postgresql")
        for label, key in (
            ("(d) gateway in nginx, chain 1 s ({v})", "dataplane"),
            ("(d) gateway in nginx, chain after ({v})", "dataplane_later"),
        )
        if f"{key}_{v}" in r
    ]
    for label, key in rows:
        loaded, single = r[key]["loaded"], r[key].get("single")
        one = f"{single['p50']:11.3f} {single['p99']:6.2f}" if single else f"{'-':>11} {'-':>6}"
        say(
            f"  {label:34} {loaded['rps']:9.0f} {loaded['p50']:8.2f} {loaded['p99']:8.2f} | "
            f"{one} | {loaded['server_cpu_us']:17.1f}"
        )
    nginx = r["nginx"]
    for vendor in ("sqlite", "postgresql"):
        if f"gateway_1_{vendor}" not in r:
            continue
        gw = r[f"gateway_1_{vendor}"]
        share = gw["loaded"]["rps"] / nginx["loaded"]["rps"]
        best = max(r[f"gateway_{w}_{vendor}"]["loaded"]["rps"] for w in (1, 2))
        say(f"  [{vendor}]")
        say(
            f"  c/b throughput      {share:8.3f}   (best of 1 and 2 workers: "
            f"{best / nginx['loaded']['rps']:.3f}); target >= {TARGET_SHARE:.2f}: "
            f"{'met' if share >= TARGET_SHARE else 'missed'}"
        )
        say_added("c-b", gw, nginx)
        for w in (1, 2):
            loaded = r[f"gateway_{w}_{vendor}"]["loaded"]
            say(
                f"  log, {w} worker(s)    {loaded['logged']:8d} rows for {loaded['requests']} "
                f"requests wrk completed ({loaded['logged'] - loaded['requests']:+d}: calls in "
                f"flight when wrk stopped, <= {CONNECTIONS}); non-2xx {loaded['non2xx']}"
            )
        for key, when in (
            ("dataplane", "chain read every second"),
            ("dataplane_later", "chain read after the load"),
        ):
            if f"{key}_{vendor}" not in r:
                continue
            plane = r[f"{key}_{vendor}"]
            share_d = plane["loaded"]["rps"] / nginx["loaded"]["rps"]
            say(f"  (d) data plane in nginx, {when}:")
            say(
                f"  d/b throughput      {share_d:8.3f}   target >= {TARGET_SHARE:.2f}: "
                f"{'met' if share_d >= TARGET_SHARE else 'missed'}"
            )
            say_added("d-b", plane, nginx)
            say(
                f"  log, data plane     {plane['loaded']['logged']:8d} rows for "
                f"{plane['loaded']['requests']} requests wrk completed "
                f"({plane['loaded']['logged'] - plane['loaded']['requests']:+d}: calls in flight "
                f"when wrk stopped); non-2xx {plane['loaded']['non2xx']}; the chain held every "
                f"completed call {plane['loaded']['catch_up_seconds']:.1f} s after the load "
                "stopped"
            )
        pop = r[f"population_{vendor}"]
        say(
            f"  population verify   {pop['people']:,} people, {pop['sample']} drawn at random; "
            "req/s, p50/p99 ms, non-matching answers:"
        )
        for w in pop["workers"]:
            direct, through = pop[f"direct_{w}"], pop[f"gateway_{w}"]
            say(
                f"    {w} worker(s): gateway {through['rps']:7.0f}/s "
                f"{through['p50']:.1f}/{through['p99']:.1f} ms ({through['mismatches']}), "
                f"registry direct {direct['rps']:7.0f}/s {direct['p50']:.1f}/{direct['p99']:.1f} "
                f"ms ({direct['mismatches']}); gateway/direct {through['rps'] / direct['rps']:.2f}"
            )
        best_verify = max(pop[f"gateway_{w}"]["rps"] for w in pop["workers"])
        say(
            f"  verifications/s     {best_verify:8.0f}   through the gateway (best); target >= "
            f"{TARGET_VERIFY:,.0f}/s: {'met' if best_verify >= TARGET_VERIFY else 'missed'}"
        )
        say(f"  {r[f'log_{vendor}']}")


def bench(out: Path) -> None:
    tools_ = tools()
    if tools_ is None:
        out.write_text(json.dumps({"skipped": "nginx or wrk not installed"}))
        return
    work = Path(tempfile.mkdtemp(prefix="egov-bench-gateway-"))
    result: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "nginx_version": tools_["nginx_version"],
        "wrk_version": tools_["wrk_version"],
        "python": sys.version.split()[0],
        "connections": CONNECTIONS,
        "threads": THREADS,
        "seconds": SECONDS,
    }
    upstream = proxy = None
    try:
        upstream = Nginx(
            tools_["nginx"],
            work,
            "upstream",
            f"    location / {{ default_type application/json; return 200 '{ECHO}'; }}",
        )
        proxy = Nginx(
            tools_["nginx"],
            work,
            "proxy",
            "    location / {\n      proxy_pass http://echo;\n      proxy_http_version 1.1;\n"
            '      proxy_set_header Connection "";\n    }',
            f"  upstream echo {{ server 127.0.0.1:{upstream.port}; keepalive 64; }}",
        )
        databases = ["sqlite"] + (
            ["postgresql"] if os.environ.get("DATABASE_URL", "").startswith("postgres") else []
        )
        for vendor in databases:
            folder = work / vendor
            folder.mkdir()
            if vendor == "sqlite":
                url = f"sqlite:///{folder / 'gateway.sqlite3'}"
            else:
                url = create_postgres(os.environ["DATABASE_URL"])
            try:
                node = Deployment(folder, url, upstream.port)
                say(f"[gateway] {vendor}: migrate, agencies, gateway directory")
                node.prepare()
                node.serve(1)
                token = node.token()
                node.stop()
                script = work / "post.lua"
                script.write_text(STATIC_LUA.format(body=BODY, token=token))
                if vendor == "sqlite":
                    say(
                        f"[gateway] wrk -t{THREADS} -c{CONNECTIONS} -d{SECONDS:g}s: (a) upstream direct"
                    )
                    result["direct"] = measure(
                        tools_,
                        f"http://127.0.0.1:{upstream.port}/echo",
                        script,
                        upstream.process.pid,
                    )
                    say("[gateway] (b) nginx reverse proxy")
                    result["nginx"] = measure(
                        tools_, f"http://127.0.0.1:{proxy.port}/echo", script, proxy.process.pid
                    )
                say(f"[gateway] (c) egov gateway, 1 uvicorn worker ({vendor})")
                result[f"gateway_1_{vendor}"] = gateway_run(tools_, node, 1, script, latency=True)
                say(f"[gateway] (c) egov gateway, 2 uvicorn workers ({vendor})")
                result[f"gateway_2_{vendor}"] = gateway_run(tools_, node, 2, script, latency=False)
                say(f"[gateway] (d) egov gateway, data plane in nginx, 1 worker ({vendor})")
                result[f"dataplane_{vendor}"] = dataplane_run(tools_, node, script, 1)
                say(
                    f"[gateway] (d) the same, the log read into the chain after the load ({vendor})"
                )
                result[f"dataplane_later_{vendor}"] = dataplane_run(tools_, node, script, 60)
                say(
                    f"[gateway] population: {PEOPLE:,} people, verify through the gateway ({vendor})"
                )
                result[f"population_{vendor}"] = population(tools_, node, folder, token)
                say("[gateway] verify_gateway_log")
                result[f"log_{vendor}"] = node.manage("verify_gateway_log").strip()
            finally:
                if vendor == "postgresql":
                    drop_postgres(url)
    finally:
        for server in (upstream, proxy):
            if server is not None:
                stop(server.process)
        shutil.rmtree(work, ignore_errors=True)
    out.write_text(json.dumps(result, indent=1))
    report(result)


def serve(
    port: int, workers: int, app: str = "egov.config.asgi:application", lifespan: str = "on"
) -> None:
    """uvicorn with the lifespan on (it starts the log's writer), TCP_NODELAY on every
    connection also with several workers (bench/serve.py, uvicorn#3149)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from uvicorn.server import Server
    from uvicorn.supervisors import Multiprocess

    from serve import TcpConfig

    config = TcpConfig(
        app,
        host="127.0.0.1",
        port=port,
        workers=workers,
        lifespan=lifespan,
        access_log=False,
        log_level="warning",
    )
    if workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        Server(config).run()


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve(int(sys.argv[2]), int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    bench(parser.parse_args().out)


if __name__ == "__main__":
    main()
