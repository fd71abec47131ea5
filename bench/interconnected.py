"""Interconnected applications (Decree 63/2024) submitted and fanned out per second, next to
single online submissions measured in the same run on the same database
(``BENCH_ONLY=interconnected make bench``; run by ``bench/run.py``). See bench/README.md,
section 7.

For each database (SQLite in a temporary folder; PostgreSQL: a fresh ``egov_bench_lt`` on the
server DATABASE_URL names, else on BENCH_POSTGRES_URL, dropped at the end), one process with the
deployment settings (``DEBUG=0``, the database task backend, no task worker) calls the services
in process, one call after another, no HTTP:

* **baseline — single:** ``dossiers.services.submit_online`` of the birth registration
  1.001193 at 000.00.31.H26 (the form of tests/conftest.py, two PDF uploads);
* **group:** ``interconnected.services.submit_application`` of group 2.000986 at the same ward
  (the newborn's one form of tests/interconnected/conftest.py, two PDF uploads): the
  application, its three parts, and the birth registration filed as a dossier;
* **fan-out:** ``interconnected.services.advance`` of an application whose birth dossier has
  its signed result: the child's personal ID number from the population registry, then the
  residence registration (1.004222, ward police) and the health-insurance card (1.000310, ward
  social insurance) filed as dossiers with the signed birth certificate reused from the
  repository. To get there, the birth dossiers are driven once beforehand (not measured) by
  the ward's officials: received, assigned, proposed, approved, and the ``sign_result`` task
  run for each (PAdES, in the ward's name), which files the certificate in the repository and
  puts the part at "result". The ``advance`` task that signing queues is left in the queue:
  the bench calls ``advance`` itself.

The population registry answers in process: ``InProcessRegistry`` below calls
``egov.registries.services.register_birth`` (no gateway, no HTTP), as the flow's tests do.
Every PDF differs (a numbered keyword of the same length), so content addressing hashes and
writes every file. Every call is timed alone, and each kind is interleaved call by call with
single submissions (single, group, single, group ...; then single, fan-out ...): each ratio
compares calls made in the same moments of a shared machine's load. Then a few more calls of
each kind are profiled: SQL queries and their time, and the steps the time goes to.

    python bench/interconnected.py --out interconnected.json
    python bench/interconnected.py measure --out part.json   (one database: DATABASE_URL)
"""

import argparse
import io
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
GROUPS = int(os.environ.get("BENCH_INTERCONNECTED_GROUPS", 50))
FANOUTS = int(os.environ.get("BENCH_INTERCONNECTED_FANOUTS", 25))
PROFILED = int(os.environ.get("BENCH_INTERCONNECTED_PROFILED", 5))
DATABASES = os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(",")
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
PG_NAME = "egov_bench_lt"

BIRTH_GROUP, BIRTH, RESIDENCE, HEALTH_CARD = "2.000986", "1.001193", "1.004222", "1.000310"
WARD, WARD_POLICE, WARD_INSURANCE = "000.00.31.H26", "000.31.04.H26", "000.31.07.H26"
MOTHER_ID = "001195000001"  # Hà Nội, a woman born in 1995

#: The birth registration's form (tests/conftest.py BIRTH_FORM).
BIRTH_FORM = {
    "child_full_name": "Nguyễn Minh Khôi",
    "child_birth_date": "2026-10-30",
    "child_sex": "Nam",
    "ethnicity": "Kinh",
    "birth_place": "Bệnh viện Phụ sản Hà Nội",
    "mother_full_name": "Trần Thị Bình",
    "relationship": "Mẹ",
    "copies": 1,
}
#: What a mother declares once for her newborn (tests/interconnected/conftest.py NEWBORN).
NEWBORN = {
    "child_full_name": "Nguyễn Minh An",
    "child_birth_date": "2026-11-20",
    "child_sex": "Nữ",
    "ethnicity": "Kinh",
    "birth_place": "Bệnh viện Phụ sản Hà Nội",
    "mother_full_name": "Trần Thị Bình",
    "relationship": "Mẹ",
    "copies": 1,
    "residence_address": "25 Liễu Giai, phường Ba Đình, Hà Nội",
    "residence_basis": "Về ở với người thân (vợ/chồng, cha/mẹ, con…)",
    "household_head_name": "Trần Thị Bình",
    "relationship_to_head": "Con",
}
#: component code: the PDF's title (tests' birth_files and newborn_files).
SINGLE_FILES = {"TO_KHAI": "Tờ khai", "GIAY_CHUNG_SINH": "Giấy chứng sinh"}
GROUP_FILES = {
    "GIAY_CHUNG_SINH": "Giấy chứng sinh",
    "CHO_O_HOP_PHAP": "Giấy chứng nhận quyền sử dụng đất",
}
PLACEHOLDER = b"BENCHSEQ000000000"


def say(text: str = "") -> None:
    print(text, flush=True)


# --- the driver: one subprocess per database ---------------------------------------------------


def django_env(database_url: str, work: Path) -> dict[str, str]:
    return {
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
        "MEDIA_ROOT": str(work / "media"),
        "DATABASE_URL": database_url,
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "ignore",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    }


def postgres_server() -> str:
    """The server of DATABASE_URL when it names PostgreSQL, else BENCH_POSTGRES_URL."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return url.rsplit("/", 1)[0] if url.count("/") > 2 else url
    return POSTGRES_URL


def create_postgres(server: str) -> str | None:
    """A fresh ``egov_bench_lt`` on ``server``, or None (the reason printed) when unreachable."""
    try:
        import psycopg

        with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=3) as c:
            c.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
            c.execute(f"CREATE DATABASE {PG_NAME}")
    except Exception as exc:
        say(f"[interconnected] PostgreSQL at {server} is unreachable ({type(exc).__name__}: {exc})")
        say("[interconnected] skipping the PostgreSQL figures")
        return None
    return f"{server}/{PG_NAME}"


def drop_postgres(server: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=3) as c:
        c.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")


def machine_busy() -> float:
    """CPU seconds (all cores) the machine has been busy since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def bench(out: Path) -> None:
    result: dict[str, Any] = {
        "groups": GROUPS,
        "fanouts": FANOUTS,
        "profiled": PROFILED,
        "cores": os.cpu_count(),
    }
    for vendor in [v for v in DATABASES if v in ("sqlite", "postgresql")]:
        work = Path(tempfile.mkdtemp(prefix=f"egov-bench-lt-{vendor}-"))
        server = postgres_server()
        try:
            if vendor == "sqlite":
                url: str | None = f"sqlite:///{work / 'bench.sqlite3'}"
            else:
                url = create_postgres(server)
                if url is None:
                    continue
            try:
                part = work / "result.json"
                busy, began = machine_busy(), time.perf_counter()
                say(f"[interconnected] {vendor}: migrate, agencies, catalogue, activations, PKI")
                subprocess.run(
                    [PYTHON, str(Path(__file__)), "measure", "--out", str(part)],
                    env=django_env(url, work),
                    cwd=ROOT,
                    check=True,
                )
                result[vendor] = json.loads(part.read_text())
                elapsed = time.perf_counter() - began
                result[vendor]["machine_busy"] = (machine_busy() - busy) / elapsed
            finally:
                if vendor == "postgresql":
                    drop_postgres(server)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    out.write_text(json.dumps(result, indent=1))
    report(result)


# --- the report ---------------------------------------------------------------------------------


LABELS = {
    "single": "single (submit_online)",
    "group": "group (submit_app.)",
    "fanout": "fan-out (advance)",
}
DECLARATION = "dossiers: attach_online_form (the declaration PDF)"
STEPS_SHOWN = 7


def rates(m: dict[str, Any]) -> dict[str, float]:
    """Calls per second of each kind (calls / the seconds spent in them), and the ratios, each
    against the single submissions interleaved with it: group / single, fan-out / single, and a
    whole application (its submission, then its fan-out) / single."""

    def rate(seconds: list[float]) -> float:
        return len(seconds) / max(sum(seconds), 1e-9)

    group = rate(m["group"]) / rate(m["single"])
    fanout = rate(m["fanout"]) / rate(m["single_with_fanout"])
    return {
        "single": rate(m["single"] + m["single_with_fanout"]),
        "group": rate(m["group"]),
        "fanout": rate(m["fanout"]),
        "whole": 1 / (1 / rate(m["group"]) + 1 / rate(m["fanout"])),
        "group_ratio": group,
        "fanout_ratio": fanout,
        "whole_ratio": 1 / (1 / group + 1 / fanout),
    }


def p50(seconds: list[float]) -> float:
    return statistics.median(seconds) * 1000 if seconds else 0.0


def report(r: dict[str, Any]) -> None:
    vendors = [v for v in ("sqlite", "postgresql") if v in r]
    for vendor in vendors:
        m = r[vendor]
        rate = rates(m)
        singles = m["single"] + m["single_with_fanout"]
        say()
        say(
            f"== interconnected, {m['database']}: group {BIRTH_GROUP} at {WARD}; the services in "
            "one process, one call after another; the population registry in process =="
        )
        say(
            f"  single submissions/s    {rate['single']:8.1f}   submit_online {BIRTH}, the "
            f"baseline ({len(singles)}, p50 {p50(singles):.0f} ms; interleaved with the others)"
        )
        say(
            f"  groups submitted/s      {rate['group']:8.1f}   submit_application: the "
            f"application, 3 parts, the birth dossier filed ({len(m['group'])}, p50 "
            f"{p50(m['group']):.0f} ms)"
        )
        say(
            f"  groups fanned out/s     {rate['fanout']:8.1f}   advance: the child's number, the "
            f"residence and health-card dossiers filed, the certificate reused "
            f"({len(m['fanout'])}, p50 {p50(m['fanout']):.0f} ms)"
        )
        say(
            f"  ratio group / single    {rate['group_ratio']:8.3f}   (p50s: "
            f"{p50(m['single']) / p50(m['group']):.3f})"
        )
        say(
            f"  ratio fan-out / single  {rate['fanout_ratio']:8.3f}   (p50s: "
            f"{p50(m['single_with_fanout']) / p50(m['fanout']):.3f})"
        )
        say(
            f"  ratio whole / single    {rate['whole_ratio']:8.3f}   one application's filing "
            f"(group + fan-out, three dossiers: {rate['whole']:.1f}/s) against one dossier's"
        )
        say(
            f"  {'per call (' + str(m['profile']['calls']) + ' profiled apart)':26}"
            f"{'ms':>8}{'queries':>9}{'SQL ms':>8}   declaration PDF ms"
        )
        for kind, label in LABELS.items():
            p = m["profile"][kind]
            declaration = p["steps"].get(DECLARATION, {"ms": 0.0})["ms"]
            say(
                f"    {label:24}{p['ms']:8.1f}{p['queries']:9.0f}{p['sql_ms']:8.1f}   "
                f"{declaration:.1f} ({declaration / p['ms']:.0%})"
            )
        for kind, label in LABELS.items():
            steps = m["profile"][kind]["steps"]
            top = sorted(steps.items(), key=lambda item: -item[1]["ms"])[:STEPS_SHOWN]
            say(f"  {label}: slowest steps per call (inclusive: ms, SQL queries, calls)")
            for name, step in top:
                say(
                    f"    {step['ms']:7.1f} ms {step['queries']:5.0f} q {step['calls']:4.0f}x  {name}"
                )
        d = m["drive"]
        say(
            f"  setup: {d['applications']} birth dossiers received, assigned, proposed, approved "
            f"and signed in {d['seconds']:.1f} s: {d['signed']} signed, {d['filed']} in the "
            f"repository, {d['at_result']} parts at result"
        )
        c, fanned = m["checked"], len(m["fanout"])
        say(
            f"  checked: {c['filed_parts']} later parts filed for {fanned} fan-outs, "
            f"{c['reused']} certificates reused from the repository, {c['numbers']} numbers issued"
            + (
                ""
                if c["filed_parts"] == c["reused"] == 2 * c["numbers"] == 2 * fanned
                else "  -- NOT EVERY MEMBER WAS FILED"
            )
        )
        say(
            f"  ({vendor}: {m['seconds']:.0f} s, of which setup {m['prepare_seconds']:.0f} s; "
            f"the machine was {m['machine_busy']:.2f} of {r['cores']} cores busy, the bench "
            f"process {m['process_cpu'] / m['seconds']:.2f} of them)"
        )
    if len(vendors) > 1:
        say()
        say("== interconnected: summary ==")
        say("  " + " " * 34 + "".join(f"{v:>14}" for v in vendors))
        every = {v: rates(r[v]) for v in vendors}
        rows = [
            ("single submissions/s", lambda v: f"{every[v]['single']:.1f}"),
            ("groups submitted/s", lambda v: f"{every[v]['group']:.1f}"),
            ("groups fanned out/s", lambda v: f"{every[v]['fanout']:.1f}"),
            ("group / single", lambda v: f"{every[v]['group_ratio']:.3f}"),
            ("fan-out / single", lambda v: f"{every[v]['fanout_ratio']:.3f}"),
            ("whole application / single", lambda v: f"{every[v]['whole_ratio']:.3f}"),
            (
                "queries: single / group / fan-out",
                lambda v: "/".join(
                    f"{r[v]['profile'][k]['queries']:.0f}" for k in ("single", "group", "fanout")
                ),
            ),
        ]
        for label, cell in rows:
            say(f"  {label:34}" + "".join(f"{cell(v):>14}" for v in vendors))


# --- the measuring process (Django) --------------------------------------------------------------


def _install_registry() -> str:
    """The population registry in this process (as tests/interconnected/conftest.py's): its own
    service, no gateway. Defined once Django is set up; named for POPULATION_REGISTRY_CLIENT."""
    from egov.core.errors import InvalidInput
    from egov.identity.account.registry import PopulationRegistry, RegistryRefused
    from egov.registries import services as registry

    class InProcessRegistry(PopulationRegistry):
        def register_birth(self, **fields: Any) -> str:
            try:
                return registry.register_birth(**fields).personal_id
            except InvalidInput as exc:
                raise RegistryRefused(exc.message) from exc

    globals()["InProcessRegistry"] = InProcessRegistry
    return f"{__name__}.InProcessRegistry"


class Pdfs:
    """One small real PDF per title; every copy numbered in its keywords (same length)."""

    def __init__(self) -> None:
        from egov.core.pdf import Document

        self.base = {}
        for title in {*SINGLE_FILES.values(), *GROUP_FILES.values()}:
            document = Document(title)
            document.set_keywords(PLACEHOLDER.decode())
            document.heading(title)
            document.line_of_text("Họ và tên người mẹ: Trần Thị Bình.")
            self.base[title] = document.to_bytes()
        self.numbers = itertools.count(1)

    def uploads(self, files: dict[str, str]) -> dict[str, Any]:
        from egov.dossiers.services import Upload

        made = {}
        for code, title in files.items():
            n = next(self.numbers)
            data = self.base[title].replace(PLACEHOLDER, b"BENCHSEQ%09d" % n)
            made[code] = Upload(f"{code.lower()}-{n}.pdf", io.BytesIO(data), len(data))
        return made


def prepare() -> dict[str, Any]:
    """The database as a deployment has it, the mother, and one official per role at each
    agency of the ward's route."""
    import yaml
    from django.conf import settings
    from django.core.management import call_command

    from egov.catalog.models import ProcedureGroup
    from egov.catalog.selectors import get_procedure
    from egov.catalog.services import load_catalog
    from egov.core.models import Agency
    from egov.core.services import load_agencies
    from egov.identity.officials.services import create_official
    from egov.identity.services import create_citizen
    from egov.interconnected.services import load_activations
    from egov.records import pki
    from egov.registries.models import PopulationRecord

    call_command("migrate", interactive=False, verbosity=0)
    load_agencies(settings.AGENCIES_FILE)
    load_catalog(settings.CATALOG_DIR)
    load_activations(yaml.safe_load(settings.INTERCONNECTED_FILE.read_text("utf-8")))
    pki.ensure_development_pki()
    mother = create_citizen(
        personal_id=MOTHER_ID,
        full_name="Trần Thị Bình",
        birth_date=date(1995, 4, 2),
        email="binh@example.vn",
        phone="0912000001",
        identity_level=2,
    )
    PopulationRecord.objects.create(
        personal_id=MOTHER_ID,
        full_name="Trần Thị Bình",
        birth_date=date(1995, 4, 2),
        sex="female",
        permanent_address="25 Liễu Giai, phường Ba Đình, Hà Nội",
        household_id="HN0000000001",
        relation_to_head="head",
    )
    staff = {}
    for code in (WARD, WARD_POLICE, WARD_INSURANCE):
        agency = Agency.objects.get(code=code)
        staff[code] = {
            role: create_official(
                username=f"{role}.{code}",
                full_name=f"Cán bộ {role} {code}",
                password="Bench@2026x!",
                agency=agency,
                roles=[role],
            )
            for role in ("receiver", "processor", "approver")
        }
    return {
        "mother": mother,
        "staff": staff,
        "ward": Agency.objects.get(code=WARD),
        "birth": get_procedure(BIRTH),
        "group": ProcedureGroup.objects.get(code=BIRTH_GROUP, is_current=True),
    }


def pairs(
    count: int, make: Callable[[int], tuple[Any, Any]], first: Callable[[Any], Any], second: Any
) -> dict[str, list[float]]:
    """``count`` pairs of calls, ``first`` then ``second``, each timed alone; their arguments are
    made before the clock starts. Interleaved call by call, the two kinds share every moment of
    a shared machine's load, so their ratio does not drift."""
    seconds: dict[str, list[float]] = {"first": [], "second": []}
    for n in range(count):
        one, other = make(n)
        began = time.perf_counter()
        first(one)
        middle = time.perf_counter()
        second(other)
        seconds["first"].append(middle - began)
        seconds["second"].append(time.perf_counter() - middle)
    return seconds


def drive(applications: list[int], staff: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Each application's birth dossier to its signed result, as the ward's officials and the
    ``sign_result`` task would (the task called here: no worker runs)."""
    from egov.dossiers import services as dossiers
    from egov.dossiers.models import Dossier
    from egov.interconnected.constants import PartState
    from egov.interconnected.models import Part
    from egov.records.models import ResultDocument, ResultStatus
    from egov.records.tasks import sign_result
    from egov.repository.models import RepositoryDocument

    began = time.perf_counter()
    births = list(
        Part.objects.filter(application_id__in=applications, procedure_code=BIRTH).values_list(
            "dossier_id", flat=True
        )
    )
    officials = staff[WARD]
    for dossier in Dossier.objects.filter(pk__in=births).prefetch_related("components"):
        checklist = {c.code: (True, "") for c in dossier.components.all()}
        dossiers.receive(dossier.pk, officials["receiver"], checklist)
        dossiers.assign(dossier.pk, officials["receiver"], officials["processor"])
        dossiers.propose(dossier.pk, officials["processor"])
        dossiers.approve(dossier.pk, officials["approver"])
    pending = ResultDocument.objects.filter(dossier_id__in=births, status=ResultStatus.PENDING)
    statuses = [sign_result.call(pk) for pk in pending.values_list("pk", flat=True)]
    return {
        "applications": len(applications),
        "seconds": time.perf_counter() - began,
        "signed": statuses.count(ResultStatus.SIGNED),
        "filed": RepositoryDocument.objects.filter(source_dossier_id__in=births).count(),
        "at_result": Part.objects.filter(
            application_id__in=applications,
            procedure_code=BIRTH,
            state=PartState.RESULT,
            result_document_id__isnull=False,
        ).count(),
    }


def check_fanout(applications: list[int]) -> dict[str, int]:
    """What the fan-out left: the later parts filed, their dossiers with the certificate reused
    from the repository, and the child's number issued."""
    from egov.dossiers.constants import ComponentSource
    from egov.dossiers.models import DossierComponent
    from egov.interconnected.constants import PartState
    from egov.interconnected.models import Application, Part

    later = Part.objects.filter(
        application_id__in=applications,
        procedure_code__in=(RESIDENCE, HEALTH_CARD),
        state=PartState.FILED,
        dossier_id__isnull=False,
    )
    return {
        "filed_parts": later.count(),
        "reused": DossierComponent.objects.filter(
            dossier_id__in=later.values("dossier_id"),
            source=ComponentSource.REPOSITORY,
            repository_document_id__isnull=False,
        ).count(),
        "numbers": sum(
            "child_personal_id" in issued
            for issued in Application.objects.filter(pk__in=applications).values_list(
                "issued", flat=True
            )
        ),
    }


class Profile:
    """SQL queries and their time (``connection.execute_wrapper``), and named steps: a
    service function or hook implementation, replaced for the while by a timed wrapper."""

    def __init__(self) -> None:
        self.queries = 0
        self.sql = 0.0
        self.steps: dict[str, list[float]] = {}

    def execute(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.queries += 1
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.sql += time.perf_counter() - began

    def timed(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            queries, began = self.queries, time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                step = self.steps.setdefault(name, [0, 0.0, 0])
                step[0] += 1
                step[1] += time.perf_counter() - began
                step[2] += self.queries - queries

        return wrapper

    @contextmanager
    def steps_of(self) -> Iterator[None]:
        from django.db import connection

        from egov.core import pdf
        from egov.dossiers import hooks
        from egov.dossiers import services as dossiers
        from egov.dossiers.services import filing
        from egov.interconnected import services
        from egov.repository import services as repository

        patched = [
            (filing, "start_draft", "dossiers: start_draft"),
            (filing, "attach", "dossiers: attach (store the uploads)"),
            (filing, "submit", "dossiers: submit"),
            (filing, "attach_online_form", "dossiers: attach_online_form (the declaration PDF)"),
            (pdf.Document, "__init__", "pdf: Document() (parses the two DejaVu fonts)"),
            (pdf.Document, "to_bytes", "pdf: to_bytes (subsets and embeds the fonts)"),
            (dossiers, "store_upload", "dossiers: store_upload"),
            (dossiers, "start_draft", "dossiers: start_draft"),
            (dossiers, "save_draft", "dossiers: save_draft"),
            (dossiers, "submit", "dossiers: submit"),
            (services, "_tracking_code", "interconnected: tracking code"),
            (services, "advance", "interconnected: advance"),
            (services, "issue_numbers", "interconnected: issue_numbers (registry)"),
            (services, "_start", "interconnected: _start (one part)"),
            (services, "member_procedures", "interconnected: member_procedures"),
            (services, "definition_of", "interconnected: definition_of"),
            (repository, "reuse_document", "repository: reuse_document"),
        ]
        saved = [(module, name, getattr(module, name)) for module, name, _ in patched]
        for module, name, label in patched:
            setattr(module, name, self.timed(label, getattr(module, name)))
        points = [hooks.event_recorded, hooks.after_step, hooks.step_guard]
        wrapped = [
            [self.timed(f"{point.name}: {f.__module__}.{f.__qualname__}", f) for f in point]
            for point in points
        ]
        try:
            with (
                connection.execute_wrapper(self.execute),
                points[0].override(*wrapped[0]),
                points[1].override(*wrapped[1]),
                points[2].override(*wrapped[2]),
            ):
                yield
        finally:
            for module, name, original in saved:
                setattr(module, name, original)

    def measure(self, calls: list[Any], call: Callable[[Any], Any]) -> dict[str, Any]:
        self.queries, self.sql, self.steps = 0, 0.0, {}
        with self.steps_of():
            began = time.perf_counter()
            for argument in calls:
                call(argument)
            seconds = time.perf_counter() - began
        n = max(1, len(calls))
        return {
            "ms": seconds * 1000 / n,
            "queries": self.queries / n,
            "sql_ms": self.sql * 1000 / n,
            "steps": {
                name: {"calls": c / n, "ms": s * 1000 / n, "queries": q / n}
                for name, (c, s, q) in self.steps.items()
            },
        }


def measure(out: Path) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    import logging

    from django.conf import settings
    from django.db import connection

    from egov.dossiers.services import submit_online
    from egov.interconnected import services

    settings.POPULATION_REGISTRY_CLIENT = _install_registry()
    logging.disable(logging.WARNING)
    began, cpu = time.perf_counter(), time.process_time()
    given = prepare()
    prepare_seconds = time.perf_counter() - began
    mother, ward, birth, group = given["mother"], given["ward"], given["birth"], given["group"]
    pdfs = Pdfs()
    applications: list[int] = []

    def single(files: dict[str, Any]) -> None:
        submit_online(mother, birth, ward, BIRTH_FORM, files)

    def submit_group(files: dict[str, Any]) -> None:
        applications.append(services.submit_application(mother, group, ward, [], NEWBORN, files).pk)

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    else:
        import sqlite3

        database = f"SQLite {sqlite3.sqlite_version}"
    say(f"[interconnected] {database}: set up in {prepare_seconds:.1f} s")
    # Warm-up, not counted: the first calls load the catalogue, templates, fonts and keys.
    single(pdfs.uploads(SINGLE_FILES))
    submit_group(pdfs.uploads(GROUP_FILES))
    # Enough applications for the fan-out (one to warm up, the profiled ones besides).
    count = max(GROUPS, FANOUTS + PROFILED)
    say(f"[interconnected] {count} single submissions and {count} groups, one after the other")
    submissions = pairs(
        count,
        lambda n: (pdfs.uploads(SINGLE_FILES), pdfs.uploads(GROUP_FILES)),
        single,
        submit_group,
    )
    for_fanout = applications[: FANOUTS + 1 + PROFILED]
    say(f"[interconnected] driving {len(for_fanout)} birth dossiers to a signed result")
    driven = drive(for_fanout, given["staff"])
    warm, timed, profiled = for_fanout[0], for_fanout[1 : FANOUTS + 1], for_fanout[FANOUTS + 1 :]
    say(
        f"[interconnected] {len(timed)} single submissions and {len(timed)} fan-outs, one after the other"
    )
    services.advance(warm)
    fanouts = pairs(
        len(timed), lambda n: (pdfs.uploads(SINGLE_FILES), timed[n]), single, services.advance
    )
    checked = check_fanout(timed)
    say(f"[interconnected] profile: {PROFILED} calls of each kind")
    profile = Profile()
    result_profile = {
        "calls": PROFILED,
        "single": profile.measure([pdfs.uploads(SINGLE_FILES) for _ in range(PROFILED)], single),
        "group": profile.measure(
            [pdfs.uploads(GROUP_FILES) for _ in range(PROFILED)], submit_group
        ),
        "fanout": profile.measure(profiled, services.advance),
    }
    out.write_text(
        json.dumps(
            {
                "database": database,
                "prepare_seconds": prepare_seconds,
                "seconds": time.perf_counter() - began,
                "process_cpu": time.process_time() - cpu,
                "single": submissions["first"],
                "group": submissions["second"],
                "single_with_fanout": fanouts["first"],
                "fanout": fanouts["second"],
                "drive": driven,
                "checked": checked,
                "profile": result_profile,
            },
            indent=1,
        )
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "measure":
        parser = argparse.ArgumentParser()
        parser.add_argument("--out", type=Path, required=True)
        measure(parser.parse_args(sys.argv[2:]).out)
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    bench(parser.parse_args().out)


if __name__ == "__main__":
    main()
