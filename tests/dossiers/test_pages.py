"""The citizen's pages: start a dossier (prefilled), fill it in, submit it, and follow it."""

from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from egov.catalog.models import Procedure
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.identity.models import User
from tests.conftest import BIRTH_FORM, log_in, pdf_bytes


def test_starting_a_dossier_prefills_what_is_known(
    client: Client, business: Procedure, citizen: User
) -> None:
    client.force_login(citizen)
    assert client.get("/procedures/1.001612/start/").status_code == 200
    response = client.post("/procedures/1.001612/start/", {"agency": "000.00.31.H26"})
    draft = Dossier.objects.get(applicant=citizen)
    assert response.status_code == 302
    assert response["Location"] == f"/dossiers/{draft.pk}/edit/"
    assert draft.status == Status.DRAFT and draft.procedure == business
    assert draft.form_data["owner_full_name"] == citizen.full_name
    assert draft.form_data["owner_personal_id"] == citizen.personal_id
    assert draft.form_data["phone"] == citizen.phone
    assert draft.form_data["email"] == citizen.email


def test_starting_at_an_agency_that_does_not_perform_it_is_refused(
    client: Client, birth: Procedure, citizen: User
) -> None:
    client.force_login(citizen)
    response = client.post("/procedures/1.001193/start/", {"agency": "000.00.01.H26"})
    assert response.status_code == 200
    assert response.context["error"]
    assert not Dossier.objects.exists()
    assert client.get("/procedures/9.999999/start/").status_code == 404


def _posted_birth_form(**files: bytes) -> dict[str, Any]:
    data: dict[str, Any] = {key: str(value) for key, value in BIRTH_FORM.items()}
    data["child_birth_date"] = "30/10/2026"
    data.update({f"file_{code}": SimpleUploadedFile(f"{code}.pdf", b) for code, b in files.items()})
    return data


def test_fill_in_and_submit_from_the_page(
    client: Client, make_dossier: Callable[..., Dossier], citizen: User
) -> None:
    draft = make_dossier(Status.DRAFT)
    client.force_login(citizen)
    assert client.get(f"/dossiers/{draft.pk}/edit/").status_code == 200

    saved = client.post(
        f"/dossiers/{draft.pk}/edit/",
        _posted_birth_form(TO_KHAI=pdf_bytes("Tờ khai")) | {"action": "save"},
    )
    assert saved.status_code == 302 and saved["Location"] == f"/dossiers/{draft.pk}/edit/"
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and draft.form_data == BIRTH_FORM

    incomplete = client.post(f"/dossiers/{draft.pk}/edit/", {"action": "submit"})
    assert incomplete.status_code == 422
    assert "component:GIAY_CHUNG_SINH" in incomplete.context["errors"]
    assert "child_full_name" in incomplete.context["errors"]

    submitted = client.post(
        f"/dossiers/{draft.pk}/edit/",
        _posted_birth_form(GIAY_CHUNG_SINH=pdf_bytes("Giấy chứng sinh")) | {"action": "submit"},
    )
    assert submitted.status_code == 302
    assert submitted["Location"] == f"/dossiers/{draft.pk}/"
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED and draft.code
    detail = client.get(f"/dossiers/{draft.pk}/")
    assert detail.status_code == 200
    assert draft.code in detail.content.decode()
    assert detail.context["actions"] == ["withdraw"]
    # A submitted dossier can no longer be edited: the edit page sends back to the detail page.
    assert client.get(f"/dossiers/{draft.pk}/edit/")["Location"] == f"/dossiers/{draft.pk}/"


def test_the_official_sees_the_actions_of_their_roles(
    client: Client, make_dossier: Callable[..., Dossier], staff: dict[str, User]
) -> None:
    dossier = make_dossier(Status.SUBMITTED)
    log_in(client, staff["receiver"])
    page = client.get(f"/dossiers/{dossier.pk}/")
    assert page.status_code == 200
    assert page.context["actions"] == ["receive", "refuse_intake", "request_supplement"]
    assert page.context["is_staff_view"] is True
    log_in(client, staff["approver"])
    assert client.get(f"/dossiers/{dossier.pk}/").context["actions"] == []


def test_the_component_file_is_downloaded_as_stored(
    client: Client, make_dossier: Callable[..., Dossier], citizen: User
) -> None:
    dossier = make_dossier(Status.SUBMITTED)
    client.force_login(citizen)
    response = client.get(f"/dossiers/{dossier.pk}/files/GIAY_CHUNG_SINH/")
    assert response.status_code == 200
    assert response.content == pdf_bytes("Giấy chứng sinh")
    assert response["Content-Type"] == "application/pdf"
    # The Vietnamese name survives, encoded as RFC 6266 says.
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Gi%E1%BA%A5y%20ch%E1%BB%A9ng%20sinh.pdf"
    )
    assert client.get(f"/dossiers/{dossier.pk}/files/KHONG_CO/").status_code == 404
