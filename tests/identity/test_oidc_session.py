"""Where a login starts, how the consent is remembered, and how a logout ends the session at the
identity provider too (OpenID Connect RP-Initiated Logout)."""

import json
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import requests
from django.test import Client
from oauth2_provider.models import Application

from egov.core.models import Agency, AuditEntry
from egov.identity.account.personal_data import export_json
from egov.identity.models import OidcConsent, User
from egov.identity.oidc import views as oidc_views
from egov.identity.oidc.services import SESSION_ID_TOKEN
from tests.conftest import log_in

from . import test_oidc_client as relying_party
from .conftest import REDIRECT_URI, RegisteredClient, register_client
from .test_oidc_client import ISSUER, follow, log_in_through_provider
from .test_oidc_provider import (
    authorize_params,
    consent,
    hidden_fields,
    id_token_for,
    pkce_pair,
    query,
)

# The relying party's fixtures, used here too.
browser, federated, transport = (
    relying_party.browser,
    relying_party.federated,
    relying_party.transport,
)

HOME = "https://b.example.vn/"


@pytest.fixture
def person(citizen: User) -> User:
    return citizen


# --- 1. a page that needs a login ----------------------------------------------------------------


def test_without_an_issuer_a_page_needing_a_login_opens_the_login_page(
    client: Client, settings: Any, db: Any
) -> None:
    settings.OIDC_ISSUER = ""
    assert client.get("/dossiers/")["Location"] == "/login/?next=/dossiers/"
    assert client.get("/account/")["Location"] == "/login/?next=/account/"


def test_with_an_issuer_a_page_needing_a_login_starts_the_provider_login(
    browser: Client, federated: Any
) -> None:
    for page in ("/dossiers/", "/account/"):
        response = browser.get(page, secure=True)
        assert response["Location"] == f"/oidc/login/?next={page}"
    # ... which goes on to the provider, and the page is kept for the way back.
    authorize = follow(browser, browser.get("/dossiers/", secure=True))
    assert authorize["Location"].startswith(f"{ISSUER}/authorize/?")
    assert browser.session["egov_oidc_next"] == "/dossiers/"


def test_with_an_issuer_an_official_without_the_code_is_asked_for_it_here(
    browser: Client, federated: Any, ward: Agency, make_official: Any
) -> None:
    official = make_official(ward, "receiver")
    browser.force_login(official)  # a password only, e.g. through the admin site's form
    response = browser.get("/backoffice/", secure=True)
    # Not the provider's login, which would send a logged-in person straight back.
    assert response["Location"] == "/login/?next=/backoffice/"
    assert follow(browser, response)["Location"].startswith("/login/verify/")


# --- 3. consent, asked once ----------------------------------------------------------------------


def consent_page_or_code(browser: Client, registered: RegisteredClient, **extra: str) -> Any:
    _verifier, challenge = pkce_pair()
    return browser.get("/o/authorize/", authorize_params(registered, challenge, **extra))


def test_the_consent_is_asked_at_the_first_login_only(
    client: Client, person: User, registered: RegisteredClient
) -> None:
    client.force_login(person)
    assert consent_page_or_code(client, registered).status_code == 200
    consent(client, registered, pkce_pair()[1])
    stored = OidcConsent.objects.get(user=person, client_id=registered.client_id)
    assert stored.scopes == "email openid phone profile"
    assert AuditEntry.objects.filter(action="oidc_consent_given", object_id=str(person.pk)).exists()
    exported = json.loads(export_json(person))["oidc_consents"]
    assert [(c["client_id"], c["scopes"]) for c in exported] == [
        (registered.client_id, ["email", "openid", "phone", "profile"])
    ]

    again = consent_page_or_code(client, registered)
    assert again.status_code == 302
    assert again["Location"].startswith(REDIRECT_URI)
    assert query(again["Location"])["code"]
    # Fewer scopes than allowed: no question either.
    fewer = consent_page_or_code(client, registered, scope="openid profile")
    assert fewer.status_code == 302 and "code=" in fewer["Location"]


def test_the_consent_is_asked_again_for_a_new_scope_or_when_the_client_says_so(
    client: Client, person: User, registered: RegisteredClient
) -> None:
    client.force_login(person)
    consent(client, registered, pkce_pair()[1], scope="openid profile")
    more = consent_page_or_code(client, registered, scope="openid profile email")
    assert more.status_code == 200
    assert "email" in hidden_fields(more.content.decode())["scope"].split()
    asked = consent_page_or_code(client, registered, scope="openid", prompt="consent")
    assert asked.status_code == 200


def test_a_refusal_is_not_remembered_and_consent_is_per_client_and_person(
    client: Client, person: User, other_citizen: User, registered: RegisteredClient
) -> None:
    client.force_login(person)
    page = consent_page_or_code(client, registered)
    refused = client.post("/o/authorize/", hidden_fields(page.content.decode()))
    assert query(refused["Location"])["error"] == "access_denied"
    assert not OidcConsent.objects.exists()
    assert consent_page_or_code(client, registered).status_code == 200

    consent(client, registered, pkce_pair()[1])
    other_client = register_client("Cổng C", "https://c.example.vn/oidc/callback/")
    assert consent_page_or_code(client, other_client).status_code == 200
    client.force_login(other_citizen)
    assert consent_page_or_code(client, registered).status_code == 200


# --- 2. logout at the provider (RP-initiated) ---------------------------------------------------


def test_the_discovery_document_names_the_end_session_endpoint(client: Client) -> None:
    document = client.get("/o/.well-known/openid-configuration").json()
    assert document["end_session_endpoint"] == "http://testserver/o/logout/"


def test_a_client_registration_allows_its_home_page_after_logout(
    registered: RegisteredClient,
) -> None:
    application = Application.objects.get(client_id=registered.client_id)
    assert application.post_logout_redirect_uris == HOME


def test_the_provider_ends_its_session_for_the_client_with_the_id_token(
    client: Client, person: User, registered: RegisteredClient
) -> None:
    client.force_login(person)
    id_token = id_token_for(client, registered)["id_token"]
    assert client.get("/account/").status_code == 200
    response = client.get(
        "/o/logout/",
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": HOME,
            "client_id": registered.client_id,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert client.get("/account/")["Location"] == "/login/?next=/account/"
    assert AuditEntry.objects.filter(action="logout", object_id=str(person.pk)).exists()


def test_the_provider_refuses_a_logout_redirect_the_client_did_not_register(
    client: Client, person: User, registered: RegisteredClient
) -> None:
    client.force_login(person)
    id_token = id_token_for(client, registered)["id_token"]
    response = client.get(
        "/o/logout/",
        {"id_token_hint": id_token, "post_logout_redirect_uri": "https://evil.example/"},
    )
    assert response.status_code == 400
    assert client.get("/account/").status_code == 200  # still logged in


def test_without_an_id_token_the_provider_asks_before_logging_out(
    client: Client, person: User
) -> None:
    client.force_login(person)
    page = client.get("/o/logout/")
    assert page.status_code == 200
    assert page.context["form"] is not None
    assert client.get("/account/").status_code == 200
    client.post("/o/logout/", {"allow": "on"})
    assert client.get("/account/").status_code == 302


def test_logging_out_of_the_client_goes_on_to_the_provider(
    browser: Client, federated: Any, person: User, settings: Any
) -> None:
    follow(browser, log_in_through_provider(browser, person))
    id_token = browser.session[SESSION_ID_TOKEN]
    assert id_token.count(".") == 2
    # The header's logout form may go on to the provider (CSP form-action).
    policy = browser.get("/", secure=True)["Content-Security-Policy"]
    assert "form-action 'self' https://testserver" in policy

    response = browser.post("/logout/", secure=True)
    end_session = urlsplit(response["Location"])
    assert f"{end_session.scheme}://{end_session.netloc}{end_session.path}" == f"{ISSUER}/logout/"
    params = query(response["Location"])
    assert params == {
        "id_token_hint": id_token,
        "post_logout_redirect_uri": "https://testserver/",
        "client_id": settings.OIDC_CLIENT_ID,
    }
    assert "_auth_user_id" not in browser.session  # logged out here already


def test_without_a_provider_login_the_logout_stays_here(
    client: Client, citizen: User, settings: Any
) -> None:
    settings.OIDC_ISSUER = ""
    log_in(client, citizen)
    assert "https://" not in client.get("/")["Content-Security-Policy"]
    response = client.post("/logout/")
    assert response["Location"] == "/"
    assert AuditEntry.objects.filter(action="logout", object_id=str(citizen.pk)).exists()


def test_the_login_page_may_go_on_to_a_client_whose_consent_is_remembered(
    client: Client, registered: RegisteredClient
) -> None:
    _verifier, challenge = pkce_pair()
    authorize = f"/o/authorize/?{urlencode(authorize_params(registered, challenge))}"
    policy = client.get("/login/", {"next": authorize})["Content-Security-Policy"]
    assert "form-action 'self' https://b.example.vn;" in policy + ";"
    # Not for a redirect URI the client did not register, nor for any other next page.
    forged = authorize.replace("b.example.vn", "evil.example")
    for next_url in (forged, "/dossiers/", "https://b.example.vn/o/authorize/"):
        policy = client.get("/login/", {"next": next_url})["Content-Security-Policy"]
        assert "form-action 'self';" in policy + ";"


def test_when_the_provider_is_unreachable_the_local_logout_stands(
    browser: Client, federated: Any, person: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    follow(browser, log_in_through_provider(browser, person))

    def unreachable(client: Any) -> Any:
        raise requests.ConnectionError("down")

    monkeypatch.setattr(oidc_views, "checked_metadata", unreachable)
    response = browser.post("/logout/", secure=True)
    assert response["Location"] == "/"
    assert "_auth_user_id" not in browser.session
