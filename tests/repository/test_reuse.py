"""Reuse: a repository document stands for a component of a new dossier."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.utils import timezone

from egov.core.models import AuditEntry
from egov.dossiers import services as dossier_services
from egov.dossiers.constants import ComponentSource, Status
from egov.dossiers.models import Dossier, DossierEvent
from egov.identity.models import Organisation, User
from egov.repository import selectors
from egov.repository.models import RepositoryDocument
from egov.repository.services import (
    DocumentNotUsable,
    InvalidInput,
    NotFound,
    WrongState,
    reuse_document,
)
from tests.conftest import pdf_upload

from .conftest import RESIDENCE_FORM, residence_files

pytestmark = pytest.mark.django_db


def test_reuse_attaches_the_same_file_and_records_the_event(
    residence_draft: Dossier, birth_certificate: RepositoryDocument, citizen: User
) -> None:
    component = reuse_document(
        residence_draft.pk, citizen, "QUAN_HE_NHAN_THAN", birth_certificate.pk
    )

    assert component.source == ComponentSource.REPOSITORY
    assert component.repository_document_id == birth_certificate.pk
    assert component.file == birth_certificate.file
    event = DossierEvent.objects.get(dossier=residence_draft, kind="component_reused")
    assert event.data == {"component": "QUAN_HE_NHAN_THAN", "document": birth_certificate.pk}
    assert event.actor == citizen
    residence_draft.refresh_from_db()
    assert residence_draft.version > 0

    # The reused component counts for the submission.
    dossier_services.save_draft(
        residence_draft.pk,
        citizen,
        RESIDENCE_FORM,
        residence_files(),
    )
    submitted = dossier_services.submit(residence_draft.pk, citizen)
    assert submitted.status == Status.SUBMITTED
    kept = submitted.components.get(code="QUAN_HE_NHAN_THAN")
    assert kept.repository_document_id == birth_certificate.pk


def test_reusing_again_replaces_and_an_upload_unlinks(
    residence_draft: Dossier,
    birth_certificate: RepositoryDocument,
    citizen: User,
    make_document: Callable[..., RepositoryDocument],
) -> None:
    marriage = make_document(citizen, "GIAY_CHUNG_NHAN_KET_HON")
    reuse_document(residence_draft.pk, citizen, "QUAN_HE_NHAN_THAN", birth_certificate.pk)
    reuse_document(residence_draft.pk, citizen, "QUAN_HE_NHAN_THAN", marriage.pk)
    assert residence_draft.components.get().repository_document_id == marriage.pk

    dossier_services.save_draft(
        residence_draft.pk, citizen, {}, {"QUAN_HE_NHAN_THAN": pdf_upload("Bản sao")}
    )
    component = residence_draft.components.get()
    assert component.source == ComponentSource.UPLOAD
    assert component.repository_document_id is None


def test_another_persons_document_is_refused(
    residence_draft: Dossier,
    citizen: User,
    other_citizen: User,
    make_document: Callable[..., RepositoryDocument],
) -> None:
    theirs = make_document(other_citizen)
    with pytest.raises(NotFound) as refusal:
        reuse_document(residence_draft.pk, citizen, "QUAN_HE_NHAN_THAN", theirs.pk)
    assert "repository" in refusal.value.message or "kho" in refusal.value.message.lower()
    assert not residence_draft.components.exists()
    assert not DossierEvent.objects.filter(kind="component_reused").exists()
    denial = AuditEntry.objects.filter(action="permission_denied").last()
    assert denial is not None and denial.object_type == "repository_document"
    assert denial.object_id == str(theirs.pk) and denial.actor == citizen


def test_an_expired_document_is_refused(
    residence_draft: Dossier, citizen: User, make_document: Callable[..., RepositoryDocument]
) -> None:
    expired = make_document(citizen, valid_until=timezone.localdate() - timedelta(days=1))
    with pytest.raises(DocumentNotUsable):
        reuse_document(residence_draft.pk, citizen, "QUAN_HE_NHAN_THAN", expired.pk)
    assert not residence_draft.components.exists()
    assert selectors.reuse_offers(citizen, residence_draft) == {}


def test_a_document_valid_today_is_still_usable(
    residence_draft: Dossier, citizen: User, make_document: Callable[..., RepositoryDocument]
) -> None:
    today = make_document(citizen, valid_until=timezone.localdate())
    reuse_document(residence_draft.pk, citizen, "QUAN_HE_NHAN_THAN", today.pk)
    assert residence_draft.components.get().repository_document_id == today.pk


def test_a_document_of_another_type_is_refused(
    residence_draft: Dossier, citizen: User, make_document: Callable[..., RepositoryDocument]
) -> None:
    passport = make_document(citizen, "HO_CHIEU")
    with pytest.raises(InvalidInput):
        reuse_document(residence_draft.pk, citizen, "QUAN_HE_NHAN_THAN", passport.pk)
    with pytest.raises(InvalidInput):  # a component without document types takes none
        reuse_document(residence_draft.pk, citizen, "TO_KHAI_CT01", passport.pk)


def test_a_tampered_file_is_refused(
    residence_draft: Dossier, citizen: User, make_document: Callable[..., RepositoryDocument]
) -> None:
    document = make_document(citizen, sha256="0" * 64)
    with pytest.raises(DocumentNotUsable):
        reuse_document(residence_draft.pk, citizen, "QUAN_HE_NHAN_THAN", document.pk)


def test_only_drafts_of_ones_own_take_documents(
    make_dossier: Callable[..., Dossier],
    birth_certificate: RepositoryDocument,
    citizen: User,
    other_citizen: User,
    make_document: Callable[..., RepositoryDocument],
) -> None:
    submitted = make_dossier(Status.SUBMITTED)
    certificate = make_document(citizen, "GIAY_CHUNG_NHAN_KET_HON")
    with pytest.raises(WrongState):
        reuse_document(submitted.pk, citizen, "GIAY_DK_KET_HON", certificate.pk)
    others = make_dossier(Status.DRAFT, applicant=other_citizen)
    with pytest.raises(NotFound):
        reuse_document(others.pk, citizen, "GIAY_DK_KET_HON", certificate.pk)


def test_offers_list_own_usable_documents_per_component(
    residence_draft: Dossier,
    birth_certificate: RepositoryDocument,
    citizen: User,
    other_citizen: User,
    make_document: Callable[..., RepositoryDocument],
) -> None:
    make_document(other_citizen)
    land = make_document(citizen, "GIAY_CHUNG_NHAN_QSDD")
    offers = selectors.reuse_offers(citizen, residence_draft)
    assert offers == {"QUAN_HE_NHAN_THAN": [birth_certificate], "CHO_O_HOP_PHAP": [land]}
    assert selectors.reuse_offers(other_citizen, residence_draft) == {}


def test_an_organisations_dossier_takes_its_documents_and_its_representatives(
    citizen: User,
    other_citizen: User,
    organisation: Organisation,
    catalog: dict,
    agencies: dict,
    make_document: Callable[..., RepositoryDocument],
) -> None:
    draft = dossier_services.start_draft(
        citizen, catalog["2.001159"], agencies["000.31.04.H26"], organisation
    )
    company_card = make_document(organisation, "CCCD", number="ORG")
    own_passport = make_document(citizen, "HO_CHIEU", valid_until=date(2099, 1, 1))
    strangers = make_document(other_citizen, "CCCD")
    offered = selectors.reuse_offers(citizen, draft)["GIAY_TO_NGUOI_LUU_TRU"]
    assert set(offered) == {company_card, own_passport}
    reuse_document(draft.pk, citizen, "GIAY_TO_NGUOI_LUU_TRU", company_card.pk)
    with pytest.raises(NotFound):
        reuse_document(draft.pk, citizen, "GIAY_TO_NGUOI_LUU_TRU", strangers.pk)


def test_a_construction_permit_proves_a_lawful_residence(
    residence_draft: Dossier, citizen: User, make_document: Callable[..., RepositoryDocument]
) -> None:
    """The catalogue lets the result of 1.013225 stand for the residence component."""
    permit = make_document(citizen, "GIAY_PHEP_XAY_DUNG")
    assert selectors.reuse_offers(citizen, residence_draft)["CHO_O_HOP_PHAP"] == [permit]
    reuse_document(residence_draft.pk, citizen, "CHO_O_HOP_PHAP", permit.pk)
