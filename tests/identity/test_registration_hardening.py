"""Registration that does not tell who has an account, rate limits on registrations and codes,
and the links that lead to registration and to the officials' pages."""

import html
import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.utils import timezone

from egov.core.models import Agency, AuditEntry
from egov.core.sms import MemorySmsBackend
from egov.identity import ratelimit
from egov.identity.account import services
from egov.identity.models import User
from tests.conftest import log_in

from .test_account import PERSON, code_in, register_page, vi


def answer(client: Client, response: Any) -> tuple[int, str, list[str], str]:
    """What the person registering sees: status, where it leads, the messages, the next page."""
    messages = [str(message) for message in get_messages(response.wsgi_request)]
    page = client.get(response["Location"]) if response.status_code == 302 else response
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page.content.decode())
    return response.status_code, response.get("Location", ""), messages, text


#: The rate limiters count per whole hour: no test may straddle two windows.
pytestmark = pytest.mark.usefixtures("start_of_an_hour")


# --- who has an account is not told ---------------------------------------------------------------


def test_a_number_with_an_account_gets_the_answer_a_new_number_gets(
    db: Any, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    new, taken = Client(), Client()
    with django_capture_on_commit_callbacks(execute=True):
        first = answer(new, register_page(new))
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [PERSON["email"]]  # the code
    with django_capture_on_commit_callbacks(execute=True):
        second = answer(taken, register_page(taken, personal_id=owner.personal_id or ""))
    assert first == second
    assert first[1] == "/account/register/confirm/"
    # Nothing was made or changed; the owner is told by their proven address, not the one typed.
    assert User.objects.filter(personal_id=owner.personal_id).count() == 1
    assert User.objects.get(pk=owner.pk).email == "owner@example.vn"
    assert [message.to for message in mail.outbox[1:]] == [["owner@example.vn"]]
    assert "already have an account" in mail.outbox[1].body or "đã có tài khoản" in (
        mail.outbox[1].body
    )
    assert not re.search(r"\b\d{6}\b", mail.outbox[1].body)  # no code in it
    assert AuditEntry.objects.filter(
        action="registration_of_existing_account", object_id=str(owner.pk)
    ).exists()
    assert owner.personal_id not in str(AuditEntry.objects.values_list("data", flat=True))


def test_codes_for_a_number_with_an_account_fail_as_wrong_codes_do(
    db: Any, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    new, taken = Client(), Client()
    with django_capture_on_commit_callbacks(execute=True):
        register_page(new)
        register_page(taken, personal_id=owner.personal_id or "")
    code = code_in(next(sent.body for sent in mail.outbox if sent.to == [PERSON["email"]]))
    wrong = "999999" if code != "999999" else "888888"
    for _ in range(6):
        answers = [
            answer(
                browser,
                browser.post("/account/register/confirm/", {"channel": "email", "code": wrong}),
            )
            for browser in (new, taken)
        ]
        assert answers[0][:3] == answers[1][:3]
    assert "_auth_user_id" not in taken.session
    # A new code is asked for in the same way, with the same wait.
    for browser in (new, taken):
        soon = browser.post("/account/register/confirm/", {"channel": "email", "resend": "1"})
        assert soon.status_code == 429
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        resent = [
            answer(
                browser,
                browser.post("/account/register/confirm/", {"channel": "email", "resend": "1"}),
            )
            for browser in (new, taken)
        ]
    assert resent[0] == resent[1]
    assert resent[0][2] == [vi("A new code has been sent.")]


def test_the_confirmation_page_needs_a_registration(client: Client, db: Any) -> None:
    assert client.get("/account/register/confirm/")["Location"] == "/account/register/"


# --- rate limits ----------------------------------------------------------------------------------


def test_registrations_are_limited_per_personal_id(client: Client, db: Any) -> None:
    for _ in range(services.REGISTRATIONS_PER_PERSON):
        assert register_page(Client(), password_again="different").status_code == 422
    refused = register_page(client)
    assert refused.status_code == 429
    assert vi(str(ratelimit.TOO_MANY)) in html.unescape(refused.content.decode())
    assert not User.objects.filter(personal_id=PERSON["personal_id"]).exists()
    assert AuditEntry.objects.filter(action="registration_throttled", data={"by": "person"})


def test_registrations_are_limited_per_address(client: Client, db: Any) -> None:
    for n in range(services.REGISTRATIONS_PER_ADDRESS):
        register_page(client, personal_id=f"0010950{n:05d}", password_again="different")
    refused = register_page(client, personal_id="001095099999")
    assert refused.status_code == 429
    # Another address is not affected.
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert register_page(other, personal_id="001095099999").status_code == 302


def test_the_registration_api_is_limited_too(client: Client, db: Any) -> None:
    payload = PERSON | {"password": "123"}
    for _ in range(services.REGISTRATIONS_PER_PERSON):
        response = client.post(
            "/api/v1/account/registrations", payload, content_type="application/json"
        )
        assert response.status_code == 422
    refused = client.post("/api/v1/account/registrations", PERSON, content_type="application/json")
    assert refused.status_code == 429
    assert refused.json()["code"] == "too_many_requests"


def test_codes_tried_without_a_login_are_limited(client: Client, db: Any) -> None:
    body = {"personal_id": "001095999999", "channel": "email", "code": "123456"}
    for _ in range(services.CODES_PER_PERSON):
        tried = client.post("/api/v1/account/verification", body, content_type="application/json")
        assert tried.status_code == 422
    refused = client.post("/api/v1/account/verification", body, content_type="application/json")
    assert refused.status_code == 429


def test_new_codes_for_a_logged_in_person_are_limited(
    client: Client, make_citizen: Any, django_capture_on_commit_callbacks: Any
) -> None:
    person = make_citizen(identity_level=0, phone="")
    log_in(client, person)
    # Within one window of the limiter (whole hours).
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    sent = 0
    for minute in range(services.CODES_PER_PERSON + 1):
        with time_machine.travel(start + timedelta(minutes=2 * minute)):
            response = client.post("/account/verify/", {"channel": "email", "resend": "1"})
        if response.status_code == 302:
            sent += 1
    assert sent == services.CODES_PER_PERSON
    assert response.status_code == 429
    assert MemorySmsBackend.outbox == [] or all(
        number != person.phone for number, _ in MemorySmsBackend.outbox
    )


# --- links ----------------------------------------------------------------------------------------


def test_the_login_page_links_to_registration(client: Client, db: Any) -> None:
    page = client.get("/login/").content.decode()
    assert 'href="/account/register/"' in page


def test_the_header_links_administrators_to_the_officials_pages(
    client: Client, ward: Agency, make_official: Any, citizen: User
) -> None:
    admin = make_official(ward, "agency_admin")
    receiver = make_official(ward, "receiver")
    log_in(client, admin)
    assert 'href="/officials/"' in client.get("/").content.decode()
    log_in(client, receiver)
    assert 'href="/officials/"' not in client.get("/").content.decode()
    log_in(client, citizen)
    assert 'href="/officials/"' not in client.get("/").content.decode()
