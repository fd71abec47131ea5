"""Who sees a repository document, as ``egov.repository.access`` decides, through the service,
the pages and the API alike: the owner (or a current representative of the owning
organisation), officials of an agency handling a submitted dossier of that owner that references
the document, and nobody else."""

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from egov.catalog.models import Procedure
from egov.core.models import Agency, AuditEntry
from egov.dossiers import services as dossier_services
from egov.identity.models import Organisation, RepresentationKind, User
from egov.identity.organisations.services import grant_representation, revoke_representation
from egov.repository import access
from egov.repository.models import RepositoryDocument
from egov.repository.services import reuse_document
from tests.conftest import bearer, log_in, pdf_bytes

from .conftest import RESIDENCE_FORM, STAY_FORM, residence_files

pytestmark = pytest.mark.django_db

ACTORS = (
    "owner",  # the citizen; the legal representative of the organisation
    "authorised",  # an authorised person of the organisation
    "former",  # a representative of the organisation whose authorisation was revoked
    "stranger",  # another citizen
    "handling_official",  # receiver at the police ward, where the referencing dossiers are
    "draft_only_official",  # receiver at a ward where only a draft references the document
    "other_official",  # receiver at another ward
    "anonymous",
)
SEES = {
    "personal": {"owner", "handling_official"},
    "organisation": {"owner", "authorised", "handling_official"},
}


def _pdf(name: str) -> dict[str, Any]:
    data = pdf_bytes(name)
    return {"name": f"{name}.pdf", "stream": io.BytesIO(data), "size": len(data)}


@pytest.fixture
def world(
    citizen: User,
    make_citizen: Callable[..., User],
    organisation: Organisation,
    make_official: Callable[..., User],
    make_document: Callable[..., RepositoryDocument],
    catalog: dict[str, Procedure],
    agencies: dict[str, Agency],
    police_ward: Agency,
) -> dict[str, Any]:
    from egov.dossiers.services import Upload

    people: dict[str, User | None] = {
        "owner": citizen,
        "authorised": make_citizen(),
        "former": make_citizen(),
        "stranger": make_citizen(),
        "handling_official": make_official(police_ward, "receiver"),
        "draft_only_official": make_official(agencies["000.32.04.H26"], "receiver"),
        "other_official": make_official(agencies["000.00.32.H26"], "receiver", "processor"),
        "anonymous": None,
    }
    grant_representation(
        organisation, people["authorised"], RepresentationKind.AUTHORISED, by=citizen
    )
    former = grant_representation(
        organisation, people["former"], RepresentationKind.AUTHORISED, by=citizen
    )
    documents = {
        "personal": make_document(citizen, "GIAY_KHAI_SINH"),
        "organisation": make_document(organisation, "CCCD", number="079-ORG"),
    }
    # A submitted permanent-residence dossier reuses the personal document...
    draft = dossier_services.start_draft(citizen, catalog["1.004222"], police_ward)
    reuse_document(draft.pk, citizen, "QUAN_HE_NHAN_THAN", documents["personal"].pk)
    dossier_services.save_draft(draft.pk, citizen, RESIDENCE_FORM, residence_files())
    dossier_services.submit(draft.pk, citizen)
    # ... and a submitted stay notification of the organisation reuses its document.
    stay = dossier_services.start_draft(
        people["former"], catalog["2.001159"], police_ward, organisation
    )
    reuse_document(stay.pk, people["former"], "GIAY_TO_NGUOI_LUU_TRU", documents["organisation"].pk)
    dossier_services.save_draft(
        stay.pk, people["former"], STAY_FORM, {"THONG_TIN_LUU_TRU": Upload(**_pdf("Lưu trú"))}
    )
    dossier_services.submit(stay.pk, people["former"])
    # Drafts at another ward reference both documents: a draft is nobody's business but its
    # applicant's, so that ward's officials see neither.
    for kind, code in (("personal", "QUAN_HE_NHAN_THAN"),):
        other = dossier_services.start_draft(
            citizen, catalog["1.004222"], agencies["000.32.04.H26"]
        )
        reuse_document(other.pk, citizen, code, documents[kind].pk)
    revoke_representation(former, by=citizen)
    return {"people": people, "documents": documents}


@pytest.mark.parametrize("kind", ["personal", "organisation"])
def test_the_matrix(world: dict[str, Any], kind: str) -> None:
    document = world["documents"][kind]
    for actor in ACTORS:
        person = world["people"][actor]
        expected = actor in SEES[kind]
        assert access.can_view(person, document) is expected, (kind, actor)

        page_client = Client()
        if person is not None:
            log_in(page_client, person)
        page = page_client.get(f"/repository/{document.pk}/")
        download = page_client.get(f"/repository/{document.pk}/file/")
        if person is None:
            assert page.status_code == 302 and download.status_code == 302, actor
        else:
            assert page.status_code == (200 if expected else 404), (kind, actor)
            assert download.status_code == (200 if expected else 404), (kind, actor)

        headers = bearer(person) if person is not None else {}
        api = Client().get(f"/api/v1/repository/documents/{document.pk}", headers=headers)
        assert api.status_code == (200 if expected else 401 if person is None else 404), (
            kind,
            actor,
        )


@pytest.mark.parametrize("kind", ["personal", "organisation"])
def test_only_owners_share(world: dict[str, Any], kind: str) -> None:
    document = world["documents"][kind]
    for actor in ACTORS:
        person = world["people"][actor]
        if person is None:
            continue
        response = Client().post(
            f"/api/v1/repository/documents/{document.pk}/shares",
            {"days": 1},
            content_type="application/json",
            headers=bearer(person),
        )
        owner = actor in SEES[kind] - {"handling_official"}
        assert response.status_code == (201 if owner else 404), (kind, actor)


def test_lists_hold_only_ones_own(world: dict[str, Any]) -> None:
    documents = world["documents"]
    people = world["people"]
    assert set(access.documents_of(people["owner"])) == set(documents.values())
    assert list(access.documents_of(people["authorised"])) == [documents["organisation"]]
    for actor in ("former", "stranger", "handling_official", "anonymous"):
        assert not access.documents_of(people[actor]).exists(), actor


def test_refusals_are_audited_without_personal_data(world: dict[str, Any]) -> None:
    stranger = world["people"]["stranger"]
    document = world["documents"]["personal"]
    with pytest.raises(Exception):  # noqa: B017 - Http404, as if it did not exist
        access.access_document(stranger, document.pk)
    entry = AuditEntry.objects.filter(action="permission_denied").last()
    assert entry is not None and entry.actor == stranger
    assert (entry.object_type, entry.object_id, entry.data) == (
        "repository_document",
        str(document.pk),
        {"action": "view"},
    )
