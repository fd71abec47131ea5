"""The repository's pages: my documents, "use my document" on a draft, the official's view of a
reused document, digitisation at the counter, share links, and the personal-data download."""

import json
import re
from collections.abc import Callable

import pytest
from django.test import Client

from egov.core.models import Agency
from egov.dossiers import services as dossier_services
from egov.dossiers.constants import ComponentSource, Status
from egov.dossiers.models import Dossier, DossierEvent
from egov.identity.models import User
from egov.repository.constants import SignatureState
from egov.repository.models import RepositoryDocument, ShareLink
from tests.conftest import log_in

from .conftest import RESIDENCE_FORM, residence_files

pytestmark = pytest.mark.django_db


def test_my_documents_lists_mine_only(
    client: Client,
    citizen: User,
    other_citizen: User,
    birth_certificate: RepositoryDocument,
    make_document: Callable[..., RepositoryDocument],
) -> None:
    make_document(other_citizen, number="NOT-MINE")
    log_in(client, citizen)
    page = client.get("/repository/").content.decode()
    assert birth_certificate.number in page and "NOT-MINE" not in page
    assert 'href="/repository/"' in page  # in the account navigation
    assert client.get("/repository/").status_code == 200
    assert Client().get("/repository/").status_code == 302  # login first


def test_use_my_document_from_the_draft_page(
    client: Client,
    citizen: User,
    residence_draft: Dossier,
    birth_certificate: RepositoryDocument,
    staff: dict[str, User],
    make_official: Callable[..., User],
    police_ward: Agency,
) -> None:
    log_in(client, citizen)
    edit = client.get(f"/dossiers/{residence_draft.pk}/edit/").content.decode()
    action = f"/dossiers/{residence_draft.pk}/reuse/QUAN_HE_NHAN_THAN/"
    assert f'formaction="{action}"' in edit and f'value="{birth_certificate.pk}"' in edit

    response = client.post(
        action,
        {"document": birth_certificate.pk, "residence_address": "12 Phan Đình Phùng, Hà Nội"},
    )
    assert response.status_code == 302 and response["Location"].endswith("/edit/")
    component = residence_draft.components.get(code="QUAN_HE_NHAN_THAN")
    assert component.source == ComponentSource.REPOSITORY
    residence_draft.refresh_from_db()
    assert residence_draft.form_data["residence_address"] == "12 Phan Đình Phùng, Hà Nội"
    edit = client.get(f"/dossiers/{residence_draft.pk}/edit/").content.decode()
    assert f'href="/repository/{birth_certificate.pk}/"' in edit  # shown as attached
    assert f'formaction="{action}"' not in edit  # and no longer offered

    # Submitted, the receiving official sees the reused document, its state and provenance.
    dossier_services.save_draft(residence_draft.pk, citizen, RESIDENCE_FORM, residence_files())
    dossier_services.submit(residence_draft.pk, citizen)
    receiver = make_official(police_ward, "receiver")
    official = Client()
    log_in(official, receiver)
    detail = official.get(f"/dossiers/{residence_draft.pk}/").content.decode()
    assert birth_certificate.number in detail
    assert str(SignatureState.SIGNED.label) in detail
    assert f'href="/repository/{birth_certificate.pk}/"' in detail
    assert official.get(f"/repository/{birth_certificate.pk}/").status_code == 200
    assert official.get(f"/repository/{birth_certificate.pk}/file/").status_code == 200


def test_use_someone_elses_document_is_refused_on_the_page(
    client: Client,
    citizen: User,
    other_citizen: User,
    residence_draft: Dossier,
    make_document: Callable[..., RepositoryDocument],
) -> None:
    theirs = make_document(other_citizen)
    log_in(client, citizen)
    response = client.post(
        f"/dossiers/{residence_draft.pk}/reuse/QUAN_HE_NHAN_THAN/",
        {"document": theirs.pk},
        follow=True,
    )
    assert response.status_code == 200
    assert not residence_draft.components.exists()
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert f'value="{theirs.pk}"' not in response.content.decode()


def test_digitise_a_counter_dossier(
    client: Client, citizen: User, staff: dict[str, User], counter_dossier: Dossier
) -> None:
    log_in(client, staff["receiver"])
    detail = client.get(f"/dossiers/{counter_dossier.pk}/").content.decode()
    url = f"/backoffice/dossiers/{counter_dossier.pk}/digitise/"
    assert f'href="{url}"' in detail
    assert client.get(url).status_code == 200

    invalid = client.post(url, {"type_GIAY_CHUNG_SINH": "GIAY_CHUNG_SINH"})
    assert invalid.status_code == 422 and 'aria-invalid="true"' in invalid.content.decode()

    response = client.post(
        url,
        {
            "type_GIAY_CHUNG_SINH": "GIAY_CHUNG_SINH",
            "number_GIAY_CHUNG_SINH": "CS-4567",
            "issuer_GIAY_CHUNG_SINH": "Bệnh viện Phụ sản Hà Nội",
            "issued_on_GIAY_CHUNG_SINH": "2026-10-30",
        },
    )
    assert response.status_code == 302
    document = RepositoryDocument.objects.get(owner_person=citizen)
    assert document.signature_state == SignatureState.DIGITISED
    assert DossierEvent.objects.filter(dossier=counter_dossier, kind="digitised").count() == 1
    assert f'href="{url}"' not in client.get(f"/dossiers/{counter_dossier.pk}/").content.decode()

    # The applicant finds it in their repository.
    mine = Client()
    log_in(mine, citizen)
    assert "CS-4567" in mine.get("/repository/").content.decode()


def test_only_receivers_open_the_digitisation_page(
    client: Client, staff: dict[str, User], counter_dossier: Dossier, citizen: User
) -> None:
    url = f"/backoffice/dossiers/{counter_dossier.pk}/digitise/"
    for person in (staff["processor"], staff["approver"], citizen):
        other = Client()
        log_in(other, person)
        assert other.get(url).status_code == 404, person
        assert f'href="{url}"' not in other.get(f"/dossiers/{counter_dossier.pk}/").content.decode()


def test_share_and_revoke_from_the_document_page(
    client: Client, citizen: User, birth_certificate: RepositoryDocument
) -> None:
    log_in(client, citizen)
    page = client.post(
        f"/repository/{birth_certificate.pk}/share/", {"days": 2, "note": "Ngân hàng"}
    )
    assert page.status_code == 200
    match = re.search(r'value="(http://testserver/share/[^"]+/)"', page.content.decode())
    assert match, "the new link is shown once"
    anonymous = Client()
    assert anonymous.get(match.group(1)).status_code == 200

    bad = client.post(f"/repository/{birth_certificate.pk}/share/", {"days": 99})
    assert bad.status_code == 422

    link = ShareLink.objects.get()
    assert client.post(f"/repository/shares/{link.pk}/revoke/").status_code == 302
    assert anonymous.get(match.group(1)).status_code == 404
    assert anonymous.get("/share/not-a-real-token-at-all-xxxxxxx/").status_code == 404


def test_the_personal_data_download_has_the_repository(
    client: Client, citizen: User, birth_certificate: RepositoryDocument
) -> None:
    log_in(client, citizen)
    client.post(f"/repository/{birth_certificate.pk}/share/", {"days": 1})
    data = json.loads(client.post("/account/personal-data/").content)
    [document] = data["repository_documents"]
    assert document["number"] == birth_certificate.number
    assert document["signature_state"] == "signed"
    assert len(data["repository_share_links"]) == 1
    assert "token" not in json.dumps(data["repository_share_links"])


def test_timeline_names_the_events(
    client: Client, citizen: User, residence_draft: Dossier, birth_certificate: RepositoryDocument
) -> None:
    from egov.repository.services import reuse_document

    reuse_document(residence_draft.pk, citizen, "QUAN_HE_NHAN_THAN", birth_certificate.pk)
    event = DossierEvent.objects.get(kind="component_reused")
    assert event.label != "component_reused"
    assert residence_draft.status == Status.DRAFT
