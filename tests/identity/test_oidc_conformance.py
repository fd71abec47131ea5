"""The built-in provider against the OpenID Foundation's conformance suite: each test mirrors a test
module of the Basic OP and Config OP certification profiles (its name follows the module's,
``oidcc-prompt-none-not-logged-in`` → ``test_oidcc_prompt_none_not_logged_in``), driven through the
real endpoints by Django's test client as a relying party would drive them. Tests without the
``oidcc`` prefix check what egov adds (identity levels, consent remembered, refusals).

docs/identity.md lists the modules covered and those that are not, with the reason.
"""

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from oauth2_provider.models import AccessToken, RefreshToken

from egov.core.models import AuditEntry
from egov.identity.models import IdentityLevel, OidcCodeRedemption, User
from egov.identity.oidc.authentication import SESSION_AUTH_TIME
from egov.identity.oidc.provider import e164
from egov.identity.oidc.redemption import code_hash
from egov.identity.oidc.services import national_phone
from tests.conftest import PASSWORD

from .conftest import REDIRECT_URI, RegisteredClient, register_client
from .test_oidc_provider import (
    authorize_params,
    consent,
    hidden_fields,
    id_token_for,
    pkce_pair,
    query,
    redeem,
    verified_claims,
)

LEVEL_2 = "urn:egov:loa:2"


@pytest.fixture
def browser(person: User, registered: RegisteredClient) -> Client:
    """A browser where ``person`` is logged in at the provider and has allowed the client."""
    browser = Client()
    browser.force_login(person)
    id_token_for(browser, registered)
    return browser


def authorize(browser: Client, registered: RegisteredClient, **extra: str) -> tuple[Any, str]:
    """An authorization request with S256 PKCE: (the answer, the code_verifier)."""
    verifier, challenge = pkce_pair()
    return browser.get("/o/authorize/", authorize_params(registered, challenge, **extra)), verifier


def answer_to_client(response: Any) -> dict[str, str]:
    """The parameters of a redirect back to the client's redirect URI."""
    assert response.status_code == 302, response
    assert response["Location"].startswith(REDIRECT_URI), response["Location"]
    return query(response["Location"])


def tokens_for(registered: RegisteredClient, code: str, verifier: str) -> dict[str, Any]:
    response = redeem(Client(), registered, code, verifier)
    assert response.status_code == 200, response.content
    return dict(response.json())


def userinfo(access_token: str) -> Any:
    return Client().get("/o/userinfo/", headers={"Authorization": f"Bearer {access_token}"})


def age_the_login(browser: Client, seconds: int) -> None:
    session = browser.session
    session[SESSION_AUTH_TIME] = int(time.time()) - seconds
    session.save()


def log_in(browser: Client, person: User, next_url: str) -> Any:
    """The person types the password on the login page: where the page sends them on."""
    answer = browser.post(
        "/login/", {"username": person.personal_id, "password": PASSWORD, "next": next_url}
    )
    assert answer.status_code == 302, answer
    return answer


# --- Config OP: discovery -------------------------------------------------------------------------


def test_oidcc_discovery_endpoint_verification(client: Client, db: Any) -> None:
    document = client.get("/o/.well-known/openid-configuration").json()
    assert document["issuer"] == "http://testserver/o"
    assert document["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert document["response_types_supported"] == ["code"]
    assert document["response_modes_supported"] == ["query"]
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    assert document["subject_types_supported"] == ["public"]
    assert document["prompt_values_supported"] == ["none", "login", "consent"]
    assert document["acr_values_supported"] == ["urn:egov:loa:0", "urn:egov:loa:1", LEVEL_2]
    assert document["claims_parameter_supported"] is True
    assert document["request_parameter_supported"] is False
    assert document["request_uri_parameter_supported"] is False
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["revocation_endpoint"] == "http://testserver/o/revoke_token/"
    assert document["introspection_endpoint"] == "http://testserver/o/introspect/"
    for endpoint in ("token_endpoint", "revocation_endpoint", "introspection_endpoint"):
        assert set(document[f"{endpoint}_auth_methods_supported"]) == {
            "client_secret_basic",
            "client_secret_post",
        }
    assert {"auth_time", "acr", "amr", "urn:egov:personal_id", "urn:egov:kind"} <= set(
        document["claims_supported"]
    )
    assert not {"personal_id", "egov_kind", "identity_level"} & set(document["claims_supported"])
    # Every endpoint it names answers.
    for endpoint in ("jwks_uri", "revocation_endpoint", "introspection_endpoint"):
        path = document[endpoint].removeprefix("http://testserver")
        assert client.get(path).status_code != 404, endpoint

    # The OAuth 2.0 metadata (RFC 8414) agrees.
    metadata = client.get("/o/.well-known/oauth-authorization-server").json()
    assert metadata["issuer"] == document["issuer"]
    assert metadata["grant_types_supported"] == ["authorization_code", "refresh_token"]


def test_the_toolkits_other_pages_are_not_mounted(person: User) -> None:
    """Any logged-in person could register a client on django-oauth-toolkit's own pages."""
    browser = Client()
    browser.force_login(person)
    for path in ("/o/applications/", "/o/applications/register/", "/o/authorized_tokens/"):
        assert browser.get(path).status_code == 404, path


# --- Basic OP: the code flow ----------------------------------------------------------------------


def test_oidcc_server(person: User, registered: RegisteredClient) -> None:
    browser = Client()
    browser.force_login(person)
    logged_in_at = browser.session[SESSION_AUTH_TIME]
    verifier, challenge = pkce_pair()
    code = consent(browser, registered, challenge)
    tokens = tokens_for(registered, code, verifier)
    claims = verified_claims(Client(), tokens["id_token"])
    assert claims["iss"] == "http://testserver/o"
    assert claims["aud"] == registered.client_id
    assert claims["sub"] == str(person.pk)
    assert claims["nonce"] == "nonce-456"
    assert claims["auth_time"] == logged_in_at
    assert claims["iat"] <= claims["exp"]
    assert tokens["token_type"] == "Bearer"
    assert tokens["refresh_token"]


def test_oidcc_server_client_secret_post(browser: Client, registered: RegisteredClient) -> None:
    response, verifier = authorize(browser, registered)
    code = answer_to_client(response)["code"]
    redeemed = Client().post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": registered.redirect_uri,
            "code_verifier": verifier,
            "client_id": registered.client_id,
            "client_secret": registered.client_secret,
        },
    )
    assert redeemed.status_code == 200, redeemed.content
    assert redeemed.json()["id_token"]


def test_oidcc_response_type_missing(browser: Client, registered: RegisteredClient) -> None:
    _, challenge = pkce_pair()
    params = authorize_params(registered, challenge)
    del params["response_type"]
    answer = answer_to_client(browser.get("/o/authorize/", params))
    assert answer["error"] == "invalid_request"
    assert "code" not in answer


def test_oidcc_ensure_registered_redirect_uri(
    browser: Client, registered: RegisteredClient
) -> None:
    response, _ = authorize(browser, registered, redirect_uri="https://b.example.vn/elsewhere/")
    assert response.status_code == 400  # an error page here, never a redirect there
    assert "Location" not in response


@pytest.mark.parametrize(
    "extra",
    [
        {"display": "page"},
        {"display": "popup"},
        {"ui_locales": "en vi"},
        {"claims_locales": "vi"},
        {"nonce": ""},
        {"unknown_parameter": "ignored"},
        {"scope": "phone email openid profile"},
    ],
    ids=[
        "oidcc-display-page",
        "oidcc-display-popup",
        "oidcc-ui-locales",
        "oidcc-claims-locales",
        "oidcc-ensure-request-without-nonce-succeeds-for-code-flow",
        "oidcc-ensure-request-with-unknown-parameter-succeeds",
        "oidcc-ensure-other-scope-order-succeeds",
    ],
)
def test_oidcc_requests_that_succeed(
    browser: Client, registered: RegisteredClient, extra: dict[str, str]
) -> None:
    response, verifier = authorize(browser, registered, **extra)
    tokens = tokens_for(registered, answer_to_client(response)["code"], verifier)
    assert verified_claims(Client(), tokens["id_token"])["sub"]


@pytest.mark.parametrize(
    ("parameter", "error"),
    [("request", "request_not_supported"), ("request_uri", "request_uri_not_supported")],
)
def test_oidcc_unsigned_request_object_rejected_as_unsupported(
    browser: Client, registered: RegisteredClient, parameter: str, error: str
) -> None:
    value = "eyJhbGciOiJub25lIn0.eyJzdGF0ZSI6IngifQ." if parameter == "request" else "https://x/"
    answer = answer_to_client(authorize(browser, registered, **{parameter: value})[0])
    assert answer["error"] == error
    assert answer["state"] == "state-123"


def test_another_response_mode_is_refused(browser: Client, registered: RegisteredClient) -> None:
    response, _ = authorize(browser, registered, response_mode="form_post")
    assert response.status_code == 302
    assert "code=" not in response["Location"]
    assert "error=invalid_request" in response["Location"]


# --- userinfo and scopes --------------------------------------------------------------------------


def test_oidcc_userinfo_get_post_header_post_body(
    browser: Client, registered: RegisteredClient, person: User
) -> None:
    response, verifier = authorize(browser, registered)
    access_token = tokens_for(registered, answer_to_client(response)["code"], verifier)[
        "access_token"
    ]
    bearer = {"Authorization": f"Bearer {access_token}"}
    assert Client().get("/o/userinfo/", headers=bearer).json()["sub"] == str(person.pk)
    assert Client().post("/o/userinfo/", headers=bearer).json()["sub"] == str(person.pk)
    in_body = Client().post("/o/userinfo/", {"access_token": access_token})
    assert in_body.status_code == 200
    assert in_body.json()["sub"] == str(person.pk)


def test_oidcc_scope_phone_is_e164(browser: Client, registered: RegisteredClient) -> None:
    response, verifier = authorize(browser, registered, scope="openid phone")
    tokens = tokens_for(registered, answer_to_client(response)["code"], verifier)
    info = userinfo(tokens["access_token"]).json()
    assert info["phone_number"].startswith("+84")
    assert info["phone_number"][1:].isdigit()
    assert "email" not in info and "name" not in info


def test_phone_numbers_in_e164_and_back() -> None:
    assert e164("0912000001") == "+84912000001"
    assert e164("0912 000 001") == "+84912000001"
    assert e164("+84 912 000 001") == "+84912000001"
    assert e164("84912000001") == "+84912000001"
    assert e164("") is None
    # The relying party keeps numbers in the national form, as accounts here do.
    assert national_phone("+84912000001") == "0912000001"
    assert national_phone("+33612345678") == "+33612345678"


# --- prompt ---------------------------------------------------------------------------------------


def test_oidcc_prompt_none_not_logged_in(registered: RegisteredClient) -> None:
    response, _ = authorize(Client(), registered, prompt="none")
    answer = answer_to_client(response)
    assert answer["error"] == "login_required"
    assert answer["state"] == "state-123"
    assert "code" not in answer
    # Never an open redirect: an unregistered redirect URI gets no answer there.
    refused, _ = authorize(
        Client(), registered, prompt="none", redirect_uri="https://evil.example/"
    )
    assert refused.status_code == 400


def test_oidcc_prompt_none_logged_in(
    browser: Client, registered: RegisteredClient, person: User
) -> None:
    response, verifier = authorize(browser, registered, prompt="none")
    answer = answer_to_client(response)
    assert answer["state"] == "state-123"
    assert answer["iss"] == "http://testserver/o"
    claims = verified_claims(Client(), tokens_for(registered, answer["code"], verifier)["id_token"])
    assert claims["sub"] == str(person.pk)


def test_prompt_none_without_a_remembered_consent_is_consent_required(
    person: User, registered: RegisteredClient
) -> None:
    browser = Client()
    browser.force_login(person)
    answer = answer_to_client(authorize(browser, registered, prompt="none")[0])
    assert answer["error"] == "consent_required"
    assert answer["state"] == "state-123"
    # A scope beyond the one allowed asks again, too.
    id_token_for(browser, registered, scope="openid")
    assert answer_to_client(authorize(browser, registered, prompt="none")[0])["error"] == (
        "consent_required"
    )


def test_prompt_none_with_another_prompt_value_is_invalid(
    browser: Client, registered: RegisteredClient
) -> None:
    answer = answer_to_client(authorize(browser, registered, prompt="none login")[0])
    assert answer["error"] == "invalid_request"


def test_oidcc_prompt_login(browser: Client, registered: RegisteredClient, person: User) -> None:
    age_the_login(browser, 60)
    first_login = browser.session[SESSION_AUTH_TIME]
    response, verifier = authorize(browser, registered, prompt="login")
    # The person is asked to log in again (logged out, as the login page would send anyone
    # logged in straight on), and comes back without prompt=login.
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/o/authorize/")
    assert "_auth_user_id" not in browser.session
    next_url = query(response["Location"])["next"]
    assert "prompt" not in query(next_url)
    back = log_in(browser, person, next_url)
    answer = answer_to_client(browser.get(back["Location"]))  # consent remembered
    claims = verified_claims(Client(), tokens_for(registered, answer["code"], verifier)["id_token"])
    assert claims["auth_time"] > first_login


def test_oidcc_max_age_1(browser: Client, registered: RegisteredClient, person: User) -> None:
    age_the_login(browser, 5)
    first_login = browser.session[SESSION_AUTH_TIME]
    # Silently: the login is too old.
    silent = answer_to_client(authorize(browser, registered, prompt="none", max_age="1")[0])
    assert silent["error"] == "login_required"
    # Interactively: logged in again.
    response, verifier = authorize(browser, registered, max_age="1")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/o/authorize/")
    next_url = query(response["Location"])["next"]
    assert "max_age" not in query(next_url)
    back = log_in(browser, person, next_url)
    answer = answer_to_client(browser.get(back["Location"]))
    claims = verified_claims(Client(), tokens_for(registered, answer["code"], verifier)["id_token"])
    assert claims["auth_time"] > first_login


def test_oidcc_max_age_10000(browser: Client, registered: RegisteredClient) -> None:
    age_the_login(browser, 60)
    logged_in_at = browser.session[SESSION_AUTH_TIME]
    for prompt in ({}, {"prompt": "none"}):
        response, verifier = authorize(browser, registered, max_age="10000", **prompt)
        answer = answer_to_client(response)
        tokens = tokens_for(registered, answer["code"], verifier)
        assert verified_claims(Client(), tokens["id_token"])["auth_time"] == logged_in_at


# --- hints ----------------------------------------------------------------------------------------


def test_oidcc_id_token_hint(
    browser: Client,
    registered: RegisteredClient,
    person: User,
    make_citizen: Callable[..., User],
) -> None:
    response, verifier = authorize(browser, registered)
    first = tokens_for(registered, answer_to_client(response)["code"], verifier)["id_token"]
    response, verifier = authorize(browser, registered, prompt="none", id_token_hint=first)
    answer = answer_to_client(response)
    assert verified_claims(Client(), tokens_for(registered, answer["code"], verifier)["id_token"])[
        "sub"
    ] == str(person.pk)

    # Someone else's ID token: not the person logged in.
    someone_else = Client()
    someone_else.force_login(make_citizen())
    theirs = id_token_for(someone_else, registered)["id_token"]
    mismatch = answer_to_client(authorize(browser, registered, id_token_hint=theirs)[0])
    assert mismatch["error"] == "login_required"
    # Not an ID token this provider signed.
    forged = first.rsplit(".", 1)[0] + ".c2lnbmF0dXJl"
    refused = answer_to_client(authorize(browser, registered, id_token_hint=forged)[0])
    assert refused["error"] == "invalid_request"


def test_oidcc_login_hint(registered: RegisteredClient, person: User) -> None:
    browser = Client()
    response, _ = authorize(browser, registered, login_hint=person.personal_id)
    assert response.status_code == 302
    login_page = browser.get(response["Location"])
    assert f'value="{person.personal_id}"' in login_page.content.decode()


# --- acr and the claims parameter ------------------------------------------------------------------


def test_oidcc_ensure_request_with_acr_values_succeeds(
    browser: Client, registered: RegisteredClient
) -> None:
    for acr_values in (f"urn:egov:loa:1 {LEVEL_2}", "1 2"):  # the suite's own values are unknown
        response, verifier = authorize(browser, registered, acr_values=acr_values)
        tokens = tokens_for(registered, answer_to_client(response)["code"], verifier)
        assert verified_claims(Client(), tokens["id_token"])["acr"] == LEVEL_2


def test_a_level_the_person_has_not_reached_is_not_given(
    browser: Client, registered: RegisteredClient, person: User
) -> None:
    User.objects.filter(pk=person.pk).update(identity_level=IdentityLevel.LEVEL_1)
    # Silently: the person would have to act.
    silent = answer_to_client(authorize(browser, registered, prompt="none", acr_values=LEVEL_2)[0])
    assert silent["error"] == "interaction_required"
    assert silent["state"] == "state-123"
    # Interactively: told how to raise the level, and may go back to the client.
    page, _ = authorize(browser, registered, acr_values=LEVEL_2)
    assert page.status_code == 403
    html = page.content.decode()
    assert "Cần mức độ định danh cao hơn" in html
    assert "Cổng dịch vụ công tỉnh B yêu cầu mức độ định danh 2" in html
    assert 'href="/account/"' in html
    back = page.context["back_url"]
    answer = query(back)
    assert back.startswith(REDIRECT_URI)
    assert answer["error"] == "unmet_authentication_requirements"
    assert answer["state"] == "state-123"
    # The same when asked as an essential acr in the claims parameter.
    essential = '{"id_token": {"acr": {"essential": true, "values": ["urn:egov:loa:2"]}}}'
    assert authorize(browser, registered, claims=essential)[0].status_code == 403


def test_oidcc_claims_essential(
    browser: Client, registered: RegisteredClient, person: User
) -> None:
    response, verifier = authorize(
        browser, registered, claims='{"userinfo": {"name": {"essential": true}}}'
    )
    tokens = tokens_for(registered, answer_to_client(response)["code"], verifier)
    assert userinfo(tokens["access_token"]).json()["name"] == person.full_name
    # A sub asked for must be the person logged in.
    other = '{"id_token": {"sub": {"value": "999999"}}}'
    assert answer_to_client(authorize(browser, registered, claims=other)[0])["error"] == (
        "login_required"
    )
    malformed = answer_to_client(authorize(browser, registered, claims="{not json")[0])
    assert malformed["error"] == "invalid_request"


# --- codes and tokens -----------------------------------------------------------------------------


def test_oidcc_codereuse(browser: Client, registered: RegisteredClient) -> None:
    response, verifier = authorize(browser, registered)
    code = answer_to_client(response)["code"]
    tokens = tokens_for(registered, code, verifier)
    assert userinfo(tokens["access_token"]).status_code == 200
    assert OidcCodeRedemption.objects.filter(code_hash=code_hash(code)).exists()
    assert code not in str(list(OidcCodeRedemption.objects.values()))  # its hash only

    replayed = redeem(Client(), registered, code, verifier)
    assert replayed.status_code == 400
    assert replayed.json()["error"] == "invalid_grant"
    # What the code gave is revoked (RFC 6749 §4.1.2).
    assert userinfo(tokens["access_token"]).status_code == 401
    refreshed = Client().post(
        "/o/token/",
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        headers=registered.basic_auth(),
    )
    assert refreshed.status_code == 400
    assert AuditEntry.objects.filter(action="oidc_code_replayed").count() == 1


def test_oidcc_codereuse_after_refresh_revokes_the_rotated_tokens(
    browser: Client, registered: RegisteredClient
) -> None:
    response, verifier = authorize(browser, registered)
    code = answer_to_client(response)["code"]
    first = tokens_for(registered, code, verifier)
    rotated = Client().post(
        "/o/token/",
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        headers=registered.basic_auth(),
    )
    assert rotated.status_code == 200, rotated.content
    second = rotated.json()
    assert userinfo(second["access_token"]).status_code == 200

    assert redeem(Client(), registered, code, verifier).status_code == 400
    assert userinfo(second["access_token"]).status_code == 401
    family = OidcCodeRedemption.objects.get(code_hash=code_hash(code)).token_family
    assert RefreshToken.objects.filter(token_family=family).count() == 2
    assert not RefreshToken.objects.filter(token_family=family, revoked__isnull=True).exists()
    assert not AccessToken.objects.filter(refresh_token__token_family=family).exists()
    # The tokens of the person's other logins stay.
    assert AccessToken.objects.filter(user=browser.session["_auth_user_id"]).count() == 1


def test_a_wrong_code_revokes_nothing(browser: Client, registered: RegisteredClient) -> None:
    response, verifier = authorize(browser, registered)
    tokens = tokens_for(registered, answer_to_client(response)["code"], verifier)
    assert redeem(Client(), registered, "not-a-code", verifier).status_code == 400
    assert userinfo(tokens["access_token"]).status_code == 200


def test_oidcc_refresh_token(browser: Client, registered: RegisteredClient) -> None:
    response, verifier = authorize(browser, registered)
    tokens = tokens_for(registered, answer_to_client(response)["code"], verifier)
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    rotated = Client().post("/o/token/", refresh, headers=registered.basic_auth())
    assert rotated.status_code == 200
    assert rotated.json()["refresh_token"] != tokens["refresh_token"]
    # The old refresh token is spent; another client cannot use the new one.
    assert Client().post("/o/token/", refresh, headers=registered.basic_auth()).status_code == 400
    other = register_client("Cổng tỉnh C", "https://c.example.vn/oidc/callback/")
    stolen = {"grant_type": "refresh_token", "refresh_token": rotated.json()["refresh_token"]}
    assert Client().post("/o/token/", stolen, headers=other.basic_auth()).status_code == 400


def test_revocation_and_introspection_need_the_clients_credentials(
    browser: Client, registered: RegisteredClient, person: User
) -> None:
    response, verifier = authorize(browser, registered)
    tokens = tokens_for(registered, answer_to_client(response)["code"], verifier)
    token = {"token": tokens["access_token"]}
    assert Client().post("/o/introspect/", token).status_code in {401, 403}
    introspected = Client().post("/o/introspect/", token, headers=registered.basic_auth())
    assert introspected.status_code == 200
    answer = introspected.json()
    assert answer["active"] is True
    assert answer["client_id"] == registered.client_id
    assert answer["sub"] == str(person.pk)
    # Not the username: a citizen's is the personal ID number, beyond the openid scope.
    assert person.personal_id not in introspected.content.decode()
    # Another client learns nothing of this client's tokens; nobody asks in the query string.
    other = register_client("Cổng tỉnh C", "https://c.example.vn/oidc/callback/")
    assert Client().post("/o/introspect/", token, headers=other.basic_auth()).json() == {
        "active": False
    }
    in_query = Client().get("/o/introspect/", token, headers=registered.basic_auth())
    assert in_query.status_code == 405

    assert Client().post("/o/revoke_token/", token).status_code == 401
    revoked = Client().post("/o/revoke_token/", token, headers=registered.basic_auth())
    assert revoked.status_code == 200
    assert userinfo(tokens["access_token"]).status_code == 401
    after = Client().post("/o/introspect/", token, headers=registered.basic_auth())
    assert after.json() == {"active": False}


def test_the_consent_form_itself_still_gives_a_code(
    person: User, registered: RegisteredClient
) -> None:
    """The consent page's form posts to the authorization endpoint (no prompt, hint or max_age
    left in it): the silent-login checks do not get in its way."""
    browser = Client()
    browser.force_login(person)
    verifier, challenge = pkce_pair()
    page = browser.get("/o/authorize/", authorize_params(registered, challenge, max_age="10000"))
    fields = hidden_fields(page.content.decode())
    fields.pop("next", None)
    answer = answer_to_client(browser.post("/o/authorize/", {**fields, "allow": "on"}))
    assert tokens_for(registered, answer["code"], verifier)["id_token"]


def test_oidcc_ensure_redirect_uri_in_authorization_request(
    browser: Client, registered: RegisteredClient
) -> None:
    _, challenge = pkce_pair()
    params = authorize_params(registered, challenge)
    del params["redirect_uri"]
    response = browser.get("/o/authorize/", params)
    assert response.status_code == 400  # an error page, no code to the registered address
    assert "Location" not in response


def test_oidcc_ensure_post_request_succeeds(person: User, registered: RegisteredClient) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(person)
    verifier, challenge = pkce_pair()
    params = authorize_params(registered, challenge)
    sent = browser.post("/o/authorize/", params)
    # The relying party's form posts the request: it goes on as the same request by GET.
    assert sent.status_code == 303
    assert query(sent["Location"]) == params
    page = browser.get(sent["Location"])
    assert page.status_code == 200  # the consent page
    fields = hidden_fields(page.content.decode())
    fields.pop("next", None)
    answer = answer_to_client(browser.post("/o/authorize/", {**fields, "allow": "on"}))
    assert tokens_for(registered, answer["code"], verifier)["id_token"]
    # The consent form itself is still protected against cross-site requests.
    forged = {**fields, "csrfmiddlewaretoken": "x" * 64, "allow": "on"}
    assert browser.post("/o/authorize/", forged).status_code == 403
