"""A person's own account: registration (level 0), proving a contact with a code (level 1), the
account page, and the download of everything the platform holds on them."""

import html
import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone, translation

from egov.core.errors import InvalidInput, TooManyRequests
from egov.core.models import AuditEntry
from egov.core.sms import MemorySmsBackend
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.identity.account import services
from egov.identity.models import ApiToken, IdentityLevel, User, VerificationCode
from egov.identity.tokens import issue_api_token
from tests.conftest import PASSWORD, bearer

PERSON = {
    "personal_id": "001095000004",
    "full_name": "Phạm Quốc Dũng",
    "birth_date": "1995-01-09",
    "email": "dung.pham@example.vn",
    "phone": "0912345004",
    "password": "Mat-khau-rat-manh-2026",
}


def vi(english: str, **values: Any) -> str:
    """``english`` as the pages say it: its Vietnamese translation once the catalogue has one."""
    with translation.override("vi"):
        text = translation.gettext(english)
    return text % values if values else text


def text_of(response: Any) -> str:
    return html.unescape(response.content.decode())


EXPIRED = "This code has expired or is no longer valid. Ask for a new one."
WRONG = "The code is not right. Tries left: %(left)s."


def register_page(client: Client, **change: str) -> Any:
    data = PERSON | {"password_again": PERSON["password"]} | change
    return client.post("/account/register/", data)


def code_in(text: str) -> str:
    found = re.search(r"\b(\d{6})\b", text)
    assert found, text
    return found.group(1)


def last_email_code() -> str:
    return code_in(mail.outbox[-1].body)


def last_sms_code() -> str:
    return code_in(MemorySmsBackend.outbox[-1][1])


# --- registration -----------------------------------------------------------------------------------


def test_register_from_the_page_then_verify_the_email(
    client: Client, db: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assert client.get("/account/register/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = register_page(client)
    assert response.status_code == 302
    assert response["Location"] == "/account/register/confirm/"
    person = User.objects.get(personal_id=PERSON["personal_id"])
    assert person.identity_level == IdentityLevel.UNVERIFIED
    assert person.check_password(PERSON["password"])
    assert person.username == PERSON["personal_id"]
    # A code by email and one by SMS, each stored only as a hash.
    assert mail.outbox[-1].to == [PERSON["email"]]
    assert MemorySmsBackend.outbox[-1][0] == PERSON["phone"]
    code = last_email_code()
    stored = VerificationCode.objects.filter(user=person)
    assert stored.count() == 2
    assert all(code not in row.code_hash for row in stored)
    # Not logged in yet: the confirmation page asks for both codes.
    assert "_auth_user_id" not in client.session
    page = client.get("/account/register/confirm/")
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in page.content.decode()
    response = client.post("/account/register/confirm/", {"channel": "email", "code": code})
    assert response["Location"] == "/account/"
    assert int(client.session["_auth_user_id"]) == person.pk  # the proven owner is logged in
    person.refresh_from_db()
    assert person.identity_level == IdentityLevel.LEVEL_1
    assert person.email_verified_at is not None and person.phone_verified_at is None
    entry = AuditEntry.objects.filter(
        action="identity_level_raised", object_id=str(person.pk)
    ).get()
    assert entry.data == {"level": 1, "by": "email"}


def test_the_sms_code_proves_the_phone(
    client: Client, db: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        register_page(client, email="")
    person = User.objects.get(personal_id=PERSON["personal_id"])
    assert mail.outbox == []
    assert "15" in MemorySmsBackend.outbox[-1][1]  # the validity is told
    client.post("/account/register/confirm/", {"channel": "phone", "code": last_sms_code()})
    person.refresh_from_db()
    assert person.identity_level == 1 and person.phone_verified_at is not None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"personal_id": "12345"}, "personal_id"),
        ({"email": "", "phone": ""}, "email"),
        ({"phone": "12ab"}, "phone"),
        ({"password": "123", "password_again": "123"}, "password"),
        ({"password": "001095000004x", "password_again": "001095000004x"}, "password"),
        ({"password_again": "something else"}, "password_again"),
        ({"birth_date": "2999-01-01"}, "birth_date"),
        ({"full_name": ""}, "full_name"),
    ],
)
def test_registration_errors_are_shown_at_their_fields(
    client: Client, db: Any, change: dict[str, str], field: str
) -> None:
    response = register_page(client, **change)
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert 'class="error-summary"' in response.content.decode()
    assert not User.objects.filter(personal_id=PERSON["personal_id"]).exists()


def test_a_personal_id_registers_once(client: Client, citizen: User) -> None:
    response = register_page(client, personal_id=citizen.personal_id or "")
    assert response.status_code == 302  # the same answer as for a new number: see
    assert User.objects.filter(personal_id=citizen.personal_id).count() == 1  # test_hardening


def test_a_logged_in_person_goes_to_their_account(client: Client, citizen: User) -> None:
    client.force_login(citizen)
    assert client.get("/account/register/")["Location"] == "/account/"


def test_register_and_verify_through_the_api(
    client: Client, db: Any, django_capture_on_commit_callbacks: Any
) -> None:
    payload = dict(PERSON)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/account/registrations", payload, content_type="application/json"
        )
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body == {"contacts": ["email", "phone"]}
    assert User.objects.get(personal_id=PERSON["personal_id"]).identity_level == 0
    wrong = client.post(
        "/api/v1/account/verification",
        {"personal_id": PERSON["personal_id"], "channel": "email", "code": "000000"},
        content_type="application/json",
    )
    if last_email_code() == "000000":  # one chance in a million
        return
    assert wrong.status_code == 422 and wrong.json()["code"] == "invalid_input"
    right = client.post(
        "/api/v1/account/verification",
        {"personal_id": PERSON["personal_id"], "channel": "email", "code": last_email_code()},
        content_type="application/json",
    )
    assert right.status_code == 200
    assert right.json()["identity_level"] == 1
    assert right.json()["unverified_contacts"] == ["phone"]
    # A number with an account gets the same answer, and nothing is created.
    again = client.post("/api/v1/account/registrations", payload, content_type="application/json")
    assert again.status_code == 202 and again.json() == body
    assert User.objects.filter(personal_id=PERSON["personal_id"]).count() == 1


def test_an_unknown_person_fails_like_a_wrong_code(client: Client, db: Any) -> None:
    response = client.post(
        "/api/v1/account/verification",
        {"personal_id": "001095999999", "channel": "email", "code": "123456"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"code": vi("Ask for a new code.")}


# --- codes -----------------------------------------------------------------------------------------


@pytest.fixture
def newcomer(db: Any, django_capture_on_commit_callbacks: Any) -> User:
    with django_capture_on_commit_callbacks(execute=True):
        return services.register_citizen(
            personal_id=PERSON["personal_id"],
            full_name=PERSON["full_name"],
            birth_date=timezone.localdate() - timedelta(days=30 * 365),
            password=PERSON["password"],
            email=PERSON["email"],
        )


def test_a_code_expires_after_15_minutes(newcomer: User) -> None:
    code = last_email_code()
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=15, seconds=1)),
        pytest.raises(InvalidInput, match=re.escape(vi(EXPIRED))),
    ):
        services.verify_contact(newcomer, "email", code)
    newcomer.refresh_from_db()
    assert newcomer.identity_level == 0


def test_five_wrong_tries_use_a_code_up(newcomer: User) -> None:
    code = last_email_code()
    wrong = "999999" if code != "999999" else "888888"
    for left in (4, 3, 2, 1, 0):
        with pytest.raises(InvalidInput, match=re.escape(vi(WRONG, left=left))):
            services.verify_contact(newcomer, "email", wrong)
    with pytest.raises(
        InvalidInput, match=re.escape(vi("Too many wrong codes. Ask for a new one."))
    ):
        services.verify_contact(newcomer, "email", code)  # even the right one
    assert VerificationCode.objects.get(user=newcomer).attempts == 5


def test_a_code_works_once(newcomer: User) -> None:
    code = last_email_code()
    services.verify_contact(newcomer, "email", code)
    with pytest.raises(InvalidInput):
        services.verify_contact(newcomer, "email", code)


def test_a_new_code_replaces_the_old_one_but_not_too_often(
    newcomer: User, django_capture_on_commit_callbacks: Any
) -> None:
    first = last_email_code()
    with pytest.raises(TooManyRequests):
        services.send_verification_code(newcomer, "email")
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        with django_capture_on_commit_callbacks(execute=True):
            services.send_verification_code(newcomer, "email")
        second = last_email_code()
        assert len(mail.outbox) == 2
        if first != second:
            with pytest.raises(InvalidInput):
                services.verify_contact(newcomer, "email", first)
        services.verify_contact(newcomer, "email", second)
    newcomer.refresh_from_db()
    assert newcomer.identity_level == 1


def test_resend_from_the_page(
    client: Client, newcomer: User, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(newcomer)
    with (
        time_machine.travel(timezone.now() + timedelta(seconds=61)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post("/account/verify/", {"channel": "email", "resend": "1"})
    assert response.status_code == 302
    assert len(mail.outbox) == 2
    too_soon = client.post("/account/verify/", {"channel": "email", "resend": "1"})
    assert too_soon.status_code == 429


def test_a_wrong_code_on_the_page(client: Client, newcomer: User) -> None:
    client.force_login(newcomer)
    code = last_email_code()
    response = client.post(
        "/account/verify/", {"channel": "email", "code": "111111" if code != "111111" else "2"}
    )
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.content.decode()


# --- the account page and the header ----------------------------------------------------------------


def test_the_account_page_and_its_header_link(client: Client, citizen: User) -> None:
    assert client.get("/account/").status_code == 302  # log in first
    client.force_login(citizen)
    home = client.get("/").content.decode()
    assert 'href="/account/"' in home
    page = client.get("/account/")
    assert page.status_code == 200
    html = page.content.decode()
    assert citizen.full_name in html
    assert 'action="/account/personal-data/"' in html
    # Level 2 already: no verification button.
    assert 'action="/account/registry-check/"' not in html


def test_a_level_one_person_is_offered_the_registry_check(
    client: Client, make_citizen: Callable[..., User]
) -> None:
    person = make_citizen(identity_level=1)
    client.force_login(person)
    assert 'action="/account/registry-check/"' in client.get("/account/").content.decode()
    newcomer = make_citizen(identity_level=0)
    client.force_login(newcomer)
    assert 'action="/account/registry-check/"' not in client.get("/account/").content.decode()


def test_the_account_api(client: Client, citizen: User) -> None:
    response = client.get("/api/v1/account", headers=bearer(citizen))
    assert response.status_code == 200
    body = response.json()
    assert body["identity_level"] == 2 and body["registry_verified_at"]
    assert client.get("/api/v1/account").status_code == 401


# --- personal data ------------------------------------------------------------------------------------


def test_download_everything_held_on_me(
    client: Client, citizen: User, make_dossier: Callable[..., Dossier]
) -> None:
    dossier = make_dossier(Status.RETURNED)
    secret = issue_api_token(citizen, "ứng dụng của tôi")
    client.force_login(citizen)
    response = client.post("/account/personal-data/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    raw = response.content.decode()
    data = json.loads(raw)
    assert data["format"] == "egov-personal-data/1"
    assert data["profile"]["personal_id"] == citizen.personal_id
    assert data["identity"]["level"] == 2 and data["identity"]["registry_verified_at"]
    assert [t["name"] for t in data["api_tokens"]] == ["ứng dụng của tôi"]
    (exported,) = data["dossiers"]
    assert exported["code"] == dossier.code
    assert exported["form_data"]["child_full_name"] == "Nguyễn Minh Khôi"
    assert {c["code"] for c in exported["components"]} == {"TO_KHAI", "GIAY_CHUNG_SINH"}
    assert all(len(c["sha256"]) == 64 for c in exported["components"])
    assert [e["kind"] for e in exported["events"]][:2] == ["draft_created", "submitted"]
    assert {n["event"] for n in data["notifications"]} >= {"received", "result_signed"}
    assert "login" in {a["action"] for a in data["activity"]}
    # Never a secret.
    token = ApiToken.objects.get(user=citizen, name="ứng dụng của tôi")
    for hidden in (secret, token.key_hash, citizen.password):
        assert hidden not in raw
    assert "password" not in raw and "key_hash" not in raw and "code_hash" not in raw
    assert AuditEntry.objects.filter(action="personal_data_exported", actor=citizen).exists()
    assert client.get("/account/personal-data/").status_code == 405  # a POST from the page


def test_personal_data_through_the_api(client: Client, citizen: User) -> None:
    response = client.get("/api/v1/account/personal-data", headers=bearer(citizen))
    assert response.status_code == 200
    assert response.json()["profile"]["full_name"] == citizen.full_name
    assert client.get("/api/v1/account/personal-data").status_code == 401


def test_an_officials_download_has_their_roles(
    client: Client, staff: dict[str, User], login_official: Callable[..., None]
) -> None:
    login_official(client, staff["receiver"])
    data = json.loads(client.post("/account/personal-data/").content)
    assert data["official_roles"] == [{"agency": "000.00.31.H26", "role": "receiver"}]
    assert data["dossiers"] == []


# --- no personal ID number in the logs ----------------------------------------------------------------


def test_the_personal_id_never_reaches_the_logs(
    client: Client,
    db: Any,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
    make_citizen: Callable[..., User],
) -> None:
    """Registration, login, a failed login, verification and an online submission, with every
    logger at DEBUG: the personal ID number appears in no log record."""
    from tests.conftest import BIRTH_FORM, pdf_bytes

    caplog.set_level("DEBUG")
    with django_capture_on_commit_callbacks(execute=True):
        register_page(client)
    client.post("/account/verify/", {"channel": "email", "code": last_email_code()})
    client.post("/logout/")
    client.post("/login/", {"username": PERSON["personal_id"], "password": "wrong"})
    client.post("/login/", {"username": PERSON["personal_id"], "password": PERSON["password"]})
    person = User.objects.get(personal_id=PERSON["personal_id"])
    User.objects.filter(pk=person.pk).update(identity_level=2)
    from django.core.files.uploadedfile import SimpleUploadedFile

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/dossiers",
            {
                "procedure": "1.001193",
                "agency": "000.00.31.H26",
                "form": json.dumps(BIRTH_FORM),
                "TO_KHAI": SimpleUploadedFile("a.pdf", pdf_bytes("Tờ khai")),
                "GIAY_CHUNG_SINH": SimpleUploadedFile("b.pdf", pdf_bytes("Giấy chứng sinh")),
            },
            headers={"Authorization": f"Bearer {issue_api_token(person, 'logs')}"},
        )
    assert response.status_code == 201, response.content
    other = make_citizen()
    client.force_login(other)
    client.get(f"/dossiers/{response.json()['id']}/")  # refused: logged as a 404
    assert caplog.records, "nothing was logged at all: the capture is not working"
    for record in caplog.records:
        text = f"{record.getMessage()} {record.__dict__}"
        assert PERSON["personal_id"] not in text, record
    assert PASSWORD not in caplog.text
