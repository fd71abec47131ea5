"""Results are produced from their template, signed (PAdES with the agency's certificate and an
RFC 3161 time-stamp) and attached to the dossier; pyHanko validates them on its own."""

import io
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from asn1crypto import cms
from django.utils import timezone
from pypdf import PdfReader

from egov.core.models import Agency, Notification, NotificationStatus
from egov.dossiers import services as dossier_services
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier, DossierEvent
from egov.identity.models import User
from egov.records import pki, signing
from egov.records.models import CertificateKind, ResultDocument, ResultStatus
from egov.records.services import new_code
from tests.records.conftest import development_root_asn1, independent_status, signed_pdf

RESULT_EVENTS = ("result_ready", "result_signed")


def test_approval_issues_a_signed_result_with_the_event_contract(
    signed: ResultDocument,
) -> None:
    dossier = Dossier.objects.get(pk=signed.dossier_id)
    assert signed.status == ResultStatus.SIGNED and signed.attempts == 1
    assert dossier.result_file == signed.file and signed.file is not None
    assert signed.sha256 == signed.file.sha256
    event = DossierEvent.objects.get(dossier=dossier, kind="result_signed")
    assert event.data == {"document": signed.code}
    assert signed.document_type == "GIAY_KHAI_SINH"
    assert signed.signer == "Ủy ban nhân dân phường Ba Đình"


def test_an_independent_pyhanko_validation_accepts_the_signature(signed: ResultDocument) -> None:
    status = independent_status(signed_pdf(signed), [development_root_asn1()])
    assert status.bottom_line
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    stamp = status.timestamp_validity
    assert stamp is not None and stamp.intact and stamp.valid and stamp.trusted
    assert status.signing_cert.subject.native["organizational_unit_name"] == "000.00.31.H26"
    # Against no trust root at all the same signature is intact but not trusted.
    untrusted = independent_status(signed_pdf(signed), [])
    assert untrusted.intact and not untrusted.trusted and not untrusted.bottom_line


def test_the_certificate_chain_is_embedded(signed: ResultDocument) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(signed_pdf(signed)))
    (signature,) = reader.embedded_signatures
    data: cms.SignedData = signature.signed_data
    subjects = {c.chosen.subject.native["common_name"] for c in data["certificates"]}
    assert subjects == {"Ủy ban nhân dân phường Ba Đình", pki.ROOT_NAME}


def test_the_document_says_what_the_template_says_in_vietnamese(signed: ResultDocument) -> None:
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(signed_pdf(signed))).pages)
    assert "GIẤY KHAI SINH" in text
    assert "Nguyễn Minh Khôi" in text or "Trần Minh Khôi" in text
    # The agency's name wraps in the header's left column, as on the official forms.
    assert "Ủy ban nhân dân phường Ba Đình".upper() in " ".join(text.split())
    assert signed.code in text
    assert f"/verify/{signed.code}/" in text


def test_every_result_type_of_the_catalogue_renders(
    make_dossier: Callable[..., Dossier],
) -> None:
    """The templates of the catalogue's result types, and the general one for the others."""
    from egov.catalog.models import Procedure
    from egov.records import documents

    dossier = make_dossier(Status.PROCESSING)
    for procedure in Procedure.objects.all():
        dossier.procedure = procedure
        pdf = documents.render(dossier, new_code(), dossier.received_at)
        text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
        template = documents.template_for(
            procedure.definition["result"]["document_type"], procedure.definition["result"]["name"]
        )
        assert template.title in text, procedure.code


def test_verification_codes_are_unique_and_unguessable() -> None:
    codes = {new_code() for _ in range(1000)}
    assert len(codes) == 1000
    assert all(len(code) == 19 and code.count("-") == 3 for code in codes)


def test_the_result_cannot_be_returned_before_it_is_signed(
    make_dossier: Callable[..., Dossier],
    staff: dict[str, User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def tsa_down(*args: object, **kwargs: object) -> None:
        raise ConnectionError("TSA unreachable")

    monkeypatch.setattr(signing, "sign_pdf", tsa_down)
    dossier = make_dossier(Status.RESULT_READY)
    document = ResultDocument.objects.get(dossier=dossier)
    assert document.status == ResultStatus.FAILED  # retried at once by the immediate backend
    assert document.attempts == 5 and document.last_error == "ConnectionError: TSA unreachable"
    with pytest.raises(dossier_services.WrongState) as refused:
        dossier_services.return_result(dossier.pk, staff["receiver"])
    assert "chưa được ký số" in refused.value.message or "not been signed" in refused.value.message
    dossier.refresh_from_db()
    assert dossier.status == Status.RESULT_READY and dossier.result_file is None
    assert not DossierEvent.objects.filter(dossier=dossier, kind="result_signed").exists()


def test_the_refusal_is_in_vietnamese(
    make_dossier: Callable[..., Dossier],
    staff: dict[str, User],
    monkeypatch: pytest.MonkeyPatch,
    client: object,
) -> None:
    from django.utils import translation

    monkeypatch.setattr(signing, "sign_pdf", lambda *a, **k: 1 / 0)
    dossier = make_dossier(Status.RESULT_READY)
    with translation.override("vi"), pytest.raises(dossier_services.WrongState) as refused:
        dossier_services.return_result(dossier.pk, staff["receiver"])
    assert refused.value.message == (
        "Kết quả giải quyết chưa được ký số; chỉ trả kết quả sau khi đã ký số."
    )


def test_a_failed_signing_is_retried_and_then_succeeds(
    make_dossier: Callable[..., Dossier],
    staff: dict[str, User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = signing.sign_pdf
    calls: list[int] = []

    def flaky(*args: object, **kwargs: object) -> signing.Signature:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("TSA unreachable")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(signing, "sign_pdf", flaky)
    dossier = make_dossier(Status.RESULT_READY)
    document = ResultDocument.objects.get(dossier=dossier)
    assert len(calls) == 2
    assert (document.status, document.attempts, document.last_error) == (
        ResultStatus.SIGNED,
        2,
        "",
    )
    returned = dossier_services.return_result(dossier.pk, staff["receiver"])
    assert returned.status == Status.RETURNED


def test_a_deferring_backend_retries_with_backoff(
    make_dossier: Callable[..., Dossier],
    monkeypatch: pytest.MonkeyPatch,
    settings: object,
) -> None:
    from django_tasks import task_backends
    from django_tasks.backends.dummy import DummyBackend

    from egov.records import tasks

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # type: ignore[attr-defined]
    dossier = make_dossier(Status.RESULT_READY)  # enqueued, not run
    backend = task_backends["default"]
    assert isinstance(backend, DummyBackend)
    document = ResultDocument.objects.get(dossier=dossier)
    assert document.status == ResultStatus.PENDING
    assert [r.args for r in backend.results] == [[document.pk]]
    monkeypatch.setattr(signing, "sign_pdf", lambda *a, **k: 1 / 0)
    before = timezone.now()
    assert tasks.sign_result.call(document.pk) == ResultStatus.PENDING
    retry = backend.results[-1]
    assert retry.args == [document.pk] and retry.task.run_after is not None
    document.refresh_from_db()
    assert document.attempts == 1 and document.last_error.startswith("ZeroDivisionError")
    assert retry.task.run_after >= before + timedelta(seconds=60)  # 30 s × 2^attempts


def test_signing_twice_is_harmless(signed: ResultDocument) -> None:
    from egov.records import tasks

    assert tasks.sign_result.call(signed.pk) == ResultStatus.SIGNED
    assert DossierEvent.objects.filter(dossier=signed.dossier_id, kind="result_signed").count() == 1


def test_each_agency_signs_with_its_own_certificate(
    make_dossier: Callable[..., Dossier], other_ward: Agency
) -> None:
    ward_certificate = pki.agency_certificate(make_dossier(Status.SUBMITTED).agency)
    other = pki.agency_certificate(other_ward)
    assert ward_certificate.pk != other.pk
    assert pki.agency_certificate(other_ward).pk == other.pk  # made once
    assert other.kind == CertificateKind.AGENCY and other_ward.code in other.subject


def test_a_signature_larger_than_the_reserved_room_still_fits(
    make_dossier: Callable[..., Dossier], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long certificate chain outgrows the reserved room: pyHanko then sizes it itself."""
    monkeypatch.setattr(signing, "RESERVED_BYTES", 64)
    monkeypatch.setattr(signing, "_ROOM", {})
    dossier = make_dossier(Status.RESULT_READY)
    document = ResultDocument.objects.get(dossier=dossier)
    assert document.status == ResultStatus.SIGNED and document.attempts == 1
    assert independent_status(signed_pdf(document), [development_root_asn1()]).bottom_line


def _room(data: bytes) -> int:
    """The hex digits between the two ranges of the signature's /ByteRange."""
    found = re.search(rb"/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)", data)
    assert found is not None
    return int(found.group(2)) - int(found.group(1)) - 2


def test_the_room_for_a_signature_is_measured_on_the_last_one(
    make_dossier: Callable[..., Dossier], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every verifier reads the whole room: after a certificate's first signature, the next is
    given what the first took plus half, not the default; both verify."""
    monkeypatch.setattr(signing, "_ROOM", {})
    documents = [
        ResultDocument.objects.get(dossier=make_dossier(Status.RESULT_READY)) for _ in range(2)
    ]
    first, second = (signed_pdf(document) for document in documents)
    assert _room(first) == signing.RESERVED_BYTES
    used = signing._signature_digits(first)
    assert 0 < used < signing.RESERVED_BYTES
    assert used + used // 2 <= _room(second) < signing.RESERVED_BYTES
    assert len(second) < len(first)
    for data in (first, second):
        assert independent_status(data, [development_root_asn1()]).bottom_line
        signature = PdfReader(io.BytesIO(data)).trailer["/Root"]["/AcroForm"]["/Fields"][0]
        contents = signature.get_object()["/V"]["/Contents"]
        assert len(cms.ContentInfo.load(bytes(contents)).dump()) * 2 == (
            signing._signature_digits(data)
        )


def test_the_applicant_is_told_of_the_result_once_it_is_signed_and_only_once(
    make_dossier: Callable[..., Dossier],
    staff: dict[str, User],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    mailoutbox: list[Any],
) -> None:
    from egov.records import tasks

    dossier = make_dossier(Status.AWAITING_APPROVAL)
    told = Notification.objects.filter(
        object_type="dossier", object_id=str(dossier.pk), topic__in=RESULT_EVENTS
    )
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        dossier_services.approve(dossier.pk, staff["approver"])  # signing enqueued, not run
    assert not told.exists() and mailoutbox == []

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    document = ResultDocument.objects.get(dossier=dossier)
    for _ in range(2):  # the task run twice (a worker died after signing): one notice
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.sign_result.call(document.pk) == ResultStatus.SIGNED
    assert set(told.values_list("topic", "channel", "status")) == {
        ("result_signed", "portal", NotificationStatus.SENT),
        ("result_signed", "email", NotificationStatus.SENT),
        ("result_signed", "sms", NotificationStatus.SENT),
    }
    [email] = mailoutbox
    assert f"Hồ sơ {dossier.code} đã có kết quả." in email.body


def test_a_result_whose_workers_died_too_often_is_marked_failed(
    make_dossier: Callable[..., Dossier], settings: Any
) -> None:
    """Not pending for ever: the page stops saying it is being signed, and officials see it."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult, get_date_max

    from egov.core.worker import recover_tasks

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    pending = ResultDocument.objects.get(dossier=make_dossier(Status.RESULT_READY))
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    signed = ResultDocument.objects.get(dossier=make_dossier(Status.RESULT_READY))
    settings.TASK_LEASE_SECONDS, settings.TASK_MAX_ATTEMPTS = 60, 3
    for document in (pending, signed):
        DBTaskResult.objects.create(
            status=TaskResultStatus.RUNNING,
            args_kwargs={"args": [document.pk], "kwargs": {}},
            task_path="egov.records.tasks.sign_result",
            backend_name="default",
            run_after=get_date_max(),
            started_at=timezone.now() - timedelta(minutes=5),
            worker_ids=["w1", "w2", "w3"],
        )
    assert recover_tasks().failed == 2
    pending.refresh_from_db()
    assert pending.status == ResultStatus.FAILED
    assert pending.last_error.startswith("egov.core.worker.WorkerLost: The worker stopped")
    signed.refresh_from_db()
    assert signed.status == ResultStatus.SIGNED and signed.last_error == ""
