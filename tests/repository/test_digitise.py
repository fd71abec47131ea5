"""Digitisation at the counter: scans and descriptions of paper components go to the
applicant's repository."""

import io
from collections.abc import Callable
from datetime import date

import pytest

from egov.core.models import Agency, AuditEntry
from egov.dossiers import services as dossier_services
from egov.dossiers.constants import ComponentSource, Status
from egov.dossiers.models import Dossier, DossierEvent
from egov.dossiers.services import Upload
from egov.identity.models import User
from egov.repository.constants import SignatureState
from egov.repository.models import RepositoryDocument
from egov.repository.services import (
    InvalidInput,
    NotAllowed,
    NotFound,
    PaperDocument,
    WrongState,
    digitise,
)
from tests.conftest import png_bytes

pytestmark = pytest.mark.django_db

NOTICE = PaperDocument(
    document_type="GIAY_CHUNG_SINH",
    number="CS-4567",
    issuer_name="Bệnh viện Phụ sản Hà Nội",
    issued_on=date(2026, 10, 30),
)


def test_digitising_files_the_documents_and_records_the_event(
    counter_dossier: Dossier, staff: dict[str, User], citizen: User
) -> None:
    scan = png_bytes()
    papers = {
        "GIAY_CHUNG_SINH": PaperDocument(
            **{
                **NOTICE.__dict__,
                "upload": Upload("giay-chung-sinh.png", io.BytesIO(scan), len(scan)),
            }
        )
    }
    documents = digitise(counter_dossier.pk, staff["receiver"], papers)

    [document] = documents  # the declaration (no document type) is scanned, not filed
    assert document.owner_person == citizen
    assert document.signature_state == SignatureState.DIGITISED
    assert (document.document_type, document.number) == ("GIAY_CHUNG_SINH", "CS-4567")
    assert document.issuer_name == "Bệnh viện Phụ sản Hà Nội" and document.issuer is None
    assert document.source_dossier == counter_dossier and document.created_by == staff["receiver"]
    assert document.file.content_type == "image/png" and document.is_intact
    component = counter_dossier.components.get(code="GIAY_CHUNG_SINH")
    assert (
        component.repository_document_id == document.pk and component.source == ComponentSource.SCAN
    )
    event = DossierEvent.objects.get(dossier=counter_dossier, kind="digitised")
    assert event.data == {"components": ["TO_KHAI", "GIAY_CHUNG_SINH"]}
    assert event.actor == staff["receiver"]
    audit = AuditEntry.objects.get(action="dossier_digitised")
    assert audit.object_id == str(counter_dossier.pk) and audit.data["documents"] == [document.pk]


def test_the_scan_taken_at_filing_is_kept_without_a_new_upload(
    counter_dossier: Dossier, staff: dict[str, User]
) -> None:
    before = counter_dossier.components.get(code="GIAY_CHUNG_SINH").file
    [document] = digitise(counter_dossier.pk, staff["receiver"], {"GIAY_CHUNG_SINH": NOTICE})
    assert document.file == before


def test_descriptions_are_required_and_checked(
    counter_dossier: Dossier, staff: dict[str, User]
) -> None:
    bad = PaperDocument(document_type="HO_CHIEU", number=" ", issuer_name="", issued_on=None)
    with pytest.raises(InvalidInput) as refusal:
        digitise(counter_dossier.pk, staff["receiver"], {"GIAY_CHUNG_SINH": bad})
    assert set(refusal.value.errors) == {
        "GIAY_CHUNG_SINH:document_type",
        "GIAY_CHUNG_SINH:number",
        "GIAY_CHUNG_SINH:issuer",
        "GIAY_CHUNG_SINH:issued_on",
    }
    with pytest.raises(InvalidInput) as refusal:
        digitise(counter_dossier.pk, staff["receiver"], {})
    assert "GIAY_CHUNG_SINH:number" in refusal.value.errors
    not_pdf = PaperDocument(
        **{**NOTICE.__dict__, "upload": Upload("x.pdf", io.BytesIO(b"MZ..."), 5)}
    )
    with pytest.raises(InvalidInput) as refusal:
        digitise(counter_dossier.pk, staff["receiver"], {"GIAY_CHUNG_SINH": not_pdf})
    assert "GIAY_CHUNG_SINH:file" in refusal.value.errors
    assert not RepositoryDocument.objects.exists()
    assert not DossierEvent.objects.filter(kind="digitised").exists()


def test_only_receivers_of_the_agency_digitise(
    counter_dossier: Dossier,
    staff: dict[str, User],
    make_official: Callable[..., User],
    other_ward: Agency,
    citizen: User,
) -> None:
    papers = {"GIAY_CHUNG_SINH": NOTICE}
    for role in ("processor", "approver"):
        with pytest.raises(NotAllowed):
            digitise(counter_dossier.pk, staff[role], papers)
    elsewhere = make_official(other_ward, "receiver")
    with pytest.raises(NotFound):
        digitise(counter_dossier.pk, elsewhere, papers)
    with pytest.raises(NotAllowed):  # the applicant sees the dossier, but does not digitise it
        digitise(counter_dossier.pk, citizen, papers)
    assert AuditEntry.objects.filter(action="permission_denied").count() == 4
    assert not RepositoryDocument.objects.exists()


def test_once_and_for_counter_dossiers_only(
    counter_dossier: Dossier, staff: dict[str, User], make_dossier: Callable[..., Dossier]
) -> None:
    digitise(counter_dossier.pk, staff["receiver"], {"GIAY_CHUNG_SINH": NOTICE})
    with pytest.raises(WrongState):
        digitise(counter_dossier.pk, staff["receiver"], {"GIAY_CHUNG_SINH": NOTICE})
    online = make_dossier(Status.RECEIVED)
    with pytest.raises(WrongState):
        digitise(online.pk, staff["receiver"], {"GIAY_CHUNG_SINH": NOTICE})
    assert RepositoryDocument.objects.count() == 1


def test_a_digitised_document_is_then_reusable(
    counter_dossier: Dossier, staff: dict[str, User], citizen: User, catalog: dict, agencies: dict
) -> None:
    from egov.repository import selectors

    digitise(counter_dossier.pk, staff["receiver"], {"GIAY_CHUNG_SINH": NOTICE})
    draft = dossier_services.start_draft(citizen, catalog["1.001193"], agencies["000.00.31.H26"])
    assert [d.number for d in selectors.reuse_offers(citizen, draft)["GIAY_CHUNG_SINH"]] == [
        "CS-4567"
    ]
