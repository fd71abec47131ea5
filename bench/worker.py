"""Django-side steps of the benchmarks, each run in a subprocess by ``bench/run.py``.

Every step reads the deployment settings from the environment that ``run.py`` prepares
(``DJANGO_SETTINGS_MODULE=egov.config.settings``, ``DATABASE_URL``, ``MEDIA_ROOT`` ...) and writes
its result as JSON to the file named by ``--out``.

    python bench/worker.py setup  --out setup.json
    python bench/worker.py seed   --out seed.json --dossiers 100000 --small 100
    python bench/worker.py queue  --out queue.json --requests 200
    python bench/worker.py inserts --out ins.json --threads 4 --start-at T --duration 15 --bytes N
    python bench/worker.py verify --out verify.json --since-id N
"""

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import django

import insights_steps

RECEIVER = "bench.receiver"
WARD = "000.00.31.H26"  # UBND phường Ba Đình: performs birth registration
SMALL_WARD = "000.00.32.H26"  # UBND phường Hoàn Kiếm: the small baseline queue
BIRTH = "1.001193"
API_CITIZENS = 64  # applicants with API tokens driving the submission benchmark
PAGE_SIZE = 50  # the queue page's paginator
FILTERS = ("all", "new", "mine", "due_soon", "overdue")
PAYLOAD_TABLE = "bench_payload"

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi"]
MIDDLE = ["Văn", "Thị", "Minh", "Thu", "Quang", "Đức", "Ngọc", "Thanh", "Hữu", "Kim"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hương", "Khôi", "Lan", "Long", "Mai"]


def form_data(rng: random.Random) -> dict[str, Any]:
    """A birth-registration form as the API receives it (about 300 bytes of JSON)."""
    return {
        "child_full_name": f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
        "child_birth_date": f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}",
        "child_sex": rng.choice(["Nam", "Nữ"]),
        "ethnicity": "Kinh",
        "birth_place": "Bệnh viện Phụ sản Hà Nội, 929 La Thành, Ba Đình, Hà Nội",
        "mother_full_name": f"{rng.choice(SURNAMES)} Thị {rng.choice(GIVEN)}",
        "father_full_name": f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
        "relationship": "Mẹ",
        "copies": 1,
    }


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    if not ordered:
        return {"n": 0, "p50": 0.0, "p95": 0.0, "max": 0.0, "mean": 0.0}

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return {
        "n": len(ordered),
        "p50": pick(0.50),
        "p95": pick(0.95),
        "max": ordered[-1],
        "mean": statistics.fmean(ordered),
    }


# --- setup -------------------------------------------------------------------------------------


def setup(args: argparse.Namespace) -> dict[str, Any]:
    """Migrate, collect static files, load agencies and catalogue, create the bench users."""
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection

    from egov.catalog.services import load_catalog
    from egov.core.models import Agency
    from egov.core.services import load_agencies
    from egov.identity.models import IdentityLevel, User, UserKind
    from egov.identity.officials.services import create_official, grant_role
    from egov.identity.tokens import issue_api_token

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    # DEBUG=0 serves static files from the manifest, as in production: pages need it to render.
    call_command("collectstatic", interactive=False, verbosity=0)
    load_agencies(settings.AGENCIES_FILE)
    load_catalog(settings.CATALOG_DIR)
    ward = Agency.objects.get(code=WARD)
    small = Agency.objects.get(code=SMALL_WARD)

    receiver = create_official(
        username=RECEIVER,
        full_name="Phạm Thu Hà",
        password=os.environ.get("BENCH_PASSWORD", "Bench@2026"),
        agency=ward,
        roles=["receiver", "processor"],
    )
    for role in ("receiver", "processor"):
        grant_role(receiver, small, role)

    citizens = User.objects.bulk_create(
        User(
            username=f"0019{n:08d}",
            personal_id=f"0019{n:08d}",
            full_name=f"Công dân API {n}",
            email=f"api{n}@example.vn",
            phone=f"0913{n:06d}",
            kind=UserKind.CITIZEN,
            identity_level=IdentityLevel.LEVEL_2,  # verified: may file every procedure online
            password=make_password(None),
        )
        for n in range(API_CITIZENS)
    )
    tokens = [issue_api_token(citizen, "bench") for citizen in citizens]

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE TABLE {PAYLOAD_TABLE} (id bigserial PRIMARY KEY,"
                " created_at timestamptz NOT NULL, form jsonb NOT NULL, files bytea NOT NULL)"
            )
        else:
            cursor.execute(
                f"CREATE TABLE {PAYLOAD_TABLE} (id integer PRIMARY KEY AUTOINCREMENT,"
                " created_at text NOT NULL, form text NOT NULL, files blob NOT NULL)"
            )
    return {
        "tokens": tokens,
        "vendor": connection.vendor,
        "seconds": time.perf_counter() - started,
    }


# --- seed: a big queue and a small one ---------------------------------------------------------


def _mix(rng: random.Random, age_days: float) -> str:
    """A dossier's status from its age: recent ones are open, old ones mostly finished."""
    from egov.dossiers.constants import Status

    roll = rng.random()
    if age_days <= 1:
        table = [(0.80, Status.SUBMITTED), (0.85, Status.REFUSED), (1.0, Status.RECEIVED)]
    elif age_days <= 15:
        table = [
            (0.20, Status.RECEIVED),
            (0.55, Status.PROCESSING),
            (0.65, Status.AWAITING_SUPPLEMENT),
            (0.75, Status.RESULT_READY),
            (0.95, Status.RETURNED),
            (0.97, Status.WITHDRAWN),
            (1.0, Status.REJECTED),
        ]
    else:
        table = [
            (0.005, Status.PROCESSING),  # the stuck backlog: overdue
            (0.008, Status.RECEIVED),
            (0.010, Status.AWAITING_SUPPLEMENT),
            (0.90, Status.RETURNED),
            (0.93, Status.REJECTED),
            (0.96, Status.REFUSED),
            (1.0, Status.WITHDRAWN),
        ]
    return next(status for limit, status in table if roll < limit)


def _build_dossiers(
    agency: Any,
    count: int,
    applicants: list[Any],
    processors: list[Any],
    procedures: list[Any],
    rng: random.Random,
) -> list[Any]:
    """``count`` realistic Dossier rows of ``agency`` over the last two years, codes in order."""
    from django.utils import timezone

    from egov.dossiers.constants import OPEN_STATUSES, RECEIPT_CODE_FORMAT, Channel, Status
    from egov.dossiers.models import Dossier
    from egov.dossiers.services import legal_deadline

    now = timezone.now()
    ages = sorted((rng.random() ** 1.3 * 730 for _ in range(count)), reverse=True)
    rows: list[Dossier] = []
    sequence = 0
    for age in ages:
        procedure = procedures[0] if rng.random() < 0.4 else rng.choice(procedures)
        created = now - timedelta(days=age, minutes=rng.randint(5, 600))
        dossier = Dossier(
            procedure=procedure,
            agency=agency,
            applicant=rng.choice(applicants),
            channel=rng.choices(
                [Channel.ONLINE, Channel.COUNTER, Channel.POST], weights=[70, 25, 5]
            )[0],
            form_data=form_data(rng),
            created_at=created,
        )
        rows.append(dossier)
        if rng.random() < 0.05:  # a draft: no code, not in the queue
            continue
        dossier.status = _mix(rng, age)
        dossier.submitted_at = created + timedelta(minutes=rng.randint(1, 60))
        sequence += 1
        day = timezone.localtime(dossier.submitted_at)
        dossier.code = RECEIPT_CODE_FORMAT.format(unit=agency.unit_code, day=day, number=sequence)
        if dossier.channel == Channel.COUNTER:
            dossier.submitted_by = processors[0]
        if dossier.status in {Status.SUBMITTED, Status.REFUSED}:
            if dossier.status == Status.REFUSED:
                dossier.finished_at = dossier.submitted_at + timedelta(hours=3)
            continue
        dossier.received_at = dossier.submitted_at + timedelta(hours=rng.randint(1, 20))
        dossier.due_at = legal_deadline(dossier.received_at, procedure.processing_days)
        if dossier.status == Status.AWAITING_SUPPLEMENT:
            dossier.resume_status = Status.RECEIVED
            dossier.clock_stopped_at = dossier.received_at + timedelta(hours=5)
        if dossier.status not in {Status.RECEIVED, Status.AWAITING_SUPPLEMENT}:
            dossier.assignee = rng.choice(processors)
        if dossier.status not in OPEN_STATUSES:
            finish = dossier.due_at - timedelta(hours=rng.randint(-30, 60))
            dossier.decided_at = dossier.finished_at = min(finish, now)
        if dossier.status == Status.RESULT_READY:
            dossier.finished_at = None
        dossier.version = 4
    return rows


def seed(args: argparse.Namespace) -> dict[str, Any]:
    """``--dossiers`` rows for the ward, ``--small`` for the baseline ward, a few thousand
    applicants, six processors; bulk_create, then VACUUM ANALYZE on PostgreSQL (as autovacuum
    would). SQLite gets no ANALYZE: Django never runs one."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from egov.catalog.selectors import current_procedures, performing_agencies
    from egov.core.models import Agency
    from egov.dossiers.constants import Status
    from egov.dossiers.models import Dossier, ReceiptSequence
    from egov.identity.models import User, UserKind
    from egov.identity.officials.services import create_official

    started = time.perf_counter()
    rng = random.Random(20261122)
    ward = Agency.objects.get(code=WARD)
    small = Agency.objects.get(code=SMALL_WARD)
    procedures = [p for p in current_procedures() if ward in performing_agencies(p)]
    procedures.sort(key=lambda p: p.code != BIRTH)  # birth registration first: 40 % of rows
    applicants = User.objects.bulk_create(
        (
            User(
                username=f"0018{n:08d}",
                personal_id=f"0018{n:08d}",
                full_name=f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
                email=f"cd{n}@example.vn" if rng.random() < 0.6 else "",
                phone=f"0914{n:06d}",
                kind=UserKind.CITIZEN,
                password=make_password(None),
            )
            for n in range(args.applicants)
        ),
        batch_size=1000,
    )
    receiver = User.objects.get(username=RECEIVER)
    processors = [receiver] + [
        create_official(
            username=f"bench.processor{n}",
            full_name=f"Cán bộ xử lý {n}",
            password="!",
            agency=ward,
            roles=["processor"],
        )
        for n in range(5)
    ]
    with transaction.atomic():
        for agency, count in ((ward, args.dossiers), (small, args.small)):
            rows = _build_dossiers(agency, count, applicants, processors, procedures, rng)
            Dossier.objects.bulk_create(rows, batch_size=2000)
            issued = sum(1 for row in rows if row.code)
            ReceiptSequence.objects.update_or_create(agency=agency, defaults={"last": issued})
    if connection.vendor == "postgresql":  # what autovacuum does soon after a bulk load
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    counts = {
        agency.code: {
            status: Dossier.objects.filter(agency=agency, status=status).count()
            for status in Status.values
        }
        for agency in (ward, small)
    }
    return {"seconds": time.perf_counter() - started, "counts": counts}


# --- queue latency -------------------------------------------------------------------------------


def log_in_official(client: Any, official: Any) -> None:
    """Log in as the login page leaves an official: logged in, and the second factor (an
    enrolled authenticator, django-otp) proven in the session."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(official)
    device, _ = TOTPDevice.objects.get_or_create(
        user=official, name="bench", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def _spread(pages: int, n: int) -> list[int]:
    """``n`` page numbers evenly spread over 1..pages (first and last included), shuffled."""
    if pages <= 1:
        return [1] * n
    chosen = [1 + round(i * (pages - 1) / (n - 1)) for i in range(n)]
    random.Random(n).shuffle(chosen)
    return chosen


def _time_requests(client: Any, path: str, params: list[dict[str, Any]]) -> list[float]:
    samples = []
    for query in params:
        began = time.perf_counter()
        response = client.get(path, query)
        samples.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} {query} -> {response.status_code}")
    return samples


def queue(args: argparse.Namespace) -> dict[str, Any]:
    """GET /backoffice/?filter=... and /api/v1/backoffice/dossiers, in process, logged in as a
    receiver (force_login), over the big and the small queue."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from egov.core.models import Agency
    from egov.dossiers import selectors
    from egov.identity.models import User

    receiver = User.objects.get(username=RECEIVER)
    client = Client()
    log_in_official(client, receiver)
    result: dict[str, Any] = {"page": {}, "api": {}, "queries": {}, "pages": {}}
    for label, code in (("big", WARD), ("small", SMALL_WARD)):
        agency = Agency.objects.get(code=code)
        for which in FILTERS:
            total = selectors.agency_queue(agency.pk, receiver, which).count()
            pages = max(1, -(-total // PAGE_SIZE))
            result["pages"][f"{label}:{which}"] = {"rows": total, "pages": pages}
            spread = [
                {"agency": code, "filter": which, "page": page}
                for page in _spread(pages, args.requests)
            ]
            first = [{"agency": code, "filter": which}] * args.first
            _time_requests(client, "/backoffice/", spread[:5])  # warm up
            with CaptureQueriesContext(connection) as captured:
                _time_requests(client, "/backoffice/", first[:1])
            result["queries"][f"{label}:{which}"] = len(captured)
            result["page"][f"{label}:{which}:first"] = percentiles(
                _time_requests(client, "/backoffice/", first)
            )
            result["page"][f"{label}:{which}:spread"] = percentiles(
                _time_requests(client, "/backoffice/", spread)
            )
            api = "/api/v1/backoffice/dossiers"
            _time_requests(client, api, spread[:3])
            result["api"][f"{label}:{which}:spread"] = percentiles(
                _time_requests(client, api, spread[: args.api_requests])
            )
    # The home page: the floor of any page through the same middleware and templates.
    result["home"] = percentiles(_time_requests(Client(), "/", [{}] * args.first))
    return result


# --- baseline: plain inserts of the same size ----------------------------------------------------


def inserts(args: argparse.Namespace) -> dict[str, Any]:
    """Threads inserting one row per transaction (form JSON + bytes of the files' size) into a
    plain table through Django's connection, from ``--start-at`` for ``--duration`` seconds."""
    from django.db import connection, transaction
    from django.utils import timezone

    counts = [0] * args.threads
    latencies: list[list[float]] = [[] for _ in range(args.threads)]
    errors: list[str] = []
    base = os.urandom(args.bytes)
    sql = f"INSERT INTO {PAYLOAD_TABLE} (created_at, form, files) VALUES (%s, %s, %s)"

    def work(index: int) -> None:
        rng = random.Random(index)
        while time.time() < args.start_at:
            time.sleep(0.001)
        stop = args.start_at + args.duration
        n = 0
        try:
            while time.time() < stop:
                form = json.dumps(form_data(rng), ensure_ascii=False)
                blob = f"{os.getpid()}:{index}:{n}:".encode() + base  # distinct bytes per row
                began = time.perf_counter()
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(sql, [timezone.now(), form, blob])
                latencies[index].append((time.perf_counter() - began) * 1000)
                n += 1
                counts[index] = n
        except Exception as exc:  # report, do not hide
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(args.threads)]
    cpu_before = time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "count": sum(counts),
        "errors": errors,
        "latency": percentiles([x for part in latencies for x in part]),
        "cpu_seconds": time.process_time() - cpu_before,
    }


# --- verify what the submission benchmark wrote --------------------------------------------------


def verify(args: argparse.Namespace) -> dict[str, Any]:
    from django.core.files.storage import default_storage

    from egov.core.models import StoredFile
    from egov.dossiers.constants import Status
    from egov.dossiers.models import Dossier, DossierComponent, DossierEvent

    new = Dossier.objects.filter(pk__gt=args.since_id)
    files = StoredFile.objects.filter(
        pk__in=DossierComponent.objects.filter(dossier__in=new).values("file")
    )
    sample = list(files.order_by("?")[:20])
    return {
        "dossiers": new.count(),
        "submitted": new.filter(status=Status.SUBMITTED).exclude(code=None).count(),
        "distinct_codes": new.values("code").distinct().count(),
        "components": DossierComponent.objects.filter(dossier__in=new).count(),
        "stored_files": files.count(),
        "sample_files_on_disk": sum(default_storage.exists(f.storage_name) for f in sample),
        "sample_size": len(sample),
        "events": DossierEvent.objects.filter(dossier__in=new).count(),
    }


def max_dossier_id(args: argparse.Namespace) -> dict[str, Any]:
    from django.db.models import Max

    from egov.dossiers.models import Dossier

    return {"max_id": Dossier.objects.aggregate(m=Max("id"))["m"] or 0}


def main() -> None:
    parser = argparse.ArgumentParser()
    steps = ["setup", "seed", "queue", "inserts", "verify", "maxid", "insights_load"]
    parser.add_argument("step", choices=[*steps, "insights_measure"])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--applicants", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--first", type=int, default=50)
    parser.add_argument("--api-requests", type=int, default=100)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--start-at", type=float, default=0.0)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--bytes", type=int, default=22_000)
    parser.add_argument("--since-id", type=int, default=0)
    parser.add_argument("--facts", type=int, default=10_000_000)
    parser.add_argument("--repeat-pages", type=int, default=20)
    parser.add_argument("--repeat-baseline", type=int, default=3)
    parser.add_argument("--repeat-events", type=int, default=20)
    args = parser.parse_args()
    django.setup()
    steps = {
        "setup": setup,
        "seed": seed,
        "queue": queue,
        "inserts": inserts,
        "verify": verify,
        "maxid": max_dossier_id,
        "insights_load": insights_steps.load,
        "insights_measure": insights_steps.measure,
    }
    result = steps[args.step](args)
    args.out.write_text(json.dumps(result, default=str))


if __name__ == "__main__":
    sys.exit(main())
