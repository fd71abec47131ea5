"""The portal as an OpenID Connect relying party: the "Log in" link, the authorization code flow
at ``OIDC_ISSUER`` with Authlib, the friendly pages when it goes wrong, and the rules that make
local accounts from the provider's claims.

The provider here is this very process's, reached through Django's test client: Authlib's HTTP
calls go through a transport adapter instead of the network (no server, no port), so the whole
protocol runs as it would between two deployments. ``tests/e2e/test_oidc_login.py`` runs it between
two real servers and a browser.
"""

import html
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from requests.structures import CaseInsensitiveDict

from egov.core.models import Agency, AuditEntry
from egov.identity.models import IdentityLevel, User, UserKind
from egov.identity.oidc import client as oidc_client
from egov.identity.oidc import services, views
from egov.identity.oidc.services import (
    SESSION_AMR,
    ProvisioningRefused,
    login_methods,
    provision_user,
)
from tests.conftest import PASSWORD
from tests.deployments import free_port

from .conftest import register_client
from .test_oidc_provider import query

ISSUER = "https://testserver/o"
CALLBACK = "https://testserver/oidc/callback/"


def vi(text: Any) -> str:
    """A message as the Vietnamese pages show it (the msgid itself until it is translated)."""
    with translation.override("vi"):
        return str(text)


def text_of(page: Any) -> str:
    return html.unescape(page.content.decode())


class InProcessTransport(requests.adapters.BaseAdapter):
    """Answers the relying party's requests to https://testserver with Django's test client."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    def send(self, request: Any, *args: Any, **kwargs: Any) -> requests.Response:
        url = urlsplit(request.url)
        self.paths.append(url.path)
        body = request.body or b""
        answer = Client().generic(
            request.method,
            f"{url.path}?{url.query}" if url.query else url.path,
            data=body.encode() if isinstance(body, str) else body,
            content_type=request.headers.get("Content-Type", "application/octet-stream"),
            secure=url.scheme == "https",
            headers={
                name: value
                for name, value in request.headers.items()
                if name.lower() not in {"content-type", "content-length", "host"}
            },
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = answer.content
        response.headers = CaseInsensitiveDict(dict(answer.headers))
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


@pytest.fixture
def transport(monkeypatch: pytest.MonkeyPatch) -> InProcessTransport:
    adapter = InProcessTransport()
    original = requests.Session.get_adapter

    def get_adapter(session: requests.Session, url: str) -> Any:
        return adapter if url.startswith("https://testserver/") else original(session, url)

    monkeypatch.setattr(requests.Session, "get_adapter", get_adapter)
    return adapter


@pytest.fixture
def federated(settings: Any, db: Any, transport: InProcessTransport) -> InProcessTransport:
    """This deployment logs in through the provider at ISSUER, where it is registered."""
    registered = register_client("Cổng thử nghiệm", CALLBACK)
    settings.OIDC_ISSUER = ISSUER
    settings.OIDC_CLIENT_ID = registered.client_id
    settings.OIDC_CLIENT_SECRET = registered.client_secret
    return transport


@pytest.fixture
def browser() -> Client:
    return Client()


def follow(browser: Client, response: Any) -> Any:
    """One redirect, as a browser makes it (this site's addresses only)."""
    assert response.status_code == 302, response
    location = urlsplit(response["Location"])
    path = f"{location.path}?{location.query}" if location.query else location.path
    return browser.get(path, secure=True)


def log_in_through_provider(
    browser: Client, person: User, start: str = "/login/start/", allow: bool = True
) -> Any:
    """Click "Log in", log in at the provider, answer the consent page: the callback's answer.

    A citizen types the password on the login page; an official is logged in there with two
    factors."""
    response = browser.get(start, secure=True)
    response = follow(browser, response)  # -> /oidc/login/
    authorize = follow(browser, response)  # -> the provider's authorize endpoint
    assert authorize.status_code == 302 and authorize["Location"].startswith("/login/?next=")
    next_url = query(authorize["Location"])["next"]
    if person.is_official:
        # The provider's own login asks officials for a TOTP code: what it leaves in the session.
        browser.force_login(person)
        device = TOTPDevice.objects.create(user=person, name="app", confirmed=True)
        session = browser.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        consent = browser.get(next_url, secure=True)
    else:
        logged_in = browser.post(
            "/login/",
            {"username": person.personal_id, "password": PASSWORD, "next": next_url},
            secure=True,
        )
        consent = follow(browser, logged_in)
    assert consent.status_code == 200, consent
    fields = {
        name: value
        for name, value in consent.context["form"].initial.items()
        if value is not None and name != "allow"
    }
    if allow:
        fields["allow"] = "on"
    answer = browser.post("/o/authorize/", fields, secure=True)
    assert answer["Location"].startswith(CALLBACK)
    return follow(browser, answer)


# --- the "Log in" link ----------------------------------------------------------------------------


def test_without_an_issuer_log_in_is_the_built_in_login_page(
    client: Client, settings: Any, db: Any
) -> None:
    settings.OIDC_ISSUER = ""
    assert 'href="/login/start/"' in client.get("/").content.decode()
    assert client.get("/login/start/")["Location"] == "/login/"
    assert client.get("/login/start/?next=/dossiers/")["Location"] == (
        "/login/?next=%2Fdossiers%2F"
    )
    # A "next" elsewhere is dropped.
    assert client.get("/login/start/?next=https://evil.example/")["Location"] == "/login/"
    assert client.get("/oidc/login/")["Location"] == "/login/start/"
    not_configured = client.get("/oidc/callback/?code=x&state=y")
    assert not_configured.status_code == 404
    assert vi(views.NOT_CONFIGURED) in text_of(not_configured)


def test_with_an_issuer_log_in_starts_the_code_flow_with_pkce(
    browser: Client, federated: InProcessTransport
) -> None:
    start = browser.get("/login/start/?next=/dossiers/", secure=True)
    assert start["Location"] == "/oidc/login/?next=%2Fdossiers%2F"
    redirect = follow(browser, start)
    location = urlsplit(redirect["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{ISSUER}/authorize/"
    params = query(redirect["Location"])
    assert params["response_type"] == "code"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert params["redirect_uri"] == CALLBACK
    assert params["state"] and params["nonce"]
    assert params["scope"].split() == ["openid", "profile", "email", "phone"]
    assert federated.paths == ["/o/.well-known/openid-configuration"]


# --- the whole flow -------------------------------------------------------------------------------


def test_a_citizen_logs_in_through_the_provider(
    browser: Client, federated: InProcessTransport, citizen: User
) -> None:
    landed = log_in_through_provider(browser, citizen, start="/login/start/?next=/dossiers/")
    assert landed.status_code == 302
    assert landed["Location"] == "/dossiers/"
    assert int(browser.session["_auth_user_id"]) == citizen.pk
    assert browser.session[SESSION_AMR] == ["pwd"]
    # Discovery once, then the token and the keys on the back channel.
    assert federated.paths == [
        "/o/.well-known/openid-configuration",
        "/o/token/",
        "/o/.well-known/jwks.json",
    ]
    assert browser.get("/dossiers/", secure=True).status_code == 200


def test_refusing_consent_ends_on_a_friendly_page(
    browser: Client, federated: InProcessTransport, citizen: User
) -> None:
    # The person is logged in at the provider, which is this same site here; what matters is
    # the page the callback shows.
    page = log_in_through_provider(browser, citizen, allow=False)
    assert page.status_code == 200
    assert vi(views.DENIED) in text_of(page)
    assert 'href="/login/start/"' in page.content.decode()


def test_an_official_with_two_factors_logs_in_through_the_provider(
    browser: Client,
    federated: InProcessTransport,
    ward: Agency,
    make_official: Callable[..., User],
) -> None:
    official = make_official(ward, "receiver", username="tiepnhan.oidc")
    landed = log_in_through_provider(browser, official)
    assert landed.status_code == 302
    assert int(browser.session["_auth_user_id"]) == official.pk
    assert browser.session[SESSION_AMR] == ["pwd", "otp"]


def test_a_refused_account_ends_on_a_page_that_says_why(
    browser: Client,
    federated: InProcessTransport,
    citizen: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(claims: Any) -> User:
        raise ProvisioningRefused(services.ONE_FACTOR)

    monkeypatch.setattr(views, "provision_user", refuse)
    page = log_in_through_provider(browser, citizen)
    assert page.status_code == 403
    assert vi(services.ONE_FACTOR) in text_of(page)


# --- what can go wrong ----------------------------------------------------------------------------


def test_a_provider_that_cannot_be_reached_ends_on_a_friendly_page(
    browser: Client, settings: Any
) -> None:
    settings.OIDC_ISSUER = f"http://127.0.0.1:{free_port()}/o"
    settings.OIDC_CLIENT_ID = "portal"
    settings.OIDC_CLIENT_SECRET = "secret"
    settings.OIDC_HTTP_TIMEOUT = 2
    page = browser.get("/oidc/login/")
    assert page.status_code == 502
    assert vi(views.PROVIDER_DOWN) in text_of(page)


def test_a_callback_with_another_state_is_refused(
    browser: Client, federated: InProcessTransport
) -> None:
    follow(browser, browser.get("/login/start/", secure=True))  # a login in progress
    page = browser.get("/oidc/callback/?code=abc&state=not-the-one", secure=True)
    assert page.status_code == 400
    assert vi(views.STALE) in text_of(page)
    assert "_auth_user_id" not in browser.session

    fresh = Client()  # no login started in this browser at all
    assert fresh.get("/oidc/callback/?code=abc&state=x", secure=True).status_code == 400


def test_a_code_the_provider_refuses_ends_on_a_friendly_page(
    browser: Client, federated: InProcessTransport
) -> None:
    redirect = follow(browser, browser.get("/login/start/", secure=True))
    state = query(redirect["Location"])["state"]
    page = browser.get(f"/oidc/callback/?code=forged&state={state}", secure=True)
    assert page.status_code == 400
    assert vi(views.REJECTED) in text_of(page)
    assert "/o/token/" in federated.paths


def test_an_answer_from_another_issuer_is_refused(
    browser: Client, federated: InProcessTransport
) -> None:
    redirect = follow(browser, browser.get("/login/start/", secure=True))
    state = query(redirect["Location"])["state"]
    page = browser.get(
        f"/oidc/callback/?code=x&state={state}&iss=https%3A%2F%2Fevil.example%2Fo", secure=True
    )
    assert page.status_code == 400
    assert "/o/token/" not in federated.paths  # the code is not even sent anywhere


@pytest.mark.parametrize("error", ["access_denied", "server_error"])
def test_an_error_answer_ends_on_a_friendly_page(
    browser: Client, federated: InProcessTransport, error: str
) -> None:
    page = browser.get(f"/oidc/callback/?error={error}&state=x", secure=True)
    expected = views.DENIED if error == "access_denied" else views.REJECTED
    assert page.status_code == (200 if error == "access_denied" else 400)
    assert vi(expected) in text_of(page)


# --- making local accounts from the claims --------------------------------------------------------


def claims(**extra: Any) -> dict[str, Any]:
    return {
        "sub": "77",
        "personal_id": "001203004005",
        "name": "Phạm Quốc Việt",
        "birthdate": "2003-04-05",
        "identity_level": 2,
        "acr": "urn:egov:loa:2",
        "amr": ["pwd"],
        "egov_kind": "citizen",
        "preferred_username": "001203004005",
        "email": "viet.pham@example.vn",
        "phone_number": "0912345678",
        **extra,
    }


def test_a_citizen_is_created_from_the_claims(db: Any) -> None:
    user = provision_user(claims())
    assert user.kind == UserKind.CITIZEN
    assert user.username == user.personal_id == "001203004005"
    assert user.full_name == "Phạm Quốc Việt"
    assert user.birth_date == date(2003, 4, 5)
    assert user.identity_level == IdentityLevel.LEVEL_2
    assert user.email == "viet.pham@example.vn" and user.phone == "0912345678"
    assert not user.has_usable_password()  # they authenticate at the provider
    entry = AuditEntry.objects.get(action="citizen_created", object_id=str(user.pk))
    assert entry.data == {"via": "oidc"}  # no personal data in the audit log


def test_a_citizen_is_updated_from_the_claims(make_citizen: Callable[..., User]) -> None:
    known = make_citizen(personal_id="001203004005", full_name="Phạm Quốc Viêt")
    User.objects.filter(pk=known.pk).update(identity_level=IdentityLevel.UNVERIFIED)
    user = provision_user(claims(identity_level=1))
    assert user.pk == known.pk
    assert user.full_name == "Phạm Quốc Việt"
    assert user.birth_date == date(2003, 4, 5)
    assert user.identity_level == IdentityLevel.LEVEL_1
    assert user.check_password(PASSWORD)  # a local password stays usable
    entry = AuditEntry.objects.filter(action="citizen_updated_from_provider").latest("id")
    assert set(entry.data["fields"]) >= {"full_name", "birth_date", "identity_level"}

    # Nothing changed: nothing written. A level proven here is not lowered by the provider.
    User.objects.filter(pk=user.pk).update(identity_level=IdentityLevel.LEVEL_2)
    count = AuditEntry.objects.count()
    assert provision_user(claims(identity_level=1)).identity_level == IdentityLevel.LEVEL_2
    assert AuditEntry.objects.count() == count


def test_missing_claims_leave_the_local_details_alone(make_citizen: Callable[..., User]) -> None:
    known = make_citizen(personal_id="001203004005", full_name="Phạm Quốc Việt")
    user = provision_user({"personal_id": "001203004005", "birthdate": "not a date"})
    assert user.pk == known.pk
    assert user.full_name == "Phạm Quốc Việt" and user.email == known.email


@pytest.mark.parametrize("personal_id", [None, "", "12345", "00120300400X"])
def test_a_citizen_without_a_valid_personal_id_is_refused(db: Any, personal_id: str | None) -> None:
    with pytest.raises(ProvisioningRefused):
        provision_user(claims(personal_id=personal_id))
    assert not User.objects.filter(full_name="Phạm Quốc Việt").exists()


def test_an_official_is_never_created_from_a_foreign_provider(db: Any) -> None:
    official = claims(egov_kind="official", preferred_username="canbo.la", amr=["pwd", "otp"])
    with pytest.raises(ProvisioningRefused) as refused:
        provision_user(official)
    assert refused.value.message == services.NO_OFFICIAL_ACCOUNT
    assert not User.objects.filter(username="canbo.la").exists()


def test_an_official_logs_in_only_with_two_factors(
    ward: Agency, make_official: Callable[..., User]
) -> None:
    official = make_official(ward, "receiver", username="tiepnhan.oidc")
    one_factor = claims(egov_kind="official", preferred_username="tiepnhan.oidc", amr=["pwd"])
    with pytest.raises(ProvisioningRefused) as refused:
        provision_user(one_factor)
    assert refused.value.message == services.ONE_FACTOR
    with pytest.raises(ProvisioningRefused):
        provision_user({**one_factor, "amr": None})

    assert provision_user({**one_factor, "amr": ["pwd", "otp"]}) == official
    assert AuditEntry.objects.filter(action="oidc_login_official", actor=official).exists()


def test_a_citizen_claim_cannot_reach_an_official_account(
    ward: Agency, make_official: Callable[..., User]
) -> None:
    official = make_official(ward, "receiver", username="tiepnhan.oidc")
    User.objects.filter(pk=official.pk).update(personal_id="001203004005")
    with pytest.raises(ProvisioningRefused):
        provision_user(claims())


def test_a_locked_account_is_refused(make_citizen: Callable[..., User]) -> None:
    known = make_citizen(personal_id="001203004005")
    User.objects.filter(pk=known.pk).update(is_active=False)
    with pytest.raises(ProvisioningRefused):
        provision_user(claims())


def test_login_methods_read_the_session(client: Client, citizen: User) -> None:
    request: Any = type("Request", (), {"session": {SESSION_AMR: ["pwd", "otp"]}})()
    assert login_methods(request) == ["pwd", "otp"]
    request.session = {}
    assert login_methods(request) == []


@pytest.fixture(autouse=True)
def _fresh_clients() -> Iterator[None]:
    """Each test starts with Authlib clients of its own (discovery and keys are cached)."""
    oidc_client._clients.clear()
    yield
    oidc_client._clients.clear()
