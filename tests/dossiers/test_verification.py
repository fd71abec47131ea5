"""Cần xác minh: the processing official records that a dossier needs verification, and the
legal deadline moves to the procedure's longer time (the birth registration: 1 working day, at
most 5 when verification is needed). Who may, from which status, once, only where the
procedure gives a longer time; the new date across a weekend and holidays; the timeline, the
notification, the page and the API. Time is frozen; every date was counted by hand.

Around 30 April 2026: Reunification Day (Thursday 30/4) and Labour Day (Friday 1/5) are public
holidays, then a weekend."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from egov.catalog.models import Procedure
from egov.core.calendar import is_working_day
from egov.core.models import Agency, Notification
from egov.dossiers import access, selectors, services
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.dossiers.services import InvalidInput, NotAllowed, NotFound, WrongState
from egov.identity.models import User
from tests.conftest import (
    BUSINESS_CHECKLIST,
    BUSINESS_FORM,
    bearer,
    business_files,
    log_in,
    vn,
)

MakeDossier = Callable[..., Dossier]
REASON = "Xác minh nơi sinh với Bệnh viện Phụ sản Hà Nội"


def at(*moment: int) -> time_machine.travel:
    return time_machine.travel(vn(*moment), tick=False)


@pytest.fixture
def processing(make_dossier: MakeDossier) -> Dossier:
    """A birth registration received and assigned on Tuesday 28/4/2026 at 09:00: due on
    Wednesday 29/4 at 09:00 (1 working day)."""
    with at(2026, 4, 28, 9):
        dossier = make_dossier(Status.PROCESSING)
    assert dossier.due_at == vn(2026, 4, 29, 9)
    return dossier


def snapshot(dossier: Dossier) -> tuple[Any, ...]:
    dossier = Dossier.objects.get(pk=dossier.pk)
    return dossier.status, dossier.version, dossier.due_at, dossier.events.count()


def test_the_due_date_moves_to_the_longer_time_across_holidays_and_a_weekend(
    processing: Dossier, staff: dict[str, User]
) -> None:
    holidays_and_weekend = [vn(2026, 4, 30), vn(2026, 5, 1), vn(2026, 5, 2), vn(2026, 5, 3)]
    assert not any(is_working_day(moment.date()) for moment in holidays_and_weekend)
    with at(2026, 4, 29, 8):
        extended = services.extend_for_verification(processing.pk, staff["processor"], REASON)
    extended.refresh_from_db()
    # 5 working days from Tuesday 28/4 09:00: Wed 29, (Thu 30, Fri 1 holidays, Sat 2, Sun 3),
    # Mon 4, Tue 5, Wed 6, Thu 7.
    assert extended.due_at == vn(2026, 5, 7, 9)
    assert extended.due_at == services.legal_deadline(extended.received_at, 5)  # type: ignore[arg-type]
    assert extended.status == Status.PROCESSING
    assert extended.verification_reason == REASON
    assert extended.promised_at is None  # not an apology slip
    assert extended.version == processing.version + 1
    event = extended.events.order_by("-id").first()
    assert event is not None
    assert (event.kind, event.actor, event.from_status, event.to_status) == (
        "extended_for_verification",
        staff["processor"],
        Status.PROCESSING,
        Status.PROCESSING,
    )
    assert event.data == {
        "reason": REASON,
        "working_days": 5,
        "previous_due_at": "2026-04-29T09:00:00+07:00",
        "due_at": "2026-05-07T09:00:00+07:00",
    }
    with at(2026, 5, 6, 16):  # past the old date, within the new one
        assert not Dossier.objects.get(pk=processing.pk).is_overdue
    with at(2026, 5, 7, 9, 1):
        assert Dossier.objects.get(pk=processing.pk).is_overdue


def test_a_supplement_s_stopped_time_is_kept(
    make_dossier: MakeDossier, staff: dict[str, User], citizen: User
) -> None:
    """A supplement moved the due date: the extension adds the extra working days to it."""
    with at(2026, 4, 28, 9):
        dossier = make_dossier(Status.PROCESSING)
    with at(2026, 4, 28, 10):
        services.request_supplement(dossier.pk, staff["processor"], "Bổ sung giấy chứng sinh")
    # Back on Monday 4/5 at 08:00 with 23 working hours left: due Tuesday 5/5 at 08:00.
    with at(2026, 5, 4, 8):
        services.provide_supplement(dossier.pk, citizen, None, {})
    dossier.refresh_from_db()
    assert (dossier.status, dossier.due_at) == (Status.PROCESSING, vn(2026, 5, 5, 8))
    with at(2026, 5, 4, 9):
        services.extend_for_verification(dossier.pk, staff["processor"], REASON)
    dossier.refresh_from_db()
    # 4 more working days than the 1: Wed 6, Thu 7, Fri 8, Mon 11 (not 7/5 from the receipt).
    assert dossier.due_at == vn(2026, 5, 11, 8)


def test_any_processor_of_the_agency_may_record_it(
    processing: Dossier, ward: Agency, make_official: Callable[..., User]
) -> None:
    colleague = make_official(ward, "processor", username="processor.colleague")
    assert processing.assignee_id != colleague.pk
    with at(2026, 4, 29, 8):
        services.extend_for_verification(processing.pk, colleague, REASON)
    assert Dossier.objects.get(pk=processing.pk).due_at == vn(2026, 5, 7, 9)


@pytest.mark.parametrize("who", ["receiver", "approver", "agency_admin", "applicant"])
def test_the_other_roles_and_the_applicant_are_refused(
    processing: Dossier, staff: dict[str, User], citizen: User, who: str
) -> None:
    before = snapshot(processing)
    actor = citizen if who == "applicant" else staff[who]
    with at(2026, 4, 29, 8), pytest.raises(NotAllowed) as refused:
        services.extend_for_verification(processing.pk, actor, REASON)
    assert refused.value.http_status == 403
    assert snapshot(processing) == before


def test_a_processor_of_another_agency_finds_nothing(
    processing: Dossier, other_ward: Agency, make_official: Callable[..., User]
) -> None:
    before = snapshot(processing)
    stranger = make_official(other_ward, "processor")
    with at(2026, 4, 29, 8), pytest.raises(NotFound):
        services.extend_for_verification(processing.pk, stranger, REASON)
    assert snapshot(processing) == before


def test_a_second_time_is_refused(processing: Dossier, staff: dict[str, User]) -> None:
    with at(2026, 4, 29, 8):
        services.extend_for_verification(processing.pk, staff["processor"], REASON)
    before = snapshot(processing)
    with at(2026, 4, 30, 8), pytest.raises(WrongState) as refused:
        services.extend_for_verification(processing.pk, staff["processor"], "Xác minh lại")
    assert refused.value.http_status == 409
    assert refused.value.message == (
        "Thời hạn giải quyết của hồ sơ này đã được kéo dài để xác minh."
    )
    assert snapshot(processing) == before
    assert "extend_for_verification" not in allowed(staff["processor"], processing)


def allowed(user: User, dossier: Dossier) -> list[str]:
    return access.allowed_actions(user, Dossier.objects.get(pk=dossier.pk))


def test_a_procedure_without_a_longer_time_is_refused(
    business: Procedure, ward: Agency, citizen: User, staff: dict[str, User]
) -> None:
    assert business.verification_working_days is None
    with at(2026, 4, 28, 9):
        dossier, _ = services.submit_online(
            citizen, business, ward, BUSINESS_FORM, business_files()
        )
        services.receive(dossier.pk, staff["receiver"], BUSINESS_CHECKLIST)
        services.assign(dossier.pk, staff["receiver"], staff["processor"])
    before = snapshot(dossier)
    assert "extend_for_verification" not in allowed(staff["processor"], dossier)
    with at(2026, 4, 29, 8), pytest.raises(WrongState) as refused:
        services.extend_for_verification(dossier.pk, staff["processor"], REASON)
    assert refused.value.message == (
        "Thủ tục này không quy định thời hạn giải quyết dài hơn cho trường hợp cần xác minh."
    )
    assert snapshot(dossier) == before


@pytest.mark.parametrize(
    "status",
    [
        Status.SUBMITTED,
        Status.RECEIVED,
        Status.AWAITING_SUPPLEMENT,
        Status.AWAITING_APPROVAL,
        Status.RESULT_READY,
        Status.RETURNED,
        Status.REJECTED,
    ],
)
def test_only_while_being_processed(
    make_dossier: MakeDossier, staff: dict[str, User], status: str
) -> None:
    dossier = make_dossier(status)
    before = snapshot(dossier)
    with pytest.raises(WrongState) as refused:
        services.extend_for_verification(dossier.pk, staff["processor"], REASON)
    assert refused.value.message == (
        f"Hồ sơ đang ở trạng thái “{Status(status).label}”; hiện không thể thực hiện thao tác"
        " “Ghi nhận hồ sơ cần xác minh”."
    )
    assert snapshot(dossier) == before


@pytest.mark.parametrize("reason", ["", "  \n ", "x" * 1001])
def test_a_reason_is_required_and_bounded(
    processing: Dossier, staff: dict[str, User], reason: str
) -> None:
    before = snapshot(processing)
    with pytest.raises(InvalidInput) as refused:
        services.extend_for_verification(processing.pk, staff["processor"], reason)
    assert list(refused.value.errors) == ["reason"]
    assert snapshot(processing) == before
    services.extend_for_verification(processing.pk, staff["processor"], "x" * 1000)


def test_the_applicant_sees_it_in_the_timeline_and_is_told(
    processing: Dossier,
    staff: dict[str, User],
    citizen: User,
    django_capture_on_commit_callbacks: Any,
    mailoutbox: list[Any],
) -> None:
    with at(2026, 4, 29, 8), django_capture_on_commit_callbacks(execute=True):
        services.extend_for_verification(processing.pk, staff["processor"], REASON)
    dossier = Dossier.objects.get(pk=processing.pk)
    [event] = [e for e in selectors.timeline(dossier, internal=False) if e.data.get("reason")]
    assert event.kind == "extended_for_verification"
    [notification] = Notification.objects.filter(
        topic="extended_for_verification", channel="email", object_id=str(dossier.pk)
    )
    [email] = mailoutbox
    assert email.body == notification.text
    assert email.body.startswith(
        f"Hồ sơ {dossier.code} cần xác minh ({REASON}). Theo quy định, thời hạn giải quyết được"
        " kéo dài thành 5 ngày làm việc: hẹn trả kết quả 09:00 07/05/2026."
    )
    client = Client()
    log_in(client, citizen)
    page = client.get(f"/dossiers/{dossier.pk}/").content.decode()
    assert "Hồ sơ cần xác minh: thời hạn giải quyết được kéo dài theo quy định" in page
    assert REASON in page
    assert "09:00 07/05/2026" in page
    assert "Ghi nhận hồ sơ cần xác minh" not in page  # no form for the applicant


def test_the_processor_records_it_on_the_page(processing: Dossier, staff: dict[str, User]) -> None:
    client = Client()
    log_in(client, staff["processor"])
    with at(2026, 4, 29, 8):
        page = client.get(f"/dossiers/{processing.pk}/").content.decode()
        assert f'action="/dossiers/{processing.pk}/act/extend_for_verification/"' in page
        assert "Ghi nhận hồ sơ cần xác minh" in page
        empty = client.post(
            f"/dossiers/{processing.pk}/act/extend_for_verification/",
            {"reason": " ", "version": processing.version},
        )
        assert empty.status_code == 422
        assert "Vui lòng nêu rõ lý do." in empty.content.decode()
        done = client.post(
            f"/dossiers/{processing.pk}/act/extend_for_verification/",
            {"reason": REASON, "version": processing.version},
        )
        assert done.status_code == 302
        page = client.get(done["Location"]).content.decode()
    assert "Cần xác minh" in page and REASON in page
    assert "thời hạn giải quyết theo quy định kéo dài thành 5 ngày làm việc" in page
    assert Dossier.objects.get(pk=processing.pk).due_at == vn(2026, 5, 7, 9)
    # Not offered any more.
    assert "act/extend_for_verification/" not in page


def test_the_api_step(processing: Dossier, staff: dict[str, User], client: Client) -> None:
    url = f"/api/v1/dossiers/{processing.pk}/extend-for-verification"
    with at(2026, 4, 29, 8):
        too_long = client.post(
            url, {"reason": "x" * 1001}, content_type="application/json", **as_processor(staff)
        )
        assert too_long.status_code == 422
        response = client.post(
            url,
            {"reason": REASON, "version": processing.version},
            content_type="application/json",
            **as_processor(staff),
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert datetime.fromisoformat(body["due_at"]) == vn(2026, 5, 7, 9)
        assert body["verification_reason"] == REASON
        assert "extend_for_verification" not in body["allowed_actions"]
        again = client.post(
            url, {"reason": REASON}, content_type="application/json", **as_processor(staff)
        )
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_state"
    receiver = client.post(
        url,
        {"reason": REASON},
        content_type="application/json",
        headers=bearer(staff["receiver"]),
    )
    assert receiver.status_code == 403


def as_processor(staff: dict[str, User]) -> dict[str, Any]:
    return {"headers": bearer(staff["processor"])}
