"""Phản ánh, kiến nghị: routed to the agency, due in working days, answered only by that
agency's officials, published with personal data removed, searchable, on the procedure page."""

from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client

from egov.catalog.models import Procedure
from egov.catalog.selectors import performing_agencies
from egov.core import calendar
from egov.core.errors import InvalidInput, NotFound, WrongState
from egov.core.models import Agency
from egov.dossiers.models import Dossier
from egov.feedback import selectors, services
from egov.feedback.models import FeedbackStatus
from egov.identity.models import User
from tests.conftest import log_in, vn

pytestmark = pytest.mark.django_db

PRIVATE = "Tôi là Trần Thị Hoa, số CCCD 001090012345, điện thoại 0912 345 678, hoa@example.vn."


def send(author: User | None, birth: Procedure, ward: Agency, **extra: Any) -> Any:
    fields = {
        "subject": "Giấy chứng sinh bản sao có được không?",
        "text": "Bệnh viện chỉ cấp một bản giấy chứng sinh. " + PRIVATE,
        "procedure_code": birth.code,
        "agency_code": ward.code,
        "author_name": "Trần Thị Hoa",
        "author_contact": "hoa@example.vn",
    }
    return services.submit(author=author, **{**fields, **extra})


def test_feedback_goes_to_the_chosen_agency_and_is_due_in_working_days(
    birth: Procedure, ward: Agency, other_ward: Agency, agencies: dict[str, Agency]
) -> None:
    with time_machine.travel(vn(2026, 2, 12, 9), tick=False):  # Tết follows
        feedback = send(None, birth, ward)
    assert feedback.agency == ward and feedback.status == FeedbackStatus.OPEN
    assert feedback.due_at == calendar.add_working_days(vn(2026, 2, 12, 9), 10)
    assert feedback.due_at.date() > vn(2026, 2, 26).date()  # the Tết days do not count
    stranger = next(a for a in agencies.values() if a not in performing_agencies(birth))
    with pytest.raises(InvalidInput):
        send(None, birth, stranger)
    with pytest.raises(InvalidInput):
        send(None, birth, ward, subject=" ", text="x" * 5000)


def test_only_the_applicant_sends_feedback_about_their_dossier(
    make_dossier: Callable[..., Dossier], citizen: User, other_citizen: User
) -> None:
    dossier = make_dossier()
    fields = {"subject": "Chậm", "text": "Hồ sơ chưa được tiếp nhận."}
    feedback = services.submit(author=citizen, dossier_id=dossier.pk, **fields)
    assert feedback.agency == dossier.agency and feedback.dossier == dossier
    with pytest.raises(NotFound):
        services.submit(author=other_citizen, dossier_id=dossier.pk, **fields)
    with pytest.raises(NotFound):
        services.submit(author=None, dossier_id=dossier.pk, **fields)


def test_only_an_official_of_the_agency_answers_and_the_answer_is_published_without_personal_data(
    client: Client,
    birth: Procedure,
    ward: Agency,
    other_ward: Agency,
    citizen: User,
    staff: dict[str, User],
    make_official: Callable[..., User],
    django_capture_on_commit_callbacks: Any,
) -> None:
    feedback = send(citizen, birth, ward)
    outsider = make_official(other_ward, "receiver")
    with pytest.raises(NotFound):
        services.answer(outsider, feedback.code, "Không phải việc của tôi.")
    public = client.get(f"/phan-anh/{feedback.code}/").content.decode()
    assert "Bệnh viện" not in public  # not published before it is answered

    with django_capture_on_commit_callbacks(execute=True):
        answered = services.answer(
            staff["processor"],
            feedback.code,
            "Bản sao giấy chứng sinh có chứng thực được chấp nhận.",
        )
    assert answered.status == FeedbackStatus.ANSWERED and answered.on_time
    with pytest.raises(WrongState):
        services.answer(staff["processor"], feedback.code, "Lần hai.")
    assert [m.to for m in mail.outbox] == [[citizen.email]]

    page = client.get(f"/phan-anh/{feedback.code}/").content.decode()
    assert "Bệnh viện chỉ cấp một bản" in page and "chứng thực được chấp nhận" in page
    for private in (
        "Trần Thị Hoa",
        "001090012345",
        "0912 345 678",
        "hoa@example.vn",
        citizen.full_name,
    ):
        assert private not in page
    search = client.get("/phan-anh/", {"q": "giay chung sinh"}).content.decode()
    assert feedback.code in search
    assert feedback.code not in client.get("/phan-anh/", {"q": "ho chieu"}).content.decode()
    procedure_page = client.get(f"/procedures/{birth.code}/").content.decode()
    assert "chứng thực được chấp nhận" in procedure_page
    assert selectors.counts() == {"received": 1, "answered": 1, "on_time": 1}


def test_the_agency_answers_from_its_back_office_page(
    client: Client,
    birth: Procedure,
    ward: Agency,
    staff: dict[str, User],
    other_ward: Agency,
    make_official: Callable[..., User],
) -> None:
    feedback = send(None, birth, ward)
    outsider = make_official(other_ward, "receiver")
    log_in(client, outsider)
    assert feedback.code not in client.get("/backoffice/phan-anh/").content.decode()
    assert client.post(f"/backoffice/phan-anh/{feedback.code}/", {"answer": "x"}).status_code == 404
    client.post("/logout/")
    log_in(client, staff["receiver"])
    assert feedback.code in client.get("/backoffice/phan-anh/").content.decode()
    done = client.post(f"/backoffice/phan-anh/{feedback.code}/", {"answer": "Đã xử lý."})
    assert done.status_code == 302
    feedback.refresh_from_db()
    assert feedback.answered_by == staff["receiver"]


def test_sending_is_limited_per_address(client: Client, birth: Procedure, ward: Agency) -> None:
    form = {"agency": ward.code, "subject": "Góp ý", "text": "Nội dung góp ý."}
    url = f"/phan-anh/gui/?procedure={birth.code}"
    for _ in range(10):
        assert client.post(url, form).status_code == 302
    assert client.post(url, form).status_code == 429
