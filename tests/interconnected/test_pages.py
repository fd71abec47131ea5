"""The pages: the groups offered, choosing and filling in the one form, the application with
each agency's progress; nobody but the applicant sees it."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from egov.core.models import AuditEntry
from egov.identity.models import User
from egov.interconnected.models import Application

from .conftest import BIRTH_GROUP, DEATH_GROUP, NEWBORN, WARD, newborn_files

pytestmark = pytest.mark.usefixtures("in_process_registry", "groups")


def test_the_groups_are_offered_to_anyone(client: Client) -> None:
    page = client.get("/lien-thong/").content.decode()
    assert "Liên thông các thủ tục hành chính: đăng ký khai sinh" in page
    assert "đăng ký khai tử" in page
    assert f"/lien-thong/{BIRTH_GROUP}/nop/" in page


def test_choosing_the_members_then_one_form(client: Client, mother: User) -> None:
    client.force_login(mother)
    choose = client.get(f"/lien-thong/{DEATH_GROUP}/nop/").content.decode()
    assert 'name="place" value="000.00.31.H26"' in choose
    assert "Giải quyết hưởng trợ cấp mai táng" in choose
    form = client.get(
        f"/lien-thong/{DEATH_GROUP}/nop/", {"place": WARD, "members": ["1.001964"]}
    ).content.decode()
    # The funeral allowance's own field is asked; the survivor benefit's is not.
    assert 'name="social_insurance_number"' in form
    assert 'name="benefit_kind"' not in form
    # Each fact once: the deceased's name is asked by every member.
    assert form.count('name="deceased_full_name"') == 1
    unknown = client.get(
        f"/lien-thong/{DEATH_GROUP}/nop/", {"place": WARD, "members": ["9.999999"]}
    )
    assert unknown.status_code == 422


def test_a_newborn_registered_from_the_page(client: Client, mother: User, commit: Any) -> None:
    client.force_login(mother)
    url = f"/lien-thong/{BIRTH_GROUP}/nop/"
    form = client.get(url, {"place": WARD}).content.decode()
    assert 'name="child_personal_id"' not in form  # issued by the registry, not asked
    assert form.count('name="residence_address"') == 1
    assert 'name="file_CHO_O_HOP_PHAP"' in form and 'name="file_GIAY_KHAI_SINH"' not in form
    refused = client.post(url, {"place": WARD, **NEWBORN, "child_full_name": ""})
    assert refused.status_code == 422
    assert "error-summary" in refused.content.decode()
    files = {f"file_{code}": upload.stream for code, upload in newborn_files().items()}
    for name, stream in files.items():
        stream.name = f"{name}.pdf"  # type: ignore[attr-defined]
    with commit():
        answer = client.post(url, {"place": WARD, **NEWBORN, **files})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    application = Application.objects.get(applicant=mother)
    page = client.get(answer["Location"]).content.decode()
    assert application.code in page
    for agency in (
        "Ủy ban nhân dân phường Ba Đình",
        "Công an phường Ba Đình",
        "Bảo hiểm xã hội cơ sở Ba Đình",
    ):
        assert agency in page
    assert "Chờ kết quả của thủ tục trước" in page or "Waiting for the earlier results" in page


def test_nobody_else_sees_an_application(
    client: Client, mother: User, other_citizen: User, groups: Any, commit: Any
) -> None:
    from egov.core.models import Agency
    from egov.interconnected import services

    with commit():
        application = services.submit_application(
            mother, groups[BIRTH_GROUP], Agency.objects.get(code=WARD), [], NEWBORN, newborn_files()
        )
    client.force_login(other_citizen)
    assert client.get(f"/lien-thong/ho-so/{application.pk}/").status_code == 404
    assert client.post(f"/lien-thong/ho-so/{application.pk}/rut/").status_code == 404
    assert (
        AuditEntry.objects.filter(
            action="permission_denied", object_type="application", object_id=str(application.pk)
        ).count()
        == 2
    )
    application.refresh_from_db()
    assert application.status == "processing"
    assert application.code not in client.get("/lien-thong/").content.decode()


def test_the_applicant_withdraws_from_the_page(
    client: Client, mother: User, groups: Any, commit: Any, make_citizen: Callable[..., User]
) -> None:
    from egov.core.models import Agency
    from egov.interconnected import services

    with commit():
        application = services.submit_application(
            mother, groups[BIRTH_GROUP], Agency.objects.get(code=WARD), [], NEWBORN, newborn_files()
        )
    client.force_login(mother)
    with commit():
        client.post(f"/lien-thong/ho-so/{application.pk}/rut/", {"reason": "Nộp nhầm"})
    application.refresh_from_db()
    assert application.status == "withdrawn"


def test_the_one_receipt_slip(client: Client, mother: User, groups: Any, commit: Any) -> None:
    import io

    from pypdf import PdfReader

    from egov.core.models import Agency
    from egov.interconnected import services

    with commit():
        application = services.submit_application(
            mother, groups[BIRTH_GROUP], Agency.objects.get(code=WARD), [], NEWBORN, newborn_files()
        )
    client.force_login(mother)
    answer = client.get(f"/lien-thong/ho-so/{application.pk}/phieu-tiep-nhan.pdf")
    assert answer["Content-Type"] == "application/pdf"
    text = " ".join(
        " ".join(
            page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages
        ).split()
    )
    assert "PHIẾU TIẾP NHẬN HỒ SƠ LIÊN THÔNG" in text and application.code in text
    for agency in ("Công an phường Ba Đình", "Bảo hiểm xã hội cơ sở Ba Đình"):
        assert agency in text


def test_the_dashboard_shows_each_group(client: Client) -> None:
    page = client.get("/chi-so/").content.decode()
    assert "Thủ tục hành chính liên thông (Nghị định 63/2024/NĐ-CP)" in page
    assert '<th scope="row">2.000986</th>' in page


def test_the_applicants_own_fields_are_filled_in(client: Client, mother: User) -> None:
    client.force_login(mother)
    form = client.get(f"/lien-thong/{DEATH_GROUP}/nop/", {"place": WARD}).content.decode()
    # The declarant is the applicant: filled in from the account, not asked again.
    assert f'name="declarant_full_name" type="text" value="{mother.full_name}"' in form
    # The deceased's name is someone else's: empty.
    assert 'name="deceased_full_name" type="text" value=""' in form
