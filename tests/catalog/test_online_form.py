"""The online form is the declaration: a component the catalogue marks ``online_form`` is not
uploaded for an online dossier; at submission the filled form, rendered to PDF, becomes that
component, which the official opens like any other document."""

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.test import Client

from egov.catalog.models import Procedure
from egov.core.files import read_stored
from egov.core.models import Agency
from egov.dossiers import services
from egov.dossiers.constants import ComponentSource
from egov.identity.models import User
from tests.conftest import BIRTH_FORM, log_in, pdf_upload

CATALOG_FILES = sorted(settings.CATALOG_DIR.glob("*.yaml"))


@pytest.mark.parametrize("path", CATALOG_FILES, ids=lambda path: path.name)
def test_every_declaration_is_satisfied_by_the_online_form(path: Path) -> None:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    for component in raw["components"]:
        is_declaration = component["name"].startswith("Tờ khai")
        assert bool(component.get("online_form")) == is_declaration, component["code"]


@pytest.mark.django_db
def test_an_online_dossier_gets_its_form_as_the_declaration(
    client: Client, birth: Procedure, ward: Agency, citizen: User, staff: dict[str, User]
) -> None:
    dossier, _ = services.submit_online(
        citizen, birth, ward, BIRTH_FORM, {"GIAY_CHUNG_SINH": pdf_upload("Giấy chứng sinh")}
    )
    declaration = dossier.components.get(code="TO_KHAI")
    assert declaration.source == ComponentSource.FORM
    assert declaration.filename == f"to-khai-{dossier.code}.pdf"
    assert read_stored(declaration.file).startswith(b"%PDF")

    log_in(client, staff["receiver"])
    page = client.get(f"/dossiers/{dossier.pk}/").content.decode()
    assert f'href="/dossiers/{dossier.pk}/files/TO_KHAI/view/">to-khai-{dossier.code}.pdf' in page
    response = client.get(f"/dossiers/{dossier.pk}/files/TO_KHAI/")
    assert response["Content-Type"] == "application/pdf"
    # It is checked at intake like any other document.
    received = services.receive(
        dossier.pk, staff["receiver"], {"TO_KHAI": (True, ""), "GIAY_CHUNG_SINH": (True, "")}
    )
    assert received.status == "received"


@pytest.mark.django_db
def test_the_draft_page_does_not_ask_for_the_declaration(
    client: Client, birth: Procedure, ward: Agency, citizen: User
) -> None:
    draft = services.start_draft(citizen, birth, ward)
    client.force_login(citizen)
    page = client.get(f"/dossiers/{draft.pk}/edit/").content.decode()
    assert 'name="file_GIAY_CHUNG_SINH"' in page
    assert 'name="file_TO_KHAI"' not in page
    assert re.search(r"Không cần tải lên: tờ khai điền trực tuyến", page)
