"""The gateway's data plane in nginx, egov as its control plane (docs/gateway.md, "The data
plane in nginx").

egov's own proxy (``proxy``) costs ~200 µs of CPU per call; nginx relays one in ~15 µs. So a
deployment that needs the throughput serves ``GATEWAY_PREFIX`` from nginx with a small Lua
module (``nginx/egov_gateway.lua``: the same token, member, grant and quota checks as the proxy),
and egov does what is not per call:

* :func:`render` writes nginx's configuration from the directory (members and grants as nginx
  maps, one location per service); :func:`run` renders again every ``GATEWAY_DIRECTORY_TTL``
  seconds and reloads nginx when something changed;
* :func:`ingest` appends nginx's access log (one JSON line per call, written in buffers off the
  hot path) to the transaction log's hash chain, exactly once: the file's position is saved in
  the same database transaction as the rows.

A service nginx cannot serve alone (an upstream that is another gateway, which needs a token
exchange) is passed whole to egov's proxy, which authenticates and logs it itself.
"""

import contextlib
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from . import directory, tokens, txlog
from .directory import Route, Snapshot
from .errors import REFUSALS
from .models import LogCursor, UpstreamAuth

log = logging.getLogger(__name__)

LUA_DIR = Path(__file__).with_name("nginx")
CONFIG_NAME, LOG_NAME = "nginx.conf", "transactions.log"
#: What may sit inside a double-quoted nginx string or a location without escaping.
SAFE_PATH = re.compile(r"^[A-Za-z0-9._~/%!*'(),:@+=&-]*$")
SAFE_HOST = re.compile(r"^[A-Za-z0-9.:-]+$")  # a name, IPv4 or IPv6 (unbracketed)
SAFE_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class NginxRoute:
    """One service as nginx's configuration says it."""

    id: int
    name: str
    matches: tuple[str, ...]
    fallback: str = ""  # why egov's proxy serves it, when it does
    scheme: str = "http"
    server: str = ""
    host: str = ""
    hostname: str = ""
    path: str = ""
    secret_env: str = ""
    quota: int = 0
    timeout_ms: int = 30_000
    connect_timeout_ms: int = 10_000


def _nginx_route(route: Route) -> NginxRoute:
    location = f"{settings.GATEWAY_PREFIX}{route.name}"
    base = NginxRoute(
        id=route.id,
        name=route.name,
        matches=(f"^~ {location}/", f"= {location}"),
        timeout_ms=max(1, round(route.timeout_seconds * 1000)),
        connect_timeout_ms=max(1, round(min(route.timeout_seconds, 10) * 1000)),
    )
    if route.upstream_auth == UpstreamAuth.GATEWAY:
        return replace(base, fallback="its upstream is another gateway")
    url = urllib.parse.urlsplit(route.upstream_url)
    secret_env = route.upstream_secret_env if route.upstream_auth == UpstreamAuth.BEARER else ""
    hostname = url.hostname or ""
    if (
        url.scheme not in ("http", "https")
        or not SAFE_HOST.match(hostname)
        or not SAFE_PATH.match(url.path)
        or url.query
        or url.username
        or (secret_env and not SAFE_ENV.match(secret_env))
    ):
        return replace(base, fallback="its upstream URL is not plain")
    bracketed = f"[{hostname}]" if ":" in hostname else hostname
    port = url.port or (443 if url.scheme == "https" else 80)
    default_port = port == (443 if url.scheme == "https" else 80)
    return replace(
        base,
        scheme=url.scheme,
        server=f"{bracketed}:{port}",
        host=bracketed if default_port else f"{bracketed}:{port}",
        hostname=hostname,
        path=url.path.rstrip("/"),
        secret_env=secret_env,
        quota=route.quota_per_minute,
    )


def render(snapshot: Snapshot, folder: Path) -> str:
    """nginx's whole configuration for ``snapshot``, with its files under ``folder``."""
    routes = [_nginx_route(route) for route in snapshot.routes.values() if route.kind == "rest"]
    by_id = {route.id: route for route in snapshot.routes.values()}
    grants = sorted(
        (f"{client} {by_id[service].name}", int(expires.timestamp()) if expires else 0)
        for (client, service), expires in snapshot.grants.items()
        if service in by_id
    )
    fallback = urllib.parse.urlsplit(settings.GATEWAY_NGINX_FALLBACK_URL)
    config = {
        "issuer": settings.GATEWAY_ISSUER,
        "prefix": settings.GATEWAY_PREFIX,
        "refusals": {code: [status, message] for code, (status, message) in REFUSALS.items()},
    }
    return render_to_string(
        "gateway/nginx.conf",
        {
            "modules": settings.GATEWAY_NGINX_MODULES,
            "workers": settings.GATEWAY_NGINX_WORKERS,
            "user": settings.GATEWAY_NGINX_USER,
            "folder": folder,
            "listen": settings.GATEWAY_NGINX_LISTEN,
            "lua_dir": LUA_DIR,
            "config_json": json.dumps(config, ensure_ascii=False),
            "prefix": settings.GATEWAY_PREFIX,
            "members": sorted(snapshot.active_members),
            "grants": grants,
            "routes": sorted(routes, key=lambda r: r.name),
            "secret_envs": sorted({r.secret_env for r in routes if r.secret_env}),
            "fallback_server": fallback.netloc
            if any(r.fallback for r in routes) and fallback.netloc
            else "",
            "max_body": settings.GATEWAY_NGINX_MAX_BODY,
            "ca_file": settings.GATEWAY_NGINX_CA_FILE,
        },
    )


def write_config(folder: Path) -> bool:
    """Render the directory into ``folder``; whether the configuration changed."""
    folder.mkdir(parents=True, exist_ok=True)
    for temp in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / temp).mkdir(exist_ok=True)
    text = render(directory.load(), folder)
    path = folder / CONFIG_NAME
    if path.exists() and path.read_text() == text:
        return False
    path.with_suffix(".tmp").write_text(text)
    path.with_suffix(".tmp").replace(path)
    return True


# The access log into the chain ---------------------------------------------------------------


def _entry(line: bytes) -> txlog.Entry:
    try:
        row = json.loads(line)
        latency = float(row["request_time"])
        return txlog.Entry(
            at=datetime.fromtimestamp(float(row["at"]) - latency, tz=UTC),
            client=row["client"],
            service=row["service"],
            method=row["method"],
            status=int(row["status"]),
            error=row["error"],
            latency_ms=latency * 1000,
            request_sha256=row["request_sha256"],
            response_sha256=row["response_sha256"],
            correlation_id=row["correlation_id"],
        )
    except (ValueError, KeyError, TypeError) as exc:
        # Never skipped: the chain would lose a call. The operator sees it and mends the file.
        raise ValueError(f"not a line of the gateway's access log: {line[:200]!r}") from exc


def _drain(handle: IO[bytes], cursor: LogCursor, batch: int) -> int:
    """Append the complete lines from the cursor's offset on; the number of records."""
    written = 0
    while True:
        handle.seek(cursor.offset)
        lines = []
        for line in handle:
            if not line.endswith(b"\n"):
                break  # nginx is writing it: next time
            lines.append(line)
            if len(lines) >= batch:
                break
        if not lines:
            return written
        with transaction.atomic():
            txlog.write(_entry(line) for line in lines if line.strip())
            cursor.offset += sum(len(line) for line in lines)
            cursor.save(update_fields=["inode", "offset"])
        written += len(lines)


def ingest(path: Path, *, batch: int = 5000) -> int:
    """Append what nginx logged at ``path`` since the last call to the chain; the number of
    records. A file rotated away (renamed to ``path.1``, then nginx reopened ``path``) is read
    to its end before the new one."""
    cursor, _ = LogCursor.objects.get_or_create(path=str(path))
    written = 0
    rotated = path.with_name(path.name + ".1")
    current = path.stat().st_ino if path.exists() else None
    if (
        cursor.inode
        and cursor.inode != current
        and rotated.exists()
        and rotated.stat().st_ino == cursor.inode
    ):
        with rotated.open("rb") as handle:
            written += _drain(handle, cursor, batch)
        if current is None:
            return written  # renamed, nginx not reopened yet: it may still write there
    if current is None:
        return written
    if cursor.inode != current:
        cursor.inode, cursor.offset = current, 0
        cursor.save(update_fields=["inode", "offset"])
    with path.open("rb") as handle:
        written += _drain(handle, cursor, batch)
    return written


# The control plane's loop ---------------------------------------------------------------------


def nginx_environment() -> dict[str, str]:
    """nginx's environment: the token key the Lua module verifies tokens with."""
    return {**os.environ, "GATEWAY_TOKEN_KEY": tokens.secret()}


def _nginx_group(leader: int) -> list[int]:
    """The nginx processes of the process group ``leader`` started (master and workers: the
    workers outlive a master killed with SIGKILL, and keep the port)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == leader and b"nginx" in stat.with_name("cmdline").read_bytes():
                members.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
    return members


def stop_leftover(folder: Path, timeout: float = 60) -> None:
    """Stop, gracefully, an nginx left running by a control plane that was killed, or the
    workers of an nginx master that was (they would hold the port): they finish their calls
    and write their buffered log, which the next control plane reads from where the chain
    stopped — nothing lost, nothing twice."""
    try:
        leader = int((folder / "nginx.pid").read_text())
    except (OSError, ValueError):
        return  # never started here
    deadline = time.monotonic() + timeout
    while members := _nginx_group(leader):
        if time.monotonic() > deadline:
            raise RuntimeError(f"nginx {members} (from {folder}) did not stop in {timeout:g} s")
        for pid in members:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGQUIT)
        time.sleep(0.1)


def run(
    folder: Path,
    *,
    nginx: str = "nginx",
    nice: int = 0,
    ingest_every: float = 1.0,
    stop: Callable[[], bool] = lambda: False,
) -> None:
    """Serve with nginx until ``stop()`` or SIGTERM: render, start nginx, then every few
    seconds render again (reload when changed) and ingest the log; at the end stop nginx
    gracefully (it writes its buffered log) and ingest what is left (every ``ingest_every``
    seconds: a deployment may read the log at quiet times only). With ``nice``, this
    process yields the CPU to nginx once it runs: calls first, the chain's bookkeeping after
    (it catches up as soon as the load allows; the log on disk holds every call meanwhile)."""
    binary = shutil.which(nginx) or shutil.which(nginx, path="/usr/sbin") or nginx
    write_config(folder)
    config = str(folder / CONFIG_NAME)
    command = [binary, "-c", config]  # nginx's binary, the configuration rendered above
    subprocess.run([*command, "-t", "-q"], check=True, env=nginx_environment())  # noqa: S603
    stop_leftover(folder)
    stopping = False

    def on_term(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    previous = signal.signal(signal.SIGTERM, on_term), signal.signal(signal.SIGINT, on_term)
    log_path = folder / LOG_NAME
    ingested = time.monotonic()
    # Its own session: a signal to this process's group reaches nginx only through the loop
    # below, which stops it gracefully and then reads its last log lines.
    process = subprocess.Popen(  # noqa: S603
        [*command, "-g", "daemon off;"], env=nginx_environment(), start_new_session=True
    )
    try:
        if nice:
            os.nice(nice)
        while not stopping and not stop() and process.poll() is None:
            time.sleep(min(settings.GATEWAY_DIRECTORY_TTL, 1.0))
            try:
                if write_config(folder):
                    process.send_signal(signal.SIGHUP)  # graceful reload
                if log_path.exists() and time.monotonic() - ingested >= ingest_every:
                    ingest(log_path)
                    ingested = time.monotonic()
            except Exception:  # the database is away: keep serving, try again
                log.exception("gateway control plane: pass failed; retrying")
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
        if process.poll() is None:
            process.send_signal(signal.SIGQUIT)  # graceful: finish calls, flush the log
            process.wait(timeout=60)
        if log_path.exists():
            ingest(log_path)
    if process.returncode and not stopping:
        stop_leftover(folder)  # the workers of a killed master
        raise RuntimeError(f"nginx stopped (exit {process.returncode}): see {folder}/error.log")
