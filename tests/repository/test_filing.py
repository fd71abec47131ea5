"""Signed results arrive in the repository from the records part's ``result_signed`` event."""

from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.utils import timezone

from egov.catalog.models import Procedure
from egov.core.files import store_bytes
from egov.dossiers import services as dossier_services
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier, DossierEvent
from egov.identity.models import Organisation, User
from egov.repository.constants import DOCUMENT_TYPES, SignatureState
from egov.repository.models import RepositoryDocument
from egov.repository.services import file_signed_result
from tests.conftest import pdf_upload

from .conftest import STAY, STAY_FORM, announce_signed_result

pytestmark = pytest.mark.django_db


def signed_event(dossier: Dossier) -> DossierEvent:
    return DossierEvent.objects.get(dossier=dossier, kind="result_signed")


def test_an_approved_result_is_signed_and_filed_for_the_applicant(
    make_dossier: Callable[..., Dossier], citizen: User
) -> None:
    dossier = make_dossier(Status.RESULT_READY)  # approval signs the result (immediate tasks)
    dossier.refresh_from_db()
    event = signed_event(dossier)

    document = RepositoryDocument.objects.get(source_dossier=dossier)
    assert document.owner_person == citizen and document.owner_organisation is None
    assert document.document_type == "GIAY_KHAI_SINH"  # the procedure's result type
    assert document.number == event.data["document"]
    assert document.issuer == dossier.agency and document.issuer_name == dossier.agency.name
    assert document.signature_state == SignatureState.SIGNED
    assert document.file == dossier.result_file
    assert document.sha256 == dossier.result_file.sha256 and document.is_intact
    assert document.issued_on == timezone.localdate(event.at)


def test_filing_is_idempotent(make_dossier: Callable[..., Dossier]) -> None:
    dossier = make_dossier(Status.RESULT_READY)
    event = signed_event(dossier)
    again = file_signed_result(event)
    # The same announcement written twice (a retried signing) still files one document.
    DossierEvent.objects.create(dossier=dossier, kind="result_signed", data=event.data)
    call_command("file_signed_results", stdout=None)

    assert RepositoryDocument.objects.filter(source_dossier=dossier).count() == 1
    assert again == RepositoryDocument.objects.get(source_dossier=dossier)


def test_another_code_for_the_same_dossier_is_another_document(
    make_dossier: Callable[..., Dossier],
) -> None:
    dossier = make_dossier(Status.PROCESSING)
    announce_signed_result(dossier, "KS-1")
    announce_signed_result(dossier, "KS-2")  # e.g. a corrected result, signed again
    numbers = RepositoryDocument.objects.filter(source_dossier=dossier).values_list(
        "number", flat=True
    )
    assert sorted(numbers) == ["KS-1", "KS-2"]


def test_an_organisations_result_is_filed_for_the_organisation(
    citizen: User,
    organisation: Organisation,
    catalog: dict[str, Procedure],
    agencies: dict,
) -> None:
    stay = catalog[STAY]
    dossier, _ = dossier_services.submit_online(
        citizen,
        stay,
        agencies["000.31.04.H26"],
        STAY_FORM,
        {"THONG_TIN_LUU_TRU": pdf_upload("Thông tin lưu trú")},
        organisation=organisation,
    )
    announce_signed_result(dossier, "LT-9")
    document = RepositoryDocument.objects.get(source_dossier=dossier)
    assert document.owner_organisation == organisation and document.owner_person is None
    assert document.document_type == "XAC_NHAN_LUU_TRU"


def test_an_event_without_a_result_file_does_not_undo_the_signing(
    make_dossier: Callable[..., Dossier],
) -> None:
    dossier = make_dossier(Status.RECEIVED)  # no result file yet
    event = DossierEvent.objects.create(
        dossier=dossier, kind="result_signed", data={"document": "KS-7"}
    )
    assert DossierEvent.objects.filter(pk=event.pk).exists()
    assert not RepositoryDocument.objects.exists()

    # Once the file is there, the backstop command files it.
    dossier.result_file = store_bytes(b"%PDF-1.4 signed", "application/pdf")
    dossier.save(update_fields=["result_file"])
    call_command("file_signed_results", stdout=None)
    assert RepositoryDocument.objects.get().number == "KS-7"


def test_other_events_file_nothing(make_dossier: Callable[..., Dossier]) -> None:
    make_dossier(Status.REJECTED)
    assert not RepositoryDocument.objects.exists()


def test_every_document_type_of_the_catalogue_has_a_name(
    catalog: dict[str, Procedure],
) -> None:
    codes = set()
    for procedure in catalog.values():
        codes.add(procedure.definition["result"]["document_type"])
        for component in procedure.components:
            codes.update(component.get("document_types", []))
    assert codes - set(DOCUMENT_TYPES) == set()
