"""The axis as it runs: separate deployments in separate processes, each with its own database,
certificate authority, web server and task worker, exchanging over loopback HTTP.

- Two agencies' nodes and a hub acting as the national axis: a document goes through the hub
  (store and forward, with its trace header), its statuses come back the same way.
- A crash test: the sending deployment's worker is killed (SIGKILL) at random moments while
  documents go out, then started again: every document arrives exactly once, none is lost."""

import os
import random
import signal
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from egov.exchange import edxml
from tests import deployments
from tests.deployments import ROOT, wait_until

HANOI, JUSTICE = "000.00.00.H26", "000.00.01.H26"
HCM, HCM_JUSTICE = "000.00.00.H29", "000.00.01.H29"
HCM_AGENCIES = f"""
- code: {HCM}
  name: Ủy ban nhân dân Thành phố Hồ Chí Minh
  level: province
  kind: people_committee
  children:
    - code: {HCM_JUSTICE}
      name: Sở Tư pháp Thành phố Hồ Chí Minh
      level: province
      kind: department
"""
NO_AGENCIES = "[]\n"

#: Creates a clerk (and an official to assign to) in the deployment it runs in.
CLERK = """
from egov.core.models import Agency
from egov.identity.models import User
from egov.identity.officials.services import create_official
if not User.objects.filter(username="vanthu").exists():
    create_official(username="vanthu", full_name="Văn thư", password="Demo@2026x!",
                    agency=Agency.objects.get(code="{agency}"), roles=["clerk"])
"""

#: Composes and issues ``count`` documents from ``sender`` to ``recipient``; the main file is
#: signed (PAdES) once by the first and reused, which is not what these tests are about.
SEND = """
from egov.core.models import Agency
from egov.core.pdf import Document as Pdf
from egov.exchange import services
from egov.identity.models import User
from egov.records import signing
clerk = User.objects.get(username="vanthu")
agency = Agency.objects.get(code="{sender}")
pdf = Pdf("Công văn"); pdf.heading("Công văn số liệu"); main = pdf.to_bytes()
signed = []
real_sign = signing.sign_pdf
def sign_once(data, *args, **kwargs):
    if not signed:
        signed.append(real_sign(data, *args, **kwargs))
    return signed[0]
services.sign_pdf = sign_once
for n in range({count}):
    draft = services.Draft(doc_type=18, subject=f"Về việc cung cấp số liệu, lần {{n}}",
                           drafting_unit="VP", recipients=["{recipient}"])
    upload = services.Upload("cv.pdf", main, "application/pdf", True)
    document = services.compose(clerk, agency, draft, [upload])
    services.issue_and_send(clerk, document)
print("sent", {count})
"""

ADVANCE = """
from egov.exchange import services
from egov.exchange.models import Document
from egov.identity.models import User
clerk = User.objects.get(username="vanthu")
for document in Document.objects.filter(incoming=True, state="01"):
    services.advance(clerk, document, "{code}")
"""

#: Loads the deployment's agencies and address book and makes its CA: one process, not four.
PREPARE = """
from pathlib import Path
from cryptography.hazmat.primitives.serialization import Encoding
from egov.core.services import load_agencies
from egov.exchange.routing import load_address_book
from egov.records import pki
load_agencies(Path("{agencies}"))
load_address_book(Path("{book}"))
pki.ensure_development_pki()
print(pki.load_certificate(pki.development_root()).public_bytes(Encoding.PEM).decode())
"""


class Site(deployments.Site):
    """One node of the axis: a deployment with its agencies and address book."""

    def __init__(self, folder: Path, name: str, agencies: str, **environment: str):
        super().__init__(
            folder,
            name,
            EXCHANGE_NODE_CODE=name,
            EXCHANGE_BACKOFF_SECONDS="0.5",
            EXCHANGE_CLAIM_LEASE_SECONDS="2",
            **environment,
        )
        self.agencies = agencies

    def prepare(self, address_book: str) -> str:
        """Migrate, load its agencies and address book, make its CA; its root, PEM."""
        node = self.deployment
        node.migrate()
        agencies = self.folder / f"{node.name}-agencies.yaml"
        agencies.write_text(self.agencies, encoding="utf-8")
        book = self.folder / f"{node.name}-exchange.yaml"
        book.write_text(address_book, encoding="utf-8")
        return self.shell(PREPARE.format(agencies=agencies, book=book))


def node_entry(code: str, url: str, secret_env: str, agencies: list[str], hub: bool = False) -> str:
    listed = "".join(f"      - {{code: {a}}}\n" for a in agencies)
    return (
        f"  - code: {code}\n    name: {code}\n    url: {url}/api/v1/exchange/envelopes\n"
        f"    secret_env: {secret_env}\n    hub: {str(hub).lower()}\n"
        + (f"    agencies:\n{listed}" if agencies else "")
    )


def trust(sites: list[Site], roots: list[str]) -> None:
    bundle = sites[0].folder / "trust-roots.pem"
    bundle.write_text("".join(roots), encoding="utf-8")
    for site in sites:
        site.deployment.env["SIGNING_TRUST_ROOTS"] = str(bundle)


def test_two_agencies_exchange_through_a_hub() -> None:
    folder = Path(tempfile.mkdtemp(prefix="egov-axis-"))
    links = {"EXCHANGE_SECRET_HANOI": "hanoi-axis-link", "EXCHANGE_SECRET_HCM": "hcm-axis-link"}
    hanoi = Site(
        folder,
        "hanoi",
        (ROOT / "data" / "agencies.yaml").read_text(encoding="utf-8"),
        EXCHANGE_SECRET_AXIS=links["EXCHANGE_SECRET_HANOI"],
    )
    hcm = Site(folder, "hcm", HCM_AGENCIES, EXCHANGE_SECRET_AXIS=links["EXCHANGE_SECRET_HCM"])
    axis = Site(folder, "axis", NO_AGENCIES, EXCHANGE_HUB="1", **links)
    roots = [
        hanoi.prepare(
            "nodes:\n"
            + node_entry("axis", axis.url, "EXCHANGE_SECRET_AXIS", [HCM_JUSTICE], hub=True)
        ),
        hcm.prepare(
            "nodes:\n" + node_entry("axis", axis.url, "EXCHANGE_SECRET_AXIS", [], hub=True)
        ),
        axis.prepare(
            "nodes:\n"
            + node_entry("hanoi", hanoi.url, "EXCHANGE_SECRET_HANOI", [HANOI, JUSTICE])
            + node_entry("hcm", hcm.url, "EXCHANGE_SECRET_HCM", [HCM, HCM_JUSTICE])
        ),
    ]
    trust([hanoi, hcm, axis], roots)
    hanoi.shell(CLERK.format(agency=HANOI))
    hcm.shell(CLERK.format(agency=HCM_JUSTICE))

    def status_at_sender() -> str:
        rows = hanoi.query("select status from exchange_recipient")
        return rows[0][0] if rows else ""

    with ExitStack() as running:
        for site in (axis, hcm, hanoi):
            running.enter_context(site.running())
        hanoi.shell(SEND.format(sender=HANOI, recipient=HCM_JUSTICE, count=1))
        wait_until(lambda: status_at_sender() == "01", 60, "status 01 back at the sender")
        hcm.shell(ADVANCE.format(code="03"))
        wait_until(lambda: status_at_sender() == "03", 60, "status 03 back at the sender")

    # The recipient holds the document once, signed by the sender and verified.
    (received,) = hcm.query(
        "select agency_id, sender_code, signature, envelope_id from exchange_document"
    )
    assert received[1:3] == (HANOI, "valid")
    ((file_id,),) = hcm.query(f"select file_id from exchange_envelope where id = '{received[3]}'")
    message = edxml.parse(hcm.stored(file_id))
    assert [t.organ_id for t in message.traces] == [HANOI, "axis"]  # the hub's hop
    # The hub stored and forwarded: one document and two statuses, no document of its own.
    assert axis.query(
        "select kind, count(*) from exchange_envelope group by kind order by kind"
    ) == [
        ("document", 1),
        ("status", 2),
    ]
    assert axis.query("select count(*) from exchange_document") == [(0,)]
    assert set(axis.query("select status from exchange_delivery")) == {("delivered",)}
    assert hanoi.query(
        "select status_code from exchange_documentevent where action = 'status_received' order by id"
    ) == [("01",), ("03",)]


DOCUMENTS = int(os.environ.get("EGOV_CRASH_DOCUMENTS", 1000))


def test_a_sender_killed_at_random_moments_loses_nothing_and_doubles_nothing() -> None:
    folder = Path(tempfile.mkdtemp(prefix="egov-crash-"))
    sender = Site(
        folder,
        "hanoi",
        (ROOT / "data" / "agencies.yaml").read_text(encoding="utf-8"),
        EXCHANGE_SECRET_HCM="the-link",
    )
    receiver = Site(folder, "hcm", HCM_AGENCIES, EXCHANGE_SECRET_HANOI="the-link")
    roots = [
        sender.prepare(
            "nodes:\n" + node_entry("hcm", receiver.url, "EXCHANGE_SECRET_HCM", [HCM, HCM_JUSTICE])
        ),
        receiver.prepare(
            "nodes:\n" + node_entry("hanoi", sender.url, "EXCHANGE_SECRET_HANOI", [HANOI, JUSTICE])
        ),
    ]
    trust([sender, receiver], roots)
    sender.shell(CLERK.format(agency=HANOI))
    # Issued with no worker running: every document waits in the outbox.
    sender.shell(SEND.format(sender=HANOI, recipient=HCM_JUSTICE, count=DOCUMENTS))
    assert sender.query("select count(*) from exchange_delivery where status = 'pending'") == [
        (DOCUMENTS,)
    ]

    def delivered() -> int:
        return sender.query("select count(*) from exchange_delivery where status = 'delivered'")[0][
            0
        ]

    def acknowledged() -> int:
        return sender.query("select count(*) from exchange_recipient where status = '01'")[0][0]

    kills = 0
    chance = random.Random(int(os.environ.get("EGOV_CRASH_SEED", time.time())))
    with receiver.running(), sender.deployment.serving("/healthz/live"):
        try:
            while delivered() < DOCUMENTS and kills < 8:
                worker = sender.start_worker()
                time.sleep(chance.uniform(0.3, 2.5))
                os.kill(worker.pid, signal.SIGKILL)
                worker.wait()
                kills += 1
            sender.start_worker()  # and now let it finish
            wait_until(lambda: delivered() == DOCUMENTS, 600, "every document delivered")
            wait_until(lambda: acknowledged() == DOCUMENTS, 300, "every arrival acknowledged")
        finally:
            for worker in sender.workers:
                worker.kill()
                worker.wait()
    assert kills >= 3
    # Exactly once at the receiver: one document per envelope sent, none missing.
    sent = {
        row[0]
        for row in sender.query("select document_id from exchange_document where incoming = 0")
    }
    received = receiver.query("select document_id from exchange_document where incoming = 1")
    assert len(received) == DOCUMENTS
    assert {row[0] for row in received} == sent
    assert receiver.query("select count(*) from exchange_envelope where kind = 'document'") == [
        (DOCUMENTS,)
    ]
    assert sender.query("select count(*) from exchange_delivery where status != 'delivered'") == [
        (0,)
    ]
    # Each arrival status applied once at the sender, however often it was delivered.
    assert sender.query(
        "select count(*) from exchange_documentevent where action = 'status_received'"
    ) == [(DOCUMENTS,)]
