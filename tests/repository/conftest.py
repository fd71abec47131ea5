"""Repository fixtures: results filed the way the records part announces them, residence and
organisation dossiers, and documents of every kind."""

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from egov.catalog.models import Procedure
from egov.catalog.selectors import performing_agencies
from egov.core.files import store_bytes
from egov.core.models import Agency
from egov.dossiers import services as dossier_services
from egov.dossiers.models import Dossier, DossierEvent
from egov.dossiers.services import Upload
from egov.identity.models import Organisation, OrganisationKind, User
from egov.identity.organisations.services import register_organisation
from egov.repository.constants import SignatureState
from egov.repository.models import RepositoryDocument
from tests.conftest import pdf_bytes, pdf_upload

RESIDENCE = "1.004222"  # Đăng ký thường trú: QUAN_HE_NHAN_THAN accepts GIAY_KHAI_SINH
STAY = "2.001159"  # Thông báo lưu trú: filed by organisations
STAY_FORM = {
    "host_full_name": "Nguyễn Văn An",
    "stay_address": "25 Liễu Giai, phường Ba Đình, Hà Nội",
    "guest_full_name": "Phạm Quốc Dũng",
    "guest_personal_id": "001095000004",
    "stay_from": "2026-11-20",
    "stay_until": "2026-11-25",
    "reason": "Du lịch",
}

RESIDENCE_FORM = {
    "full_name": "Trần Thị Bình",
    "birth_date": "1992-03-04",
    "sex": "Nữ",
    "personal_id": "001192000002",
    "residence_address": "12 Phan Đình Phùng, phường Ba Đình, Hà Nội",
    "residence_basis": "Về ở với người thân (vợ/chồng, cha/mẹ, con…)",
}


def residence_files() -> dict[str, Upload]:
    """The components of a permanent-residence dossier other than the family relationship."""
    return {"TO_KHAI_CT01": pdf_upload("CT01"), "CHO_O_HOP_PHAP": pdf_upload("Hợp đồng thuê")}


def announce_signed_result(dossier: Dossier, code: str) -> DossierEvent:
    """What the records part does after signing a result: the dossiers verb sets the dossier's
    result file to the signed PDF and records the ``result_signed`` event."""
    signed = store_bytes(pdf_bytes(f"Kết quả {code}"), "application/pdf")
    dossier_services.attach_signed_result(dossier.pk, signed, code)
    dossier.refresh_from_db()
    return dossier.events.filter(kind="result_signed").latest("id")


@pytest.fixture
def residence(catalog: dict[str, Procedure]) -> Procedure:
    return catalog[RESIDENCE]


@pytest.fixture
def police_ward(residence: Procedure) -> Agency:
    return next(a for a in performing_agencies(residence) if a.code == "000.31.04.H26")


@pytest.fixture
def make_document(db: Any) -> Callable[..., RepositoryDocument]:
    """A document filed directly (as an earlier digitisation would have)."""

    def make(owner: User | Organisation, document_type: str = "GIAY_KHAI_SINH", **extra: Any):
        stored = store_bytes(pdf_bytes(f"Giấy tờ {document_type}"), "application/pdf")
        fields: dict[str, Any] = {
            "document_type": document_type,
            "number": "123/2020",
            "issuer_name": "UBND phường Ba Đình",
            "issued_on": date(2020, 5, 4),
            "file": stored,
            "sha256": stored.sha256,
            "filename": "giay-to.pdf",
            "signature_state": SignatureState.DIGITISED,
        }
        owner_field = "owner_person" if isinstance(owner, User) else "owner_organisation"
        fields[owner_field] = owner
        fields.update(extra)
        return RepositoryDocument.objects.create(**fields)

    return make


@pytest.fixture
def residence_draft(citizen: User, residence: Procedure, police_ward: Agency) -> Dossier:
    return dossier_services.start_draft(citizen, residence, police_ward)


@pytest.fixture
def organisation(citizen: User, make_official: Callable[..., User]) -> Organisation:
    """A business the citizen legally represents."""
    return register_organisation(
        by=citizen, kind=OrganisationKind.BUSINESS, name="Khách sạn Hoa Sen", tax_code="0101234565"
    )
