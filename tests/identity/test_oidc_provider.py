"""The built-in OpenID Connect identity provider: discovery, keys and their rotation, the
authorization code flow with S256 PKCE through the consent page, and the claims of ID tokens and
userinfo (verified with the published JWKS, as a relying party does).

The helpers at the top are shared with ``test_oidc_client.py``.
"""

import base64
import hashlib
import io
import json
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from jwcrypto import jwk, jwt
from oauth2_provider.models import Application

from egov.core.models import Agency
from egov.identity.models import User
from egov.identity.oidc.signing_keys import KEEP_INACTIVE, key_files, signing_keys

from .conftest import REDIRECT_URI, RegisteredClient, register_client

SCOPE = "openid profile email phone"


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, its S256 code_challenge)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(
    client: RegisteredClient, challenge: str | None, method: str | None = "S256", **extra: str
) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uri,
        "scope": SCOPE,
        "state": "state-123",
        "nonce": "nonce-456",
        **extra,
    }
    if challenge is not None:
        params["code_challenge"] = challenge
    if method is not None:
        params["code_challenge_method"] = method
    return params


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def query(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def consent(browser: Client, client: RegisteredClient, challenge: str, **extra: str) -> str:
    """Open the consent page and allow: the authorization code."""
    page = browser.get("/o/authorize/", authorize_params(client, challenge, **extra))
    assert page.status_code == 200, page
    fields = hidden_fields(page.content.decode())
    fields.pop("next", None)
    answer = browser.post("/o/authorize/", {**fields, "allow": "on"})
    assert answer.status_code == 302, answer
    params = query(answer["Location"])
    assert answer["Location"].startswith(client.redirect_uri)
    assert params["state"] == "state-123"
    return params["code"]


def redeem(anyone: Client, client: RegisteredClient, code: str, verifier: str | None) -> Any:
    """The client's back-channel token request."""
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": client.redirect_uri}
    if verifier is not None:
        data["code_verifier"] = verifier
    return anyone.post("/o/token/", data, headers=client.basic_auth())


def verified_claims(anyone: Client, id_token: str) -> dict[str, Any]:
    """The ID token's claims after checking its signature with the published JWKS."""
    keys = jwk.JWKSet.from_json(anyone.get("/o/.well-known/jwks.json").content.decode())
    token = jwt.JWT(jwt=id_token, key=keys, algs=["RS256"])
    return dict(json.loads(token.claims))


def header(id_token: str) -> dict[str, Any]:
    part = id_token.split(".")[0]
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


def vi(text: str) -> str:
    """``text`` as the Vietnamese pages render it (the msgid itself until it is translated)."""
    with translation.override("vi"):
        return str(translation.gettext(text))


def restart_with_keys(settings: Any, folder: Path) -> None:
    """What a restart does after ``rotate_oidc_key``: the settings read the key files again."""
    active, inactive = signing_keys(folder)
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "OIDC_RSA_PRIVATE_KEY": active,
        "OIDC_RSA_PRIVATE_KEYS_INACTIVE": inactive,
    }


def published_kids(anyone: Client) -> list[str]:
    return [key["kid"] for key in anyone.get("/o/.well-known/jwks.json").json()["keys"]]


def rotate(*options: str) -> str:
    out = io.StringIO()
    call_command("rotate_oidc_key", *options, stdout=out)
    return out.getvalue()


def id_token_for(browser: Client, registered: RegisteredClient, **extra: str) -> dict[str, Any]:
    """The whole flow for the person logged in on ``browser``: the token response."""
    verifier, challenge = pkce_pair()
    code = consent(browser, registered, challenge, **extra)
    response = redeem(Client(), registered, code, verifier)
    assert response.status_code == 200, response.content
    return dict(response.json())


# --- discovery and keys ---------------------------------------------------------------------------


def test_the_discovery_document(client: Client) -> None:
    document = client.get("/o/.well-known/openid-configuration").json()
    assert document["issuer"] == "http://testserver/o"
    assert document["authorization_endpoint"] == "http://testserver/o/authorize/"
    assert document["token_endpoint"] == "http://testserver/o/token/"
    assert document["userinfo_endpoint"] == "http://testserver/o/userinfo/"
    assert document["jwks_uri"] == "http://testserver/o/.well-known/jwks.json"
    assert document["response_types_supported"] == ["code"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert "RS256" in document["id_token_signing_alg_values_supported"]
    assert set(document["scopes_supported"]) == {"openid", "profile", "email", "phone"}
    assert {
        "sub",
        "urn:egov:personal_id",
        "name",
        "birthdate",
        "urn:egov:identity_level",
        "acr",
        "amr",
        "urn:egov:kind",
        "preferred_username",
        "email",
        "phone_number",
    } <= set(document["claims_supported"])
    assert document["authorization_response_iss_parameter_supported"] is True


def test_the_jwks_publishes_the_active_and_the_previous_keys(
    client: Client, settings: Any, tmp_path: Path
) -> None:
    settings.OIDC_KEYS_DIR = tmp_path
    assert "new signing key" in rotate("--if-missing")
    assert "present" in rotate("--if-missing")  # only when there is none
    assert len(list(tmp_path.glob("*.pem"))) == 1
    for _ in range(KEEP_INACTIVE + 1):
        rotate()
    # The newest signs, KEEP_INACTIVE earlier ones stay published, older ones are deleted.
    files = key_files(tmp_path)
    assert len(files) == 1 + KEEP_INACTIVE
    assert all(path.stat().st_mode & 0o077 == 0 for path in files)  # private keys: owner only
    kids = [str(jwk.JWK.from_pem(path.read_bytes()).thumbprint()) for path in files]

    restart_with_keys(settings, tmp_path)
    assert published_kids(client) == kids
    keys = client.get("/o/.well-known/jwks.json").json()["keys"]
    assert all(key["kty"] == "RSA" and key["use"] == "sig" and "d" not in key for key in keys)

    listing = rotate("--list").splitlines()
    assert [line.split()[:2] for line in listing] == [
        [kids[0], "active"],
        *([kid, "inactive"] for kid in kids[1:]),
    ]


def test_an_id_token_signed_before_a_rotation_still_verifies(
    client: Client, settings: Any, tmp_path: Path, person: User, registered: RegisteredClient
) -> None:
    settings.OIDC_KEYS_DIR = tmp_path
    rotate()
    restart_with_keys(settings, tmp_path)
    client.force_login(person)
    before = id_token_for(client, registered)["id_token"]
    old_kid = header(before)["kid"]

    rotate()
    restart_with_keys(settings, tmp_path)
    # The consent is remembered since the first login; prompt=consent asks for it again.
    after = id_token_for(client, registered, prompt="consent")["id_token"]
    new_kid = header(after)["kid"]
    assert new_kid != old_kid
    assert published_kids(client) == [new_kid, old_kid]
    assert verified_claims(client, before)["urn:egov:personal_id"] == person.personal_id
    assert verified_claims(client, after)["urn:egov:personal_id"] == person.personal_id


# --- the authorization code flow ------------------------------------------------------------------


def test_the_code_flow_with_pkce_gives_a_verified_id_token(
    client: Client, person: User, registered: RegisteredClient
) -> None:
    client.force_login(person)
    verifier, challenge = pkce_pair()
    code = consent(client, registered, challenge)
    response = redeem(Client(), registered, code, verifier)
    assert response.status_code == 200
    tokens = response.json()
    claims = verified_claims(Client(), tokens["id_token"])

    assert claims["iss"] == "http://testserver/o"
    assert claims["aud"] == registered.client_id
    assert claims["nonce"] == "nonce-456"
    assert claims["sub"] == str(person.pk)
    assert claims["urn:egov:personal_id"] == person.personal_id
    assert claims["name"] == "Trần Thị Bình"
    assert claims["birthdate"] == "1992-07-02"
    assert claims["urn:egov:identity_level"] == 2
    assert claims["acr"] == "urn:egov:loa:2"
    assert claims["amr"] == ["pwd"]
    assert claims["preferred_username"] == person.personal_id
    assert claims["urn:egov:kind"] == "citizen"
    assert claims["email"] == person.email
    assert person.phone.startswith("0")
    assert claims["phone_number"] == "+84" + person.phone[1:]  # E.164
    assert claims["email_verified"] is False
    assert claims["exp"] > claims["iat"]
    assert header(tokens["id_token"])["alg"] == "RS256"
    assert header(tokens["id_token"])["kid"] == published_kids(client)[0]

    info = Client().get(
        "/o/userinfo/", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert info.status_code == 200
    userinfo = info.json()
    assert userinfo["sub"] == str(person.pk)
    assert userinfo["urn:egov:personal_id"] == person.personal_id
    assert userinfo["birthdate"] == "1992-07-02"
    assert userinfo["acr"] == "urn:egov:loa:2"
    assert "amr" not in userinfo  # how one login was made is told by its ID token only

    # A code works once.
    assert redeem(Client(), registered, code, verifier).status_code == 400


def test_claims_follow_the_granted_scopes(
    client: Client, person: User, registered: RegisteredClient
) -> None:
    client.force_login(person)
    claims = verified_claims(client, id_token_for(client, registered, scope="openid")["id_token"])
    assert claims["sub"] == str(person.pk)
    assert claims["urn:egov:identity_level"] == 2 and claims["acr"] == "urn:egov:loa:2"
    assert claims["amr"] == ["pwd"]
    for personal in ("urn:egov:personal_id", "name", "birthdate", "email", "phone_number"):
        assert personal not in claims


def test_an_official_who_gave_a_one_time_code_has_two_factors_in_amr(
    client: Client, ward: Agency, make_official: Callable[..., User], registered: RegisteredClient
) -> None:
    official = make_official(ward, "receiver", username="tiepnhan.oidc")
    device = TOTPDevice.objects.create(user=official, name="app", confirmed=True)
    client.force_login(official)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    claims = verified_claims(client, id_token_for(client, registered)["id_token"])
    assert claims["amr"] == ["pwd", "otp"]
    assert claims["urn:egov:kind"] == "official"
    assert claims["preferred_username"] == "tiepnhan.oidc"
    assert "urn:egov:personal_id" not in claims  # officials log in by username


def test_the_consent_page_is_vietnamese_first_in_the_portal_layout(
    client: Client, person: User, registered: RegisteredClient
) -> None:
    client.force_login(person)
    _, challenge = pkce_pair()
    page = client.get("/o/authorize/", authorize_params(registered, challenge))
    html = page.content.decode()
    assert '<html lang="vi">' in html
    assert 'class="site-header"' in html  # core/base.html
    assert "Cổng dịch vụ công tỉnh B" in html
    assert person.full_name in html
    assert vi("Your full name, date of birth, personal ID number and username") in html
    assert f'name="allow" value="on">{vi("Allow")}</button>' in html
    assert vi("Do not allow") in html


def form_action(response: Any) -> list[str]:
    policy = response["Content-Security-Policy"]
    directive = next(part for part in policy.split(";") if part.strip().startswith("form-action"))
    return directive.split()[1:]


def test_the_consent_page_may_send_its_form_on_to_the_client_only(
    client: Client, person: User, registered: RegisteredClient
) -> None:
    """Browsers hold the redirect after "Allow" to the page's CSP form-action."""
    client.force_login(person)
    _, challenge = pkce_pair()
    consent_page = client.get("/o/authorize/", authorize_params(registered, challenge))
    assert form_action(consent_page) == ["'self'", "https://b.example.vn"]
    assert form_action(client.get("/login/start/")) == ["'self'"]
    # A redirect URI the client did not register gets an error page, and no exception.
    refused = client.get(
        "/o/authorize/",
        {**authorize_params(registered, challenge), "redirect_uri": "https://evil.example/cb"},
    )
    assert refused.status_code == 400
    assert form_action(refused) == ["'self'"]


def test_refusing_consent_sends_access_denied_back(
    client: Client, person: User, registered: RegisteredClient
) -> None:
    client.force_login(person)
    _, challenge = pkce_pair()
    page = client.get("/o/authorize/", authorize_params(registered, challenge))
    fields = hidden_fields(page.content.decode())
    fields.pop("next", None)
    answer = client.post("/o/authorize/", fields)  # the "Do not allow" button: no `allow`
    assert answer.status_code == 302
    assert answer["Location"].startswith(REDIRECT_URI)
    assert query(answer["Location"])["error"] == "access_denied"


def test_a_person_not_logged_in_goes_to_the_login_page_first(
    client: Client, registered: RegisteredClient
) -> None:
    _, challenge = pkce_pair()
    response = client.get("/o/authorize/", authorize_params(registered, challenge))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/o/authorize/")


# --- PKCE -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("challenge", "method"),
    [("plain-verifier-" + "x" * 40, "plain"), ("no-method-" + "x" * 40, None), (None, None)],
    ids=["plain", "challenge-without-method", "no-challenge"],
)
def test_an_authorization_request_without_s256_pkce_is_refused(
    client: Client,
    person: User,
    registered: RegisteredClient,
    challenge: str | None,
    method: str | None,
) -> None:
    client.force_login(person)
    response = client.get("/o/authorize/", authorize_params(registered, challenge, method))
    # Refused before any consent page, back to the client with the error.
    assert response.status_code == 302
    assert response["Location"].startswith(REDIRECT_URI)
    answer = query(response["Location"])
    assert answer["error"] == "invalid_request"
    assert answer["state"] == "state-123"
    assert "code" not in answer


@pytest.mark.parametrize("verifier", [None, "a-wrong-verifier-" + "y" * 40])
def test_a_code_is_redeemed_only_with_its_code_verifier(
    client: Client, person: User, registered: RegisteredClient, verifier: str | None
) -> None:
    client.force_login(person)
    _, challenge = pkce_pair()
    code = consent(client, registered, challenge)
    refused = redeem(Client(), registered, code, verifier)
    assert refused.status_code == 400
    assert refused.json()["error"] in {"invalid_request", "invalid_grant"}
    assert "id_token" not in refused.json()


def test_a_code_is_redeemed_only_by_its_client(
    client: Client, person: User, registered: RegisteredClient
) -> None:
    client.force_login(person)
    verifier, challenge = pkce_pair()
    code = consent(client, registered, challenge)
    impostor = RegisteredClient(registered.client_id, "not-the-secret", registered.redirect_uri)
    assert redeem(Client(), impostor, code, verifier).status_code == 401


# --- registering clients --------------------------------------------------------------------------


def test_create_oidc_client_prints_a_secret_it_stores_only_hashed(db: Any) -> None:
    registered = register_client("Cổng tỉnh C", "https://c.example.vn/oidc/callback/")
    application = Application.objects.get(client_id=registered.client_id)
    assert application.client_type == Application.CLIENT_CONFIDENTIAL
    assert application.authorization_grant_type == Application.GRANT_AUTHORIZATION_CODE
    assert application.algorithm == Application.RS256_ALGORITHM
    assert application.redirect_uris == "https://c.example.vn/oidc/callback/"
    assert registered.client_secret not in application.client_secret
    assert check_password(registered.client_secret, application.client_secret)

    with pytest.raises(CommandError, match="exists already"):
        register_client("Cổng tỉnh C", "https://c.example.vn/oidc/callback/")
    with pytest.raises(CommandError, match="redirect_uris"):
        register_client("Cổng tỉnh D", "ftp://d.example.vn/callback")
