"""Procedures declare the identity level they require; filing below it is refused with 403
``identity_level_required`` and a message saying what to do, on the pages and in the API."""

import html
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from egov.catalog.models import Procedure
from egov.core.models import Agency
from egov.dossiers import services
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.dossiers.services import IdentityLevelRequired
from egov.identity.models import User
from tests.conftest import BIRTH_FORM, bearer, birth_files, pdf_bytes

JUDICIAL_RECORD = "2.000488"  # Cấp phiếu lý lịch tư pháp: identity level 2
JUSTICE_DEPARTMENT = "000.00.01.H26"
REFUSAL = (
    "This procedure can only be filed online with an account verified at level %(required)s;"
    " yours is at level %(current)s. Verify your identity on your account page, then try again."
)
NOTICE = "This procedure can only be filed online with an account verified at level %(level)s."


def vi(english: str, **values: Any) -> str:
    """``english`` as the pages say it: its Vietnamese translation once the catalogue has one."""
    with translation.override("vi"):
        text = translation.gettext(english)
    return text % values if values else text


def text_of(response: Any) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def judicial(catalog: dict[str, Procedure]) -> Procedure:
    procedure = catalog[JUDICIAL_RECORD]
    assert procedure.definition["identity_level"] == 2
    return procedure


def test_the_procedures_say_which_level_they_need(catalog: dict[str, Procedure]) -> None:
    levels = {code: p.definition.get("identity_level", 1) for code, p in catalog.items()}
    assert set(levels.values()) == {1, 2}


@pytest.mark.parametrize(("level", "allowed"), [(0, False), (1, False), (2, True)])
def test_a_level_two_procedure(
    make_citizen: Callable[..., User], judicial: Procedure, level: int, allowed: bool
) -> None:
    person = make_citizen(identity_level=level)
    agency = Agency.objects.get(code=JUSTICE_DEPARTMENT)
    if allowed:
        assert services.start_draft(person, judicial, agency).status == Status.DRAFT
        return
    with pytest.raises(IdentityLevelRequired) as refused:
        services.start_draft(person, judicial, agency)
    assert refused.value.http_status == 403
    assert refused.value.code == "identity_level_required"
    assert refused.value.message == vi(REFUSAL, required=2, current=level)
    assert not Dossier.objects.filter(applicant=person).exists()


@pytest.mark.parametrize(("level", "allowed"), [(0, False), (1, True)])
def test_a_level_one_procedure(
    make_citizen: Callable[..., User], birth: Procedure, ward: Agency, level: int, allowed: bool
) -> None:
    person = make_citizen(identity_level=level)
    if allowed:
        dossier, _ = services.submit_online(person, birth, ward, BIRTH_FORM, birth_files())
        assert dossier.status == Status.SUBMITTED
        return
    with pytest.raises(IdentityLevelRequired):
        services.submit_online(person, birth, ward, BIRTH_FORM, birth_files())
    assert not Dossier.objects.filter(applicant=person).exists()


def test_a_draft_is_not_submitted_below_the_level(
    make_citizen: Callable[..., User], judicial: Procedure
) -> None:
    """Submission checks again: an account whose level was lowered meanwhile is refused."""
    person = make_citizen()
    draft = services.start_draft(person, judicial, Agency.objects.get(code=JUSTICE_DEPARTMENT))
    User.objects.filter(pk=person.pk).update(identity_level=1)
    person.refresh_from_db()
    with pytest.raises(IdentityLevelRequired):
        services.submit(draft.pk, person)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_the_start_page_says_so_and_refuses(
    client: Client, make_citizen: Callable[..., User], judicial: Procedure
) -> None:
    person = make_citizen(identity_level=1)
    client.force_login(person)
    page = client.get(f"/procedures/{JUDICIAL_RECORD}/start/")
    assert page.status_code == 200
    shown = text_of(page)
    assert vi(NOTICE, level=2) in shown and 'href="/account/"' in shown
    response = client.post(f"/procedures/{JUDICIAL_RECORD}/start/", {"agency": JUSTICE_DEPARTMENT})
    assert response.status_code == 403
    assert response.context["error"] == vi(REFUSAL, required=2, current=1)
    assert not Dossier.objects.filter(applicant=person).exists()


def test_the_api_refuses_with_a_stable_code(
    client: Client, make_citizen: Callable[..., User], birth: Procedure
) -> None:
    person = make_citizen(identity_level=0)
    headers = bearer(person)
    draft = client.post(
        "/api/v1/dossiers/drafts",
        {"procedure": "1.001193", "agency": "000.00.31.H26"},
        content_type="application/json",
        headers=headers,
    )
    assert draft.status_code == 403
    assert draft.json()["code"] == "identity_level_required"
    submission = client.post(
        "/api/v1/dossiers",
        {
            "procedure": "1.001193",
            "agency": "000.00.31.H26",
            "form": json.dumps(BIRTH_FORM),
            "TO_KHAI": SimpleUploadedFile("a.pdf", pdf_bytes("Tờ khai")),
            "GIAY_CHUNG_SINH": SimpleUploadedFile("b.pdf", pdf_bytes("Giấy chứng sinh")),
        },
        headers=headers,
    )
    assert submission.status_code == 403
    assert submission.json()["code"] == "identity_level_required"
    assert not Dossier.objects.exists()


def test_the_counter_files_for_anyone(
    staff: dict[str, User], birth: Procedure, ward: Agency, db: Any
) -> None:
    """At the counter the receiver checks the papers in person: no account level is needed."""
    applicant = services.find_or_create_citizen(
        personal_id="001090009999", full_name="Người ở quầy", birth_date=None
    )
    assert applicant.identity_level == 0
    dossier = services.submit_at_counter(
        staff["receiver"], applicant, birth, ward, BIRTH_FORM, birth_files()
    )
    assert dossier.status == Status.RECEIVED
