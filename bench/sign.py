"""Electronic results signed per second on one core, next to plain PDF generation of the same
document measured in the same run (``BENCH_ONLY=sign make bench``; run by ``bench/run.py``).

In one process pinned to one CPU, on a throw-away SQLite database with the agency tree, the
catalogue and one approved-to-be birth registration:

* baseline: the result PDF produced from its template (``records.documents.render``);
* signed: the same PDF produced and signed (``records.signing.sign_pdf``: PAdES with the
  agency's RSA-2048 certificate and its chain, an RFC 3161 time-stamp from egov's own TSA
  in-process);
* verified: a signed PDF validated (``records.verification.verify_pdf``: pyHanko against the
  trust roots, the time-stamp, the issued-hash lookup).

    python bench/sign.py --out sign.json [--seconds 10]
"""

import argparse
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _environment(work: Path) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="egov.config.settings",
        SECRET_KEY="bench-sign-not-secret",
        AUDIT_HMAC_KEY="bench-sign-audit-not-secret",
        GATEWAY_TOKEN_KEY="bench-sign-token-not-secret",
        DEBUG="0",
        SIGNING_DEV_CA="1",
        SIGNING_KEY_PASSWORD="bench-signing-password",
        DATABASE_URL=f"sqlite:///{work / 'sign.sqlite3'}",
        MEDIA_ROOT=str(work / "media"),
        LOG_LEVEL="WARNING",
        TASKS_BACKEND="django_tasks.backends.dummy.DummyBackend",
        EGOV_FAST_PASSWORD_HASHER="1",
    )
    sys.path.insert(0, str(ROOT / "src"))


def _dossier() -> Any:
    from django.conf import settings
    from django.core.management import call_command

    from egov.catalog.selectors import get_procedure
    from egov.core.models import Agency
    from egov.dossiers import services
    from egov.identity.officials.services import create_official
    from egov.identity.services import create_citizen

    call_command("migrate", verbosity=0)
    quiet = io.StringIO()
    call_command("load_agencies", str(settings.AGENCIES_FILE), stdout=quiet)
    call_command("load_catalog", str(settings.CATALOG_DIR), stdout=quiet)
    ward = Agency.objects.get(code="000.00.31.H26")
    citizen = create_citizen(
        personal_id="001090000001", full_name="Nguyễn Văn An", password="x", identity_level=2
    )
    officer = create_official(
        username="bench.officer",
        full_name="Phạm Thu Hà",
        password="x",
        agency=ward,
        roles=["receiver", "processor", "approver"],
    )
    from egov.core.pdf import Document
    from egov.dossiers.services import Upload

    pdf = Document("Tờ khai")
    pdf.heading("Tờ khai")
    data = pdf.to_bytes()
    files = {
        code: Upload(f"{code}.pdf", io.BytesIO(data), len(data))
        for code in ("TO_KHAI", "GIAY_CHUNG_SINH")
    }
    form = {
        "child_full_name": "Nguyễn Minh Khôi",
        "child_birth_date": "2026-10-30",
        "child_sex": "Nam",
        "ethnicity": "Kinh",
        "birth_place": "Bệnh viện Phụ sản Hà Nội",
        "mother_full_name": "Trần Thị Bình",
        "relationship": "Mẹ",
        "copies": 1,
    }
    procedure = get_procedure("1.001193")
    dossier, _ = services.submit_online(citizen, procedure, ward, form, files)
    services.receive(dossier.pk, officer, dict.fromkeys(files, (True, "")))
    return services.assign(dossier.pk, officer, officer)


def _rate(work: Any, seconds: float) -> dict[str, float]:
    work()  # warm-up (fonts, keys, imports)
    count, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        work()
        count += 1
    elapsed = time.perf_counter() - began
    return {"count": count, "seconds": elapsed, "per_second": count / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    with tempfile.TemporaryDirectory(prefix="egov-bench-sign-") as folder:
        _environment(Path(folder))
        import django

        django.setup()
        from django.utils import timezone

        from egov.records import documents, pki, signing
        from egov.records.models import ResultDocument
        from egov.records.services import new_code
        from egov.records.verification import Outcome, verify_pdf

        dossier = _dossier()
        certificate = pki.agency_certificate(dossier.agency)
        code, issued = new_code(), timezone.now()

        def plain() -> bytes:
            return documents.render(dossier, code, issued)

        def signed() -> bytes:
            return signing.sign_pdf(plain(), certificate, "Giấy khai sinh", "Ba Đình").pdf

        signed()  # a worker's first signature sizes the room of the next ones (signing._ROOM)
        sample = signed()
        from egov.core.files import store_bytes

        stored = store_bytes(sample, "application/pdf")
        ResultDocument.objects.create(
            dossier=dossier,
            code=code,
            document_type="GIAY_KHAI_SINH",
            title="Giấy khai sinh",
            agency=dossier.agency,
            approved_by=dossier.assignee,
            issued_at=issued,
            status="signed",
            file=stored,
            sha256=stored.sha256,
        )
        assert verify_pdf(sample).outcome == Outcome.VALID
        result = {
            "plain": _rate(plain, args.seconds),
            "signed": _rate(signed, args.seconds),
            "verified": _rate(lambda: verify_pdf(sample), args.seconds),
            "pdf_bytes": len(plain()),
            "signed_bytes": len(sample),
        }
    Path(args.out).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
