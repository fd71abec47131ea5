"""Members get credentials and exchange them for tokens; the platform operator manages
everything, an agency administrator only their own agency's members, services and grants."""

from typing import Any

import pytest
from django.test import Client

from egov.core.models import Agency
from egov.gateway import tokens
from egov.gateway.models import Grant, Member, Service
from egov.identity.models import User

from ..conftest import bearer

HANOI, POLICE = "000.00.00.H26", "000.00.00.G01"


def token_request(client: Client, **form: str) -> Any:
    return client.post("/api/v1/gateway/token", form)


@pytest.fixture
def admins(make_official: Any, agencies: dict[str, Agency]) -> dict[str, User]:
    return {
        "platform": make_official(agencies[HANOI], "platform_admin", username="op"),
        "hanoi": make_official(agencies[HANOI], "agency_admin", username="hn"),
        "police": make_official(agencies[POLICE], "agency_admin", username="ca"),
        "processor": make_official(agencies[HANOI], "processor", username="pr"),
    }


def register(client: Client, admin: User, agency: str, system: str) -> Any:
    return client.post(
        "/api/v1/gateway/members",
        {"agency": agency, "system_code": system, "name": f"Hệ thống {system}"},
        content_type="application/json",
        headers=bearer(admin),
    )


def test_a_member_joins_and_exchanges_its_secret_for_a_short_lived_token(
    client: Client, admins: dict[str, User], settings: Any
) -> None:
    answer = register(client, admins["hanoi"], HANOI, "motcua")
    assert answer.status_code == 201, answer.content
    member = answer.json()
    assert member["code"] == f"{HANOI}/MOTCUA"
    secret = member["client_secret"]
    assert secret not in Member.objects.get().secret_hash  # stored hashed
    issued = token_request(
        client, grant_type="client_credentials", client_id=member["code"], client_secret=secret
    )
    assert issued.status_code == 200
    body = issued.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == settings.GATEWAY_TOKEN_LIFETIME
    assert tokens.member_of(body["access_token"]) == member["code"]


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        (
            {"grant_type": "password", "client_id": "x", "client_secret": "y"},
            400,
            "unsupported_grant_type",
        ),
        (
            {
                "grant_type": "client_credentials",
                "client_id": f"{HANOI}/MOTCUA",
                "client_secret": "wrong",
            },
            401,
            "invalid_client",
        ),
        (
            {"grant_type": "client_credentials", "client_id": "nobody/X", "client_secret": "y"},
            401,
            "invalid_client",
        ),
    ],
)
def test_the_token_endpoint_refuses_in_oauth2_terms(
    client: Client, admins: dict[str, User], form: dict[str, str], status: int, error: str
) -> None:
    register(client, admins["hanoi"], HANOI, "motcua")
    answer = token_request(client, **form)
    assert answer.status_code == status
    assert answer.json()["error"] == error


def test_a_rotated_secret_replaces_the_old_one(client: Client, admins: dict[str, User]) -> None:
    old = register(client, admins["hanoi"], HANOI, "motcua").json()["client_secret"]
    rotated = client.post(
        f"/api/v1/gateway/members/{HANOI}/MOTCUA/secret", headers=bearer(admins["hanoi"])
    )
    assert rotated.status_code == 200
    new = rotated.json()["client_secret"]
    code = f"{HANOI}/MOTCUA"
    assert (
        token_request(
            client, grant_type="client_credentials", client_id=code, client_secret=old
        ).status_code
        == 401
    )
    assert (
        token_request(
            client, grant_type="client_credentials", client_id=code, client_secret=new
        ).status_code
        == 200
    )


def test_an_agency_admin_manages_only_their_agency(client: Client, admins: dict[str, User]) -> None:
    assert register(client, admins["hanoi"], POLICE, "csdldc").status_code == 403
    assert register(client, admins["processor"], HANOI, "motcua").status_code == 403
    assert register(client, admins["police"], POLICE, "csdldc").status_code == 201
    assert register(client, admins["hanoi"], HANOI, "motcua").status_code == 201
    assert register(client, admins["hanoi"], HANOI, "motcua").status_code == 409
    listed = client.get("/api/v1/gateway/members", headers=bearer(admins["hanoi"])).json()
    assert [m["code"] for m in listed["items"]] == [f"{HANOI}/MOTCUA"]
    everything = client.get("/api/v1/gateway/members", headers=bearer(admins["platform"])).json()
    assert everything["count"] == 2
    # Hà Nội cannot rotate the police's secret, nor publish a service as its member.
    assert (
        client.post(
            f"/api/v1/gateway/members/{POLICE}/CSDLDC/secret", headers=bearer(admins["hanoi"])
        ).status_code
        == 404
    )
    service = {
        "owner": f"{POLICE}/CSDLDC",
        "code": "population",
        "title": "Dân cư",
        "upstream_url": "http://127.0.0.1:9/registry",
    }
    assert (
        client.post(
            "/api/v1/gateway/services",
            service,
            content_type="application/json",
            headers=bearer(admins["hanoi"]),
        ).status_code
        == 404
    )
    published = client.post(
        "/api/v1/gateway/services",
        service,
        content_type="application/json",
        headers=bearer(admins["police"]),
    )
    assert published.status_code == 201, published.content
    assert published.json()["owner"] == f"{POLICE}/CSDLDC"


def test_the_provider_grants_and_revokes_access_to_its_service(
    client: Client, admins: dict[str, User]
) -> None:
    register(client, admins["police"], POLICE, "csdldc")
    register(client, admins["hanoi"], HANOI, "motcua")
    client.post(
        "/api/v1/gateway/services",
        {
            "owner": f"{POLICE}/CSDLDC",
            "code": "population",
            "title": "Dân cư",
            "upstream_url": "http://127.0.0.1:9/registry",
        },
        content_type="application/json",
        headers=bearer(admins["police"]),
    )
    url = f"/api/v1/gateway/services/{POLICE}/CSDLDC/population/grants"
    ask = {"client": f"{HANOI}/MOTCUA", "expires_at": "2030-06-01T00:00:00+07:00"}
    # The client's own administrator cannot grant itself the provider's data.
    assert (
        client.put(
            url, ask, content_type="application/json", headers=bearer(admins["hanoi"])
        ).status_code
        == 404
    )
    granted = client.put(
        url, ask, content_type="application/json", headers=bearer(admins["police"])
    )
    assert granted.status_code == 200, granted.content
    assert Grant.objects.get().expires_at.year == 2030
    revoked = client.delete(f"{url}/{HANOI}/MOTCUA", headers=bearer(admins["police"]))
    assert revoked.status_code == 204
    assert not Grant.objects.exists()
    assert (
        client.delete(f"{url}/{HANOI}/MOTCUA", headers=bearer(admins["police"])).status_code == 404
    )


def test_a_service_is_validated(client: Client, admins: dict[str, User]) -> None:
    register(client, admins["police"], POLICE, "csdldc")
    bad = client.post(
        "/api/v1/gateway/services",
        {"owner": f"{POLICE}/CSDLDC", "code": "Bad Code!", "title": "x"},
        content_type="application/json",
        headers=bearer(admins["police"]),
    )
    assert bad.status_code == 422
    assert {"code", "upstream_url"} <= set(bad.json()["errors"])
    assert not Service.objects.exists()
