"""egov on one machine as a real deployment is built: `make cluster` / `make cluster-stop`.

    python tools/cluster.py start | stop | status | env

Under var/cluster/: a PostgreSQL primary configured for streaming replication and a hot-standby
replica made by ``pg_basebackup -R`` (each its own port), two app nodes (uvicorn), two task
workers (``manage.py db_worker``) and nginx balancing the two nodes on PORT; the nodes share the
file store (one folder here; S3-compatible storage with ``STORAGE_S3_BUCKET`` elsewhere) and read
the read-only pages from the replica (``DATABASE_REPLICA_URL``). ``start`` starts whatever is not
running (so it also brings back a process that was killed) and is safe to run again; ``stop``
stops everything, PostgreSQL last. ``env`` prints the environment the nodes run with, for
``manage.py`` commands against the cluster. docs/operations.md, "Cluster on one machine".
"""

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VAR = Path(os.environ.get("CLUSTER_DIR", ROOT / "var" / "cluster"))
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PORT = int(os.environ.get("PORT", 8000))
PRIMARY_PORT = int(os.environ.get("CLUSTER_PRIMARY_PORT", 55432))
REPLICA_PORT = int(os.environ.get("CLUSTER_REPLICA_PORT", 55433))
APP_PORTS = [int(p) for p in os.environ.get("CLUSTER_APP_PORTS", "8101,8102").split(",")]
WORKERS = int(os.environ.get("CLUSTER_WORKERS", 2))
#: Short leases, so that a killed worker's task is taken up again within seconds.
TASK_LEASE_SECONDS = os.environ.get("CLUSTER_TASK_LEASE_SECONDS", "10")
DATABASE = "egov"
PG = VAR / "pg"

APP_STEPS = [
    ["migrate", "--no-input", "-v0"],
    ["collectstatic", "--no-input", "-v0"],
    ["rotate_oidc_key", "--if-missing"],
    ["load_demo"],
    ["load_population"],
    ["load_businesses"],
    ["load_gateway"],
    ["open_reporting_periods", "--schedule"],
    ["setup_pki"],
]


def pg_bin(name: str) -> str:
    """A PostgreSQL program: PG_BIN, else the newest /usr/lib/postgresql/*/bin, else PATH."""
    if os.environ.get("PG_BIN"):
        return str(Path(os.environ["PG_BIN"]) / name)
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True
    )
    for folder in versions:
        if (folder / name).exists():
            return str(folder / name)
    return shutil.which(name) or name


def as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the postgres account then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def run(command: list[str], **kwargs: object) -> None:
    subprocess.run(command, check=True, **kwargs)  # type: ignore[call-overload]  # noqa: S603


# --- secrets and environment ---------------------------------------------------------------------


def cluster_secrets() -> dict[str, str]:
    """Keys every node shares, made once per cluster and kept in var/cluster/secrets.json."""
    path = VAR / "secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    names = [
        "SECRET_KEY",
        "AUDIT_HMAC_KEY",
        "GATEWAY_TOKEN_KEY",
        "SIGNING_KEY_PASSWORD",
        "GATEWAY_CLIENT_SECRET",
        "POPULATION_REGISTRY_KEY",
        "METRICS_TOKEN",
    ]
    values = {name: secrets.token_urlsafe(48) for name in names}
    path.write_text(json.dumps(values, indent=2))
    path.chmod(0o600)
    return values


def database_url(port: int) -> str:
    return f"postgres://postgres@127.0.0.1:{port}/{DATABASE}"


def node_env(name: str = "admin") -> dict[str, str]:
    """The environment of every egov process of the cluster (production settings)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO")}
    env.update(cluster_secrets())
    env.update(
        DJANGO_SETTINGS_MODULE="egov.config.settings",
        PYTHONPATH=str(ROOT / "src"),
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL=f"http://127.0.0.1:{PORT}",
        SECURE_SSL_REDIRECT="0",  # plain HTTP on 127.0.0.1; TLS ends before nginx in production
        SECURE_COOKIES="0",
        TRUSTED_PROXIES="127.0.0.1",
        DATABASE_URL=database_url(PRIMARY_PORT),
        DATABASE_REPLICA_URL=database_url(REPLICA_PORT),
        MEDIA_ROOT=str(VAR / "media"),
        OIDC_KEYS_DIR=str(VAR / "oidc-keys"),
        SIGNING_DEV_CA="1",
        PAYMENT_PROVIDER="sandbox",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(VAR / "mail"),
        SMS_BACKEND="egov.core.sms.FileSmsBackend",
        SMS_FILE_PATH=str(VAR / "sms"),
        TASK_LEASE_SECONDS=TASK_LEASE_SECONDS,
        GATEWAY_NODE=name,
    )
    return env


def manage(*args: str) -> None:
    run([PYTHON, str(ROOT / "manage.py"), *args], cwd=ROOT, env=node_env())


# --- PostgreSQL: primary and streaming replica ---------------------------------------------------


def pg_running(data: Path) -> bool:
    result = subprocess.run(  # noqa: S603
        as_postgres([pg_bin("pg_ctl"), "status", "-D", str(data)]),
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def pg_start(data: Path, port: int) -> None:
    if pg_running(data):
        return
    options = f"-p {port} -k {PG / 'sock'} -c listen_addresses=127.0.0.1"
    run(
        as_postgres(
            [pg_bin("pg_ctl"), "start", "-w", "-D", str(data), "-o", options, "-l", f"{data}.log"]
        ),
        stdout=subprocess.DEVNULL,
    )


def init_primary() -> None:
    primary = PG / "primary"
    if primary.exists():
        return
    PG.mkdir(parents=True, exist_ok=True)
    (PG / "sock").mkdir(exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(PG, "postgres", "postgres")
        shutil.chown(PG / "sock", "postgres", "postgres")
    run(
        as_postgres(
            [
                pg_bin("initdb"),
                "-D",
                str(primary),
                "-U",
                "postgres",
                "--auth=trust",  # 127.0.0.1 only, on a machine of one's own
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        ),
        stdout=subprocess.DEVNULL,
    )
    settings = [
        "wal_level = replica",
        "max_wal_senders = 4",
        "hot_standby = on",
        "max_connections = 200",
        "shared_buffers = 256MB",
        "synchronous_commit = on",
    ]
    with open(primary / "postgresql.conf", "a") as conf:
        conf.write("\n# make cluster\n" + "\n".join(settings) + "\n")
    with open(primary / "pg_hba.conf", "a") as hba:
        hba.write("host replication postgres 127.0.0.1/32 trust\n")


def init_replica() -> None:
    replica = PG / "replica"
    if replica.exists():
        return
    run(
        as_postgres(
            [
                pg_bin("pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(PRIMARY_PORT),
                "-U",
                "postgres",
                "-D",
                str(replica),
                "-R",  # standby.signal and primary_conninfo: a streaming replica
                "-X",
                "stream",
                "-c",
                "fast",
            ]
        )
    )
    with open(replica / "postgresql.auto.conf", "a") as conf:
        # The primary keeps rows a replica query still reads, so a dashboard's query is not
        # cancelled by a conflict with recovery.
        conf.write("hot_standby_feedback = on\n")


def create_database() -> None:
    psql = [pg_bin("psql"), "-h", "127.0.0.1", "-p", str(PRIMARY_PORT), "-U", "postgres", "-tA"]
    found = subprocess.run(  # noqa: S603
        [*psql, "-c", f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"],  # noqa: S608 (a constant)
        capture_output=True,
        text=True,
        check=True,
    )
    if found.stdout.strip() != "1":
        run([*psql, "-c", f"CREATE DATABASE {DATABASE}"], stdout=subprocess.DEVNULL)


# --- app nodes, workers, nginx -----------------------------------------------------------------


def pid_of(name: str) -> int | None:
    path = VAR / "run" / f"{name}.pid"
    if not path.exists():
        return None
    pid = int(path.read_text())
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    # A pid reused by another program is not ours.
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists() and str(ROOT).encode() not in cmdline.read_bytes() and name != "nginx":
        return None
    return pid


def spawn(name: str, command: list[str]) -> None:
    if pid_of(name):
        return
    log = open(VAR / "logs" / f"{name}.log", "ab")  # noqa: SIM115 (the child keeps it)
    process = subprocess.Popen(  # noqa: S603
        command,
        cwd=ROOT,
        env=node_env(name),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # `make` returns; the process stays
    )
    (VAR / "run" / f"{name}.pid").write_text(str(process.pid))


def start_nodes() -> None:
    for n, port in enumerate(APP_PORTS, start=1):
        spawn(
            f"app{n}",
            [
                str(ROOT / ".venv" / "bin" / "uvicorn"),
                "egov.config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-proxy-headers",  # egov reads X-Forwarded-For from TRUSTED_PROXIES only
                "--no-access-log",
                "--lifespan",
                "off",
            ],
        )
    for n in range(1, WORKERS + 1):
        spawn(f"worker{n}", [PYTHON, str(ROOT / "manage.py"), "db_worker", "--no-reload"])


def nginx_binary() -> str:
    return shutil.which("nginx") or "/usr/sbin/nginx"


def nginx_config() -> str:
    """The load balancer's configuration: tools/cluster/nginx.conf.template filled in."""
    upload_max = int(os.environ.get("UPLOAD_MAX_BYTES", 10 * 1024 * 1024))
    upstreams = "\n".join(
        f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in APP_PORTS
    )
    template = (ROOT / "tools" / "cluster" / "nginx.conf.template").read_text()
    return (
        template.replace("{{VAR}}", str(VAR))
        .replace("{{PORT}}", str(PORT))
        .replace("{{UPSTREAMS}}", upstreams)
        .replace("{{MAX_BODY}}", f"{upload_max // (1024 * 1024) * 3 + 2}m")
    )


def start_nginx() -> None:
    for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (VAR / "nginx" / folder).mkdir(parents=True, exist_ok=True)
    conf = VAR / "nginx.conf"
    conf.write_text(nginx_config())
    if pid_of("nginx"):
        run([nginx_binary(), "-c", str(conf), "-p", str(VAR), "-s", "reload"])
        return
    run([nginx_binary(), "-c", str(conf), "-p", str(VAR)])


def wait_ready(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own URL)
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} not ready after {seconds:.0f} s (see {VAR / 'logs'})")
        time.sleep(0.3)


def start() -> None:
    for folder in ("run", "logs", "media", "mail", "sms", "oidc-keys"):
        (VAR / folder).mkdir(parents=True, exist_ok=True)
    first = not (PG / "primary").exists()
    init_primary()
    pg_start(PG / "primary", PRIMARY_PORT)
    create_database()
    if first or not (VAR / "run" / "data-loaded").exists():
        print("cluster: migrations and demo data on the primary …", flush=True)
        for step in APP_STEPS:
            manage(*step)
        (VAR / "run" / "data-loaded").write_text(time.strftime("%Y-%m-%dT%H:%M:%SZ"))
    init_replica()
    pg_start(PG / "replica", REPLICA_PORT)
    start_nodes()
    for port in APP_PORTS:
        wait_ready(f"http://127.0.0.1:{port}/healthz/ready")
    start_nginx()
    wait_ready(f"http://127.0.0.1:{PORT}/healthz/ready")
    status()


def stop_process(name: str, seconds: float = 15) -> None:
    pid = pid_of(name)
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)  # workers finish the task at hand
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and pid_of(name):
        time.sleep(0.2)
    if pid_of(name):
        os.kill(pid, signal.SIGKILL)


def stop() -> None:
    conf = VAR / "nginx.conf"
    if pid_of("nginx") and conf.exists():
        run([nginx_binary(), "-c", str(conf), "-p", str(VAR), "-s", "quit"])
    names = [f"app{n}" for n in range(1, len(APP_PORTS) + 1)]
    names += [f"worker{n}" for n in range(1, WORKERS + 1)]
    for name in names:
        stop_process(name)
    for data in (PG / "replica", PG / "primary"):
        if data.exists() and pg_running(data):
            run(as_postgres([pg_bin("pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(data)]))
    print("cluster stopped")


def status() -> None:
    names = ["nginx", *[f"app{n}" for n in range(1, len(APP_PORTS) + 1)]]
    names += [f"worker{n}" for n in range(1, WORKERS + 1)]
    for name in names:
        pid = pid_of(name)
        print(f"  {name:8} {'pid ' + str(pid) if pid else 'stopped'}")
    for role, port in (("primary", PRIMARY_PORT), ("replica", REPLICA_PORT)):
        state = "running" if pg_running(PG / role) else "stopped"
        print(f"  {role:8} {state}, {database_url(port)}")
    print(f"  egov at http://127.0.0.1:{PORT}/ (nodes on {', '.join(map(str, APP_PORTS))})")


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else "start"
    if command == "start":
        start()
    elif command == "stop":
        stop()
    elif command == "status":
        status()
    elif command == "env":
        for key in sorted(set(node_env()) - set(os.environ)):
            print(f"export {key}={node_env()[key]!r}")
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
