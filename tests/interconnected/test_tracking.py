"""Public tracking by the application's code: the states for anyone, the details with the last
4 digits of the applicant's number, under the dossiers' limits; the one tracking box sends an
application's code here."""

from typing import Any

import pytest
from django.test import Client

from egov.core.models import Agency
from egov.dossiers import tracking
from egov.identity.models import User
from egov.interconnected import services
from egov.interconnected.models import Application

from .conftest import BIRTH_GROUP, NEWBORN, WARD, newborn_files

pytestmark = pytest.mark.usefixtures("in_process_registry", "groups")


@pytest.fixture
def application(mother: User, groups: Any, commit: Any) -> Application:
    with commit():
        return services.submit_application(
            mother, groups[BIRTH_GROUP], Agency.objects.get(code=WARD), [], NEWBORN, newborn_files()
        )


def first_receipt(application: Application) -> str:
    """The birth registration's receipt code: the one part filed at once."""
    return application.parts.get(procedure_code="1.001193").receipt_code


def test_the_code_alone_shows_the_states_only(client: Client, application: Application) -> None:
    page = client.get("/lien-thong/tra-cuu/", {"code": application.code}).content.decode()
    assert application.code in page
    assert page.count('class="card part-') == 3
    assert "Đang giải quyết" in page
    for hidden in (
        "Ủy ban nhân dân phường Ba Đình",
        "Đăng ký khai sinh",
        NEWBORN["child_full_name"],
    ):
        assert hidden not in page
    receipt = first_receipt(application)
    assert receipt and receipt not in page


def test_the_check_shows_procedures_agencies_and_dates(
    client: Client, application: Application, mother: User
) -> None:
    check = mother.personal_id[-4:]
    page = client.get(
        "/lien-thong/tra-cuu/", {"code": application.code.lower(), "check": check}
    ).content.decode()
    assert "Công an phường Ba Đình" in page and "Bảo hiểm xã hội cơ sở Ba Đình" in page
    assert first_receipt(application) in page
    assert mother.full_name not in page and NEWBORN["child_full_name"] not in page
    wrong = "0000" if check != "0000" else "1111"
    page = client.get(
        "/lien-thong/tra-cuu/", {"code": application.code, "check": wrong}
    ).content.decode()
    assert "Công an phường Ba Đình" not in page
    assert 'role="alert"' in page


def test_the_one_tracking_box_sends_an_application_code_here(
    client: Client, application: Application
) -> None:
    answer = client.get("/track/", {"code": application.code, "check": "1234"})
    assert answer.status_code == 302
    assert answer["Location"] == f"/lien-thong/tra-cuu/?code={application.code}&check=1234"


def test_the_api_answers_the_same(client: Client, application: Application, mother: User) -> None:
    bare = client.get(f"/api/v1/interconnected/track/{application.code}").json()
    assert bare["status"] == "processing" and bare["details"] is False
    assert [p["state"] for p in bare["parts"]] == ["filed", "waiting", "waiting"]
    assert all(p["agency_name"] is None and p["receipt_code"] is None for p in bare["parts"])
    full = client.get(
        f"/api/v1/interconnected/track/{application.code}", {"check": mother.personal_id[-4:]}
    ).json()
    assert full["details"] is True and full["group_name"]
    assert full["parts"][0]["receipt_code"] == first_receipt(application)
    missing = client.get("/api/v1/interconnected/track/LT-000.00.31.H26-20260101-99999")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_misses_and_wrong_checks_are_throttled_with_the_dossiers(
    client: Client, application: Application
) -> None:
    for n in range(tracking.MISSES_PER_ADDRESS):
        client.get(f"/api/v1/tracking/000.00.31.H26-20260101-{n:04d}")
    refused = client.get(f"/api/v1/interconnected/track/{application.code}")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    page = client.get("/lien-thong/tra-cuu/", {"code": application.code})
    assert page.status_code == 429


def test_a_code_takes_few_wrong_checks_from_anywhere(
    application: Application, mother: User
) -> None:
    from egov.core.errors import TooManyRequests
    from egov.interconnected import selectors

    wrong = "0000" if mother.personal_id[-4:] != "0000" else "1111"
    for n in range(tracking.WRONG_CHECKS_PER_CODE):
        found = selectors.track(f"10.0.0.{n}", application.code, wrong)
        assert found is not None and found.wrong_check
    with pytest.raises(TooManyRequests):
        selectors.track("10.0.1.1", application.code, mother.personal_id[-4:])
