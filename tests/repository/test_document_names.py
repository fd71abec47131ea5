"""Documents of one type are told apart (whose document it is, its number and date), and a
document type has one name everywhere: on the signed PDF, on the repository pages and in the
verification service."""

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from pypdf import PdfReader

from egov.catalog import document_types
from egov.catalog.models import Procedure
from egov.core.files import read_stored
from egov.core.models import Agency
from egov.dossiers import services as dossier_services
from egov.dossiers.models import Dossier
from egov.identity.models import User
from egov.records.models import ResultDocument
from egov.repository.models import RepositoryDocument
from tests.conftest import BIRTH_CHECKLIST, BIRTH_FORM, birth_files, log_in

pytestmark = pytest.mark.django_db

CHILDREN = ["Nguyễn Minh Khôi", "Nguyễn Minh Anh", "Nguyễn Bảo Châu"]


@pytest.fixture
def birth_certificates(
    birth: Procedure, ward: Agency, citizen: User, staff: dict[str, User]
) -> list[RepositoryDocument]:
    """One parent's birth certificates for three children, filed from signed results."""
    filed = []
    for child in CHILDREN:
        form = {**BIRTH_FORM, "child_full_name": child}
        dossier, _ = dossier_services.submit_online(citizen, birth, ward, form, birth_files())
        dossier_services.receive(dossier.pk, staff["receiver"], BIRTH_CHECKLIST)
        dossier_services.assign(dossier.pk, staff["receiver"], staff["processor"])
        dossier_services.propose(dossier.pk, staff["processor"])
        dossier_services.approve(dossier.pk, staff["approver"])
        filed.append(RepositoryDocument.objects.get(source_dossier=dossier))
    return filed


def test_each_document_says_whom_it_is_for(birth_certificates: list[RepositoryDocument]) -> None:
    assert [document.subject_name for document in birth_certificates] == CHILDREN
    assert [document.issued_for for document in birth_certificates] == CHILDREN


def test_my_documents_tell_documents_of_one_type_apart(
    client: Client, citizen: User, birth_certificates: list[RepositoryDocument]
) -> None:
    log_in(client, citizen)
    page = client.get("/repository/").content.decode()
    assert "Cấp cho" in page
    for child, document in zip(CHILDREN, birth_certificates, strict=True):
        row = page[page.index(f'href="/repository/{document.pk}/"') :]
        row = row[: row.index("</tr>")]
        assert child in row and document.number in row
    assert page.count("Giấy khai sinh") == len(CHILDREN)


def test_use_my_document_offers_tell_them_apart(
    client: Client,
    citizen: User,
    birth_certificates: list[RepositoryDocument],
    residence_draft: Dossier,
) -> None:
    log_in(client, citizen)
    edit = client.get(f"/dossiers/{residence_draft.pk}/edit/").content.decode()
    for child, document in zip(CHILDREN, birth_certificates, strict=True):
        offer = edit[edit.index(f'id="offer-QUAN_HE_NHAN_THAN-{document.pk}"') :]
        offer = offer[: offer.index("</span>")]
        assert f"cấp cho {child}" in offer and document.number in offer


def test_a_document_without_a_subject_is_the_owners(
    citizen: User, make_document: Callable[..., RepositoryDocument]
) -> None:
    document = make_document(citizen, number="CCCD-1")
    assert document.subject_name == ""
    assert document.issued_for == citizen.full_name


def test_one_name_per_type_on_the_pdf_the_pages_and_the_verification(
    client: Client, citizen: User, birth_certificates: list[RepositoryDocument]
) -> None:
    name = document_types.label("GIAY_KHAI_SINH", "vi")
    assert name == "Giấy khai sinh"
    document = birth_certificates[0]
    result = ResultDocument.objects.get(dossier=document.source_dossier)
    text = " ".join(PdfReader(io.BytesIO(read_stored(result.file))).pages[0].extract_text().split())
    assert name.upper() in text
    with translation.override("vi"):
        assert document.type_label == name
    log_in(client, citizen)
    assert (
        f"<h1>{name} — {CHILDREN[0]}</h1>"
        in client.get(f"/repository/{document.pk}/").content.decode()
    )
    verdict = client.get(f"/api/v1/verification/code/{result.code}").json()
    assert verdict["title"] == name
    page = client.get(f"/verify/{result.code}/").content.decode()
    assert f"<dd>{name}</dd>" in page


def test_every_document_type_of_the_catalogue_has_a_name(catalog: Any) -> None:
    codes = set()
    for procedure in Procedure.objects.all():
        codes.add(procedure.definition["result"]["document_type"])
        for component in procedure.components:
            codes.update(component.get("document_types", []))
    assert codes - set(document_types.DOCUMENT_TYPES) == set()
    for code in codes:
        kind = document_types.DOCUMENT_TYPES[code]
        assert kind.name and kind.name_en
