"""Official documents through the document axis between two deployments, next to plain HTTP
posts of the same bytes, in one run (``BENCH_ONLY=exchange make bench``; run by
``bench/run.py``). See bench/README.md, section 6.

* **receiver:** an egov deployment (SQLite in a temporary folder) serving
  ``egov.config.asgi:application`` under uvicorn, two workers (``bench/serve.py``'s socket), no
  task worker: the arrival statuses it owes wait in its outbox, so what is measured is the
  transfer one way.
* **sender:** a second deployment; ``DOCUMENTS`` drafts are prepared beforehand (a công văn with
  its main PDF and a ``ATTACHMENT_KB`` KB appendix), then ``SENDERS`` processes issue their
  share and deliver each at once: number it, build and XML-sign the edXML envelope (RSA-2048,
  SHA-256), store it, POST it with the node's HMAC to the receiver, which checks the node,
  parses and validates the envelope, verifies the signature and the certificate chain, stores
  the envelope, the document and its files, and answers 201; the delivery is marked delivered.
  The main PDF's own PAdES signature is made once and reused: it is the signing benchmark's
  subject (section 3), not the axis'.
* **baseline:** the same number of POSTs of one of those envelopes, byte for byte, from the same
  number of client processes, to a plain ASGI app under the same uvicorn setup that reads the
  body and answers 201.

    python bench/exchange.py --out exchange.json
"""

import argparse
import http.client
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from gateway import cpu_seconds, free_port, say, serve, stop, wait_for

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
DOCUMENTS = int(os.environ.get("BENCH_EXCHANGE_DOCUMENTS", 600))
SENDERS = int(os.environ.get("BENCH_EXCHANGE_SENDERS", 2))
WORKERS = int(os.environ.get("BENCH_EXCHANGE_WORKERS", 2))
ATTACHMENT_KB = int(os.environ.get("BENCH_EXCHANGE_ATTACHMENT_KB", 100))
TARGET = 200.0
SENDER_AGENCY, RECIPIENT = "000.00.00.H26", "000.00.01.H29"
RECEIVER_AGENCIES = f"""
- code: 000.00.00.H29
  name: Ủy ban nhân dân Thành phố Hồ Chí Minh
  level: province
  kind: people_committee
  children:
    - code: {RECIPIENT}
      name: Sở Tư pháp Thành phố Hồ Chí Minh
      level: province
      kind: department
"""
LINK = "bench-link-" + uuid.uuid4().hex

PREPARE = """
from pathlib import Path
from cryptography.hazmat.primitives.serialization import Encoding
from egov.core.services import load_agencies
from egov.exchange.routing import load_address_book
from egov.records import pki
if "{agencies}":
    load_agencies(Path("{agencies}"))
load_address_book(Path("{book}"))
pki.ensure_development_pki()
print(pki.load_certificate(pki.development_root()).public_bytes(Encoding.PEM).decode())
"""

DRAFTS = """
import os
from egov.core.models import Agency
from egov.core.pdf import Document as Pdf
from egov.exchange import services
from egov.identity.officials.services import create_official
agency = Agency.objects.get(code="{sender}")
clerk = create_official(username="vanthu", full_name="Văn thư", password="Bench@2026x!",
                        agency=agency, roles=["clerk"])
pdf = Pdf("Công văn"); pdf.heading("Công văn"); main = pdf.to_bytes()
appendix = pdf.to_bytes() + os.urandom({kb} * 1024)  # a PDF padded to the size wanted
for n in range({count}):
    services.compose(clerk, agency, services.Draft(
        doc_type=18, subject=f"Về việc cung cấp số liệu, lần {{n}}", drafting_unit="VP",
        recipients=["{recipient}"]), [
        services.Upload("cong-van.pdf", main, "application/pdf", True),
        services.Upload("phu-luc.pdf", appendix, "application/pdf", False)])
"""


class Deployment:
    def __init__(self, folder: Path, name: str, **extra: str):
        self.folder, self.name = folder, name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = folder / f"{name}.sqlite3"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "egov.config.settings",
            "DEBUG": "0",
            "SECRET_KEY": "bench-" + uuid.uuid4().hex,
            "AUDIT_HMAC_KEY": "bench-audit-" + uuid.uuid4().hex,
            "GATEWAY_TOKEN_KEY": "bench-token-" + uuid.uuid4().hex,
            "SIGNING_DEV_CA": "1",
            "SIGNING_KEY_PASSWORD": "bench-signing-password",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "EGOV_FAST_PASSWORD_HASHER": "1",
            "MEDIA_ROOT": str(folder / f"{name}-media"),
            "DATABASE_URL": f"sqlite:///{self.database}",
            "EXCHANGE_NODE_CODE": name,
            "LOG_LEVEL": "WARNING",
            "PYTHONWARNINGS": "ignore",
            **extra,
        }
        self.server: subprocess.Popen[bytes] | None = None

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        if done.returncode:
            raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def prepare(self, agencies: str | None, book: str) -> str:
        self.manage("migrate", "--no-input", "-v0")
        agencies_file = ""
        if agencies is not None:
            agencies_file = str(self.folder / f"{self.name}-agencies.yaml")
            Path(agencies_file).write_text(agencies, encoding="utf-8")
        book_file = self.folder / f"{self.name}-exchange.yaml"
        book_file.write_text(book, encoding="utf-8")
        code = PREPARE.format(agencies=agencies_file, book=book_file)
        if agencies is None:
            self.manage("load_agencies")
        return self.manage("shell", "-c", code)

    def serve(self, app: str = "egov.config.asgi:application") -> None:
        log = self.folder / f"{self.name}-server.log"
        with log.open("wb") as out:
            self.server = subprocess.Popen(
                [PYTHON, str(Path(__file__)), "serve", str(self.port), str(WORKERS), app],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(f"{self.url}/healthz/live", self.server, log)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.database, timeout=30) as db:
            return db.execute(sql).fetchall()


def book(code: str, url: str, secret_env: str, agencies: list[str]) -> str:
    listed = "".join(f"      - {{code: {a}}}\n" for a in agencies)
    return (
        f"nodes:\n  - code: {code}\n    name: {code}\n    url: {url}/api/v1/exchange/envelopes\n"
        f"    secret_env: {secret_env}\n    agencies:\n{listed}"
    )


def run_parallel(commands: list[list[str]], env: dict[str, str]) -> tuple[float, float]:
    """Run every command at once: the seconds from the first one's start of work to the last
    one's end, and the CPU seconds they spent in that work (each prints ``start end cpu``:
    Django's start-up is not counted)."""
    processes = [
        subprocess.Popen(c, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) for c in commands
    ]
    outputs = [p.communicate()[0] for p in processes]
    if any(p.returncode for p in processes):
        raise SystemExit(f"a client failed: {[p.returncode for p in processes]}")
    spans = [tuple(map(float, out.split()[-3:])) for out in outputs]
    seconds = max(end for _, end, _ in spans) - min(start for start, _, _ in spans)
    return seconds, sum(cpu for _, _, cpu in spans)


def bench(out: Path) -> None:
    work = Path(tempfile.mkdtemp(prefix="egov-bench-exchange-"))
    receiver = Deployment(work, "hcm", EXCHANGE_SECRET_HANOI=LINK)
    sender = Deployment(
        work,
        "hanoi",
        EXCHANGE_SECRET_HCM=LINK,
        TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
    )
    sink = Deployment(work, "sink")
    result: dict[str, Any] = {
        "documents": DOCUMENTS,
        "senders": SENDERS,
        "workers": WORKERS,
        "attachment_kb": ATTACHMENT_KB,
    }
    try:
        say(
            f"[exchange] preparing two deployments and {DOCUMENTS} drafts with a {ATTACHMENT_KB} KB appendix"
        )
        roots = [
            receiver.prepare(
                RECEIVER_AGENCIES,
                book("hanoi", sender.url, "EXCHANGE_SECRET_HANOI", [SENDER_AGENCY]),
            ),
            sender.prepare(
                None, book("hcm", receiver.url, "EXCHANGE_SECRET_HCM", ["000.00.00.H29", RECIPIENT])
            ),
        ]
        bundle = work / "roots.pem"
        bundle.write_text("".join(roots))
        for node in (receiver, sender):
            node.env["SIGNING_TRUST_ROOTS"] = str(bundle)
        sender.manage(
            "shell",
            "-c",
            DRAFTS.format(
                sender=SENDER_AGENCY, recipient=RECIPIENT, count=DOCUMENTS, kb=ATTACHMENT_KB
            ),
        )
        receiver.serve()
        share = DOCUMENTS // SENDERS
        served_before = cpu_seconds(receiver.server.pid)  # type: ignore[union-attr]
        seconds, sending_cpu = run_parallel(
            [
                [PYTHON, str(Path(__file__)), "send", str(i * share), str(share)]
                for i in range(SENDERS)
            ],
            sender.env,
        )
        sent = share * SENDERS
        receiving_cpu = cpu_seconds(receiver.server.pid) - served_before  # type: ignore[union-attr]
        stored = receiver.query("select count(*) from exchange_document where incoming = 1")[0][0]
        delivered = sender.query(
            "select count(*) from exchange_delivery where status = 'delivered'"
        )[0][0]
        result["undelivered"] = sender.query(
            "select last_error, count(*) from exchange_delivery where status != 'delivered' group by 1"
        )
        digest = sender.query(
            "select f.sha256 from exchange_envelope e join core_storedfile f on f.id = e.file_id"
            " where e.incoming = 0 limit 1"
        )[0][0]
        envelope = (
            Path(sender.env["MEDIA_ROOT"]) / "cas" / digest[:2] / digest[2:4] / digest
        ).read_bytes()
        result["axis"] = {
            "seconds": seconds,
            "per_second": sent / seconds,
            "stored": stored,
            "delivered": delivered,
            # CPU per document: the sending processes' own loop, the receiver's server (all
            # its workers, the first requests' imports included)
            "sender_cpu_ms": sending_cpu * 1000 / sent,
            "receiver_cpu_ms": receiving_cpu * 1000 / sent,
        }
        result["envelope_bytes"] = len(envelope)
        stop(receiver.server)  # type: ignore[arg-type]
        # The baseline: the same bytes, as many times, from as many clients, to a plain app.
        (work / "envelope.edxml").write_bytes(envelope)
        sink.serve("exchange:sink")
        seconds, _cpu = run_parallel(
            [
                [
                    PYTHON,
                    str(Path(__file__)),
                    "post",
                    sink.url,
                    str(work / "envelope.edxml"),
                    str(share),
                ]
                for _ in range(SENDERS)
            ],
            sink.env,
        )
        result["plain"] = {"seconds": seconds, "per_second": sent / seconds}
        stop(sink.server)  # type: ignore[arg-type]
    finally:
        for node in (receiver, sink):
            if node.server is not None and node.server.poll() is None:
                stop(node.server)
        shutil.rmtree(work, ignore_errors=True)
    out.write_text(json.dumps(result, indent=1))
    report(result)


def report(r: dict[str, Any]) -> None:
    axis, plain = r["axis"], r["plain"]
    server = os.environ.get("BENCH_SERVER", "uvicorn")
    say(
        f"[exchange] {r['documents']} documents, {r['senders']} sending processes, receiver on {r['workers']} {server} workers, envelope {r['envelope_bytes'] / 1024:.0f} KB"
    )
    say(
        f"  axis (issue + build + sign + deliver + verify + store): {axis['per_second']:.1f} documents/s ({axis['stored']} stored, {axis['delivered']} delivered)"
    )
    say(
        f"  CPU per document: {axis['sender_cpu_ms']:.1f} ms sending, {axis['receiver_cpu_ms']:.1f} ms receiving"
    )
    for error, count in r.get("undelivered", []):
        say(f"  not delivered at the end of the run: {count} ({error})")
    say(
        f"  plain HTTP POST of the same bytes:                      {plain['per_second']:.1f} posts/s"
    )
    say(f"  ratio axis / plain: {axis['per_second'] / plain['per_second']:.3f}")
    verdict = "met" if axis["per_second"] >= TARGET else "missed"
    say(f"  target >= {TARGET:.0f} documents/s: {verdict}")


# --- the subprocesses ----------------------------------------------------------------------------


def send(start: int, count: int) -> None:
    """Issue and deliver drafts ``start``..``start + count`` (in the sender's environment)."""
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from egov.exchange import services
    from egov.exchange.models import Document
    from egov.identity.models import User
    from egov.records import signing

    clerk = User.objects.get(username="vanthu")
    signed: list[Any] = []

    def sign_once(data: bytes, *args: Any, **kwargs: Any) -> Any:
        if not signed:
            signed.append(signing.sign_pdf(data, *args, **kwargs))
        return signed[0]

    services.sign_pdf = sign_once  # type: ignore[assignment]
    # By position among all the prepared documents, not among those still drafts: a sender that
    # starts late would otherwise see its share shifted by what the other one already issued.
    drafts = list(Document.objects.filter(incoming=False).order_by("pk")[start : start + count])
    logging.disable(logging.INFO)
    began, cpu = time.time(), time.process_time()
    for document in drafts:
        services.issue_and_send(clerk, document)
    print(began, time.time(), time.process_time() - cpu)


def post(url: str, path: str, count: int) -> None:
    body = Path(path).read_bytes()
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    began = time.time()
    for _ in range(count):
        connection.request(
            "POST", "/api/v1/exchange/envelopes", body, {"Content-Type": "application/xml"}
        )
        answer = connection.getresponse()
        answer.read()
        assert answer.status == 201, answer.status
    print(began, time.time(), time.process_time())


async def sink(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A plain ASGI app: reads the request body, answers 201 (and 200 to the health probe)."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    status = 200 if scope["path"] == "/healthz/live" else 201
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": b'{"duplicate": false}'})


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in ("serve", "send", "post"):
        command, *args = sys.argv[1:]
        server = os.environ.get("BENCH_SERVER", "uvicorn")
        if command == "serve" and server.startswith("granian") and args[2] != "exchange:sink":
            from serve import granian  # the receiver through bench/serve.py's other servers

            granian(int(args[0]), int(args[1]), "asgi" if server == "granian-asgi" else "wsgi")
        elif command == "serve":
            serve(int(args[0]), int(args[1]), args[2], lifespan="off")
        elif command == "send":
            send(int(args[0]), int(args[1]))
        else:
            post(args[0], args[1], int(args[2]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    bench(parser.parse_args().out)


if __name__ == "__main__":
    main()
