"""The repository API: documents, reuse, digitisation and share links, with the pages' rules."""

import io
import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from egov.catalog.models import Procedure
from egov.core.models import Agency
from egov.dossiers import services as dossier_services
from egov.dossiers.models import Dossier, DossierEvent
from egov.identity.models import User
from egov.repository.models import RepositoryDocument
from tests.conftest import BIRTH_FORM, bearer, birth_files, png_bytes

pytestmark = pytest.mark.django_db


def test_my_documents_and_one_document(
    client: Client,
    citizen: User,
    other_citizen: User,
    birth_certificate: RepositoryDocument,
    make_document: Callable[..., RepositoryDocument],
) -> None:
    make_document(other_citizen)
    listed = client.get("/api/v1/repository/documents", headers=bearer(citizen)).json()["items"]
    assert [d["number"] for d in listed] == [birth_certificate.number]
    [document] = listed
    assert document["document_type"] == "GIAY_KHAI_SINH"
    assert document["signature_state"] == "signed" and document["intact"] is True
    assert document["source_dossier"] == birth_certificate.source_dossier.code
    file = client.get(
        f"/api/v1/repository/documents/{birth_certificate.pk}/file", headers=bearer(citizen)
    )
    assert file.status_code == 200 and file.content.startswith(b"%PDF")
    assert client.get("/api/v1/repository/documents").status_code == 401


def test_offers_and_reuse(
    client: Client,
    citizen: User,
    other_citizen: User,
    residence_draft: Dossier,
    birth_certificate: RepositoryDocument,
    make_document: Callable[..., RepositoryDocument],
) -> None:
    headers = bearer(citizen)
    offers = client.get(
        f"/api/v1/repository/dossiers/{residence_draft.pk}/offers", headers=headers
    ).json()
    assert [d["id"] for d in offers["QUAN_HE_NHAN_THAN"]] == [birth_certificate.pk]

    url = f"/api/v1/repository/dossiers/{residence_draft.pk}/components/QUAN_HE_NHAN_THAN/reuse"
    theirs = make_document(other_citizen)
    refused = client.post(
        url, {"document": theirs.pk}, content_type="application/json", headers=headers
    )
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    assert refused.json()["message"]

    expired = make_document(citizen, valid_until=timezone.localdate() - timedelta(days=1))
    refused = client.post(
        url, {"document": expired.pk}, content_type="application/json", headers=headers
    )
    assert refused.status_code == 422 and refused.json()["code"] == "document_not_usable"

    reused = client.post(
        url, {"document": birth_certificate.pk}, content_type="application/json", headers=headers
    )
    assert reused.status_code == 200
    assert reused.json() == {
        "component": "QUAN_HE_NHAN_THAN",
        "document": birth_certificate.pk,
        "source": "repository",
        "sha256": birth_certificate.sha256,
    }
    dossier = client.get(f"/api/v1/dossiers/{residence_draft.pk}", headers=headers).json()
    [component] = dossier["components"]
    assert component["repository_document"] == birth_certificate.pk
    assert DossierEvent.objects.filter(kind="component_reused").count() == 1

    # Someone else may not use their documents on the citizen's draft, nor see it.
    assert (
        client.post(
            url,
            {"document": theirs.pk},
            content_type="application/json",
            headers=bearer(other_citizen),
        ).status_code
        == 404
    )


def test_digitise_through_the_api(
    client: Client, citizen: User, staff: dict[str, User], birth: Procedure, ward: Agency
) -> None:
    dossier = dossier_services.submit_at_counter(
        staff["receiver"], citizen, birth, ward, BIRTH_FORM, birth_files()
    )
    url = f"/api/v1/repository/dossiers/{dossier.pk}/digitise"
    described = {
        "GIAY_CHUNG_SINH": {
            "document_type": "GIAY_CHUNG_SINH",
            "number": "CS-1",
            "issuer": "Bệnh viện Phụ sản Hà Nội",
            "issued_on": "2026-10-30",
        }
    }
    scan = io.BytesIO(png_bytes())
    scan.name = "scan.png"
    refused = client.post(
        url, {"documents": json.dumps(described)}, headers=bearer(staff["processor"])
    )
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    response = client.post(
        url,
        {"documents": json.dumps(described), "GIAY_CHUNG_SINH": scan},
        headers=bearer(staff["receiver"]),
    )
    assert response.status_code == 201, response.content
    [document] = response.json()
    assert document["signature_state"] == "digitised"
    assert document["content_type"] == "image/png"
    again = client.post(
        url, {"documents": json.dumps(described)}, headers=bearer(staff["receiver"])
    )
    assert again.status_code == 409
    broken = client.post(url, {"documents": "[1"}, headers=bearer(staff["receiver"]))
    assert broken.status_code == 422
    mine = client.get("/api/v1/repository/documents", headers=bearer(citizen)).json()["items"]
    assert [d["number"] for d in mine] == ["CS-1"]


def test_share_links_through_the_api(
    client: Client, citizen: User, birth_certificate: RepositoryDocument
) -> None:
    headers = bearer(citizen)
    created = client.post(
        f"/api/v1/repository/documents/{birth_certificate.pk}/shares",
        {"days": 2, "note": "Ngân hàng"},
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201
    link = created.json()
    assert link["active"] and link["url"].endswith(f"/share/{link['token']}/")
    listed = client.get(
        f"/api/v1/repository/documents/{birth_certificate.pk}/shares", headers=headers
    ).json()["items"]
    assert [entry["id"] for entry in listed] == [link["id"]] and "token" not in listed[0]

    public = Client()
    shared = public.get(f"/api/v1/repository/shared/{link['token']}")
    assert shared.status_code == 200 and shared.json()["number"] == birth_certificate.number
    assert "owner" not in json.dumps(shared.json())
    assert public.get(f"/api/v1/repository/shared/{link['token']}/file").status_code == 200

    revoked = client.post(f"/api/v1/repository/shares/{link['id']}/revoke", headers=headers)
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert public.get(f"/api/v1/repository/shared/{link['token']}").status_code == 404
    too_long = client.post(
        f"/api/v1/repository/documents/{birth_certificate.pk}/shares",
        {"days": 90},
        content_type="application/json",
        headers=headers,
    )
    assert too_long.status_code == 422
