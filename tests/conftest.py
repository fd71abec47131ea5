"""Shared fixtures: the demo agency tree and catalogue, people, and dossiers in any state."""

import functools
import io
import os
import shutil
import struct
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model
from django.test import Client
from django.utils import timezone, translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from egov.catalog.models import Procedure, ProcedureGroup
from egov.catalog.services import load_catalog
from egov.core.calendar import VIETNAM
from egov.core.models import Agency, AuditChainHead, AuditEntry
from egov.core.pdf import Document
from egov.core.services import load_agencies
from egov.core.sms import MemorySmsBackend
from egov.dossiers import services
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.dossiers.services import Upload
from egov.identity.models import User
from egov.identity.officials.services import create_official
from egov.identity.services import create_citizen
from egov.identity.tokens import issue_api_token
from egov.repository.models import RepositoryDocument


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``postgres`` (row locks, concurrent transactions) skip on SQLite."""
    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgres://…")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


PASSWORD = "Test@12345"
WARD = "000.00.31.H26"  # UBND phường Ba Đình: performs birth registration
OTHER_WARD = "000.00.32.H26"  # UBND phường Hoàn Kiếm
BIRTH = "1.001193"
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


#: Every component checked as valid at intake.
BIRTH_CHECKLIST = {"TO_KHAI": (True, ""), "GIAY_CHUNG_SINH": (True, "")}
BUSINESS = "1.001612"  # Đăng ký thành lập hộ kinh doanh: 3 working days, commune level
BUSINESS_FORM = {
    "owner_full_name": "Phạm Văn Đức",
    "owner_personal_id": "001085012345",
    "business_name": "Hộ kinh doanh Hoa Mai",
    "business_address": "25 Liễu Giai, phường Ba Đình, Hà Nội",
    "business_lines": "Bán lẻ hoa tươi (4773)",
    "capital": 50000000,
}
BUSINESS_CHECKLIST = {"GIAY_DE_NGHI": (True, ""), "GIAY_TO_PHAP_LY": (True, "")}


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment in Hà Nội time."""
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


@functools.cache
def pdf_bytes(title: str = "Tài liệu") -> bytes:
    """A small valid PDF; cached per title because fpdf2 is slow and the bytes need not differ."""
    pdf = Document(title)
    pdf.heading(title)
    return pdf.to_bytes()


def png_bytes() -> bytes:
    """A valid 1×1 PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def pdf_upload(title: str = "Tài liệu") -> Upload:
    data = pdf_bytes(title)
    return Upload(name=f"{title}.pdf", stream=io.BytesIO(data), size=len(data))


def birth_files() -> dict[str, Upload]:
    return {"TO_KHAI": pdf_upload("Tờ khai"), "GIAY_CHUNG_SINH": pdf_upload("Giấy chứng sinh")}


def business_files() -> dict[str, Upload]:
    return {
        "GIAY_DE_NGHI": pdf_upload("Giấy đề nghị"),
        "GIAY_TO_PHAP_LY": pdf_upload("Căn cước"),
    }


def bearer(user: User) -> dict[str, str]:
    """Request headers authenticating ``user`` with a fresh API token."""
    return {"Authorization": f"Bearer {issue_api_token(user, 'tests')}"}


def log_in(client: Client, user: User) -> None:
    """Log ``user`` in on ``client`` as the login page would leave them: an official also with
    the second factor proven (an enrolled authenticator, recorded in the session as django-otp
    does). ``client.login()`` cannot be used: django-axes needs a request."""
    client.force_login(user)
    if user.is_official:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="tests", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


def totp_code(device: TOTPDevice) -> str:
    """A code ``device`` accepts now: the current time step's, or the next step's when the
    current one was used already (django-otp accepts each step once, and one step ahead)."""
    device.refresh_from_db()
    now = int((time.time() - device.t0) // device.step) + device.drift
    step = max(now, device.last_t + 1)
    assert step <= now + device.tolerance, "no code is valid before the next time step"
    return f"{hotp(device.bin_key, step, digits=device.digits):0{device.digits}d}"


#: What loading the reference data writes, as rows: the first load of a test process goes
#: through the loaders, and a transactional test (whose database is emptied after it) gets the
#: same rows back in one insert per table instead of parsing the catalogue again.
REFERENCE_MODELS: tuple[type[Model], ...] = (
    Agency,
    Procedure,
    ProcedureGroup,
    AuditEntry,
    AuditChainHead,
)
_reference_rows: dict[type[Model], list[dict[str, Any]]] = {}


def _load_reference_data() -> None:
    """The agency tree and the catalogue, unless present (a transactional test empties the DB)."""
    empty = not any(model.objects.exists() for model in REFERENCE_MODELS)
    if empty and _reference_rows:
        _restore_reference_rows()
        return
    if not Agency.objects.exists():
        load_agencies(settings.AGENCIES_FILE)
    if not Procedure.objects.exists():
        load_catalog(settings.CATALOG_DIR)
    if empty:  # nothing but the loaders' rows: keep them for the next emptied database
        for model in REFERENCE_MODELS:
            _reference_rows[model] = list(model.objects.order_by("pk").values())


def _restore_reference_rows() -> None:
    with transaction.atomic():  # foreign keys are checked at the commit: any order will do
        for model, rows in _reference_rows.items():
            model.objects.bulk_create(model(**row) for row in rows)
        # PostgreSQL's sequences do not move with explicit ids: set them past the rows.
        statements = connection.ops.sequence_reset_sql(no_style(), list(_reference_rows))
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None, request: pytest.FixtureRequest
) -> None:
    """On SQLite the test database is a file (in memory when /dev/shm has room), not
    Django's in-memory database: with that one, the live server's threads all share the test's
    single connection, and two requests at once (a page polling while another posts) can fail
    at random, as Django warns. With a file each thread has its own connection, queued by WAL
    and the busy timeout as in production."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        worker = getattr(request.config, "workerinput", {}).get("workerid", "main")
        shm = Path("/dev/shm")
        roomy = shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 2**30
        folder = shm if roomy else Path(tempfile.gettempdir())
        name = folder / f"egov-test-{os.getpid()}-{worker}.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(name)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """Load the reference data once per test database; each test rolls back its own changes."""
    with django_db_blocker.unblock():
        _load_reference_data()


@pytest.fixture
def start_of_an_hour() -> Iterator[None]:
    """Time moved to the start of the next hour, running on: the rate limiters count per whole
    hour, so a test using it cannot straddle two windows."""
    hour = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    with time_machine.travel(hour, tick=True):
        yield


@pytest.fixture(autouse=True)
def _clean_sms_outbox() -> None:
    MemorySmsBackend.outbox.clear()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language: a request for English in one test (the locale
    middleware activates it for the thread) must not leak into the next."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def agencies(db: Any) -> dict[str, Agency]:
    _load_reference_data()
    return {agency.code: agency for agency in Agency.objects.all()}


@pytest.fixture
def catalog(agencies: dict[str, Agency]) -> dict[str, Procedure]:
    return {procedure.code: procedure for procedure in Procedure.objects.filter(is_current=True)}


@pytest.fixture
def birth(catalog: dict[str, Procedure]) -> Procedure:
    return catalog[BIRTH]


@pytest.fixture
def business(catalog: dict[str, Procedure]) -> Procedure:
    return catalog[BUSINESS]


@pytest.fixture
def ward(agencies: dict[str, Agency]) -> Agency:
    return agencies[WARD]


@pytest.fixture
def other_ward(agencies: dict[str, Agency]) -> Agency:
    return agencies[OTHER_WARD]


_citizen_counter = iter(range(1, 10**6))


@pytest.fixture
def make_citizen(db: Any) -> Callable[..., User]:
    def make(**extra: Any) -> User:
        n = next(_citizen_counter)
        defaults = {
            "personal_id": f"0010900{n:05d}",
            "full_name": f"Công dân {n}",
            "email": f"citizen{n}@example.vn",
            "phone": f"09120{n:05d}",
            # Verified against the population registry, so that every procedure may be filed;
            # tests of identity levels ask for less.
            "identity_level": 2,
        }
        defaults.update(extra)
        return create_citizen(password=PASSWORD, **defaults)

    return make


@pytest.fixture
def citizen(make_citizen: Callable[..., User]) -> User:
    return make_citizen(full_name="Trần Thị Bình")


@pytest.fixture
def other_citizen(make_citizen: Callable[..., User]) -> User:
    return make_citizen(full_name="Lê Văn Cường")


@pytest.fixture
def make_official(db: Any) -> Callable[..., User]:
    def make(agency: Agency, *roles: str, username: str = "") -> User:
        name = username or f"{'-'.join(roles) or 'none'}.{agency.code}"
        return create_official(
            username=name,
            full_name=f"Cán bộ {name}",
            password=PASSWORD,
            agency=agency,
            roles=list(roles),
        )

    return make


@pytest.fixture
def login_official(db: Any) -> Callable[[Client, User], None]:
    """``login_official(client, user)``: see :func:`log_in` (citizens are logged in plainly)."""
    return log_in


@pytest.fixture
def staff(ward: Agency, make_official: Callable[..., User]) -> dict[str, User]:
    """One official per role at the ward."""
    return {
        role: make_official(ward, role)
        for role in ("receiver", "processor", "approver", "agency_admin")
    }


@pytest.fixture
def make_dossier(
    birth: Procedure, ward: Agency, citizen: User, staff: dict[str, User]
) -> Callable[..., Dossier]:
    """A birth-registration dossier driven through the lifecycle up to ``status``."""

    def make(status: str = Status.SUBMITTED, applicant: User | None = None) -> Dossier:
        owner = applicant or citizen
        if status == Status.DRAFT:
            return services.start_draft(owner, birth, ward)
        dossier, _ = services.submit_online(owner, birth, ward, BIRTH_FORM, birth_files())
        steps: dict[str, Callable[[Dossier], Dossier]] = {
            Status.RECEIVED: lambda d: services.receive(d.pk, staff["receiver"], BIRTH_CHECKLIST),
            Status.PROCESSING: lambda d: services.assign(
                d.pk, staff["receiver"], staff["processor"]
            ),
            Status.AWAITING_APPROVAL: lambda d: services.propose(d.pk, staff["processor"]),
            Status.RESULT_READY: lambda d: services.approve(d.pk, staff["approver"]),
            Status.RETURNED: lambda d: services.return_result(d.pk, staff["receiver"]),
        }
        order = [
            Status.RECEIVED,
            Status.PROCESSING,
            Status.AWAITING_APPROVAL,
            Status.RESULT_READY,
            Status.RETURNED,
        ]
        terminal = {
            Status.REFUSED: (
                Status.SUBMITTED,
                lambda d: services.refuse_intake(d.pk, staff["receiver"], "Thiếu giấy tờ"),
            ),
            Status.REJECTED: (
                Status.PROCESSING,
                lambda d: services.reject(d.pk, staff["processor"], "Không đủ điều kiện"),
            ),
            Status.WITHDRAWN: (
                Status.SUBMITTED,
                lambda d: services.withdraw(d.pk, owner, "Nộp nhầm"),
            ),
            Status.AWAITING_SUPPLEMENT: (
                Status.RECEIVED,
                lambda d: services.request_supplement(
                    d.pk, staff["receiver"], "Bổ sung giấy chứng sinh", ["GIAY_CHUNG_SINH"]
                ),
            ),
        }
        target, finish = terminal.get(status, (status, None))
        if target != Status.SUBMITTED:
            for step in order[: order.index(target) + 1]:
                dossier = steps[step](dossier)
        if finish:
            dossier = finish(dossier)
        dossier.refresh_from_db()
        assert dossier.status == status
        return dossier

    return make


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """Rate limits (egov.identity.ratelimit) count in the cache: each test starts afresh."""
    cache.clear()
    yield


@pytest.fixture
def counter_dossier(
    staff: dict[str, User], citizen: User, birth: Procedure, ward: Agency
) -> Dossier:
    """A birth registration the citizen filed on paper at the ward's counter."""
    return services.submit_at_counter(
        staff["receiver"], citizen, birth, ward, BIRTH_FORM, birth_files()
    )


@pytest.fixture
def birth_certificate(make_dossier: Callable[..., Dossier]) -> RepositoryDocument:
    """The citizen's birth certificate extract: a result of 1.001193, approved, signed by the
    ward and filed in the repository from the records part's ``result_signed`` event."""
    dossier = make_dossier(Status.RESULT_READY)
    return RepositoryDocument.objects.get(source_dossier=dossier)
