"""The population registry client's birth registration: ``register_birth`` asks the registry,
through the data-sharing gateway, for a newborn's personal ID number — against this deployment's
own gateway and registry served by uvicorn, and against a local server speaking the protocol for
what the client makes of each answer."""

from datetime import date
from typing import Any

import pytest
from django.conf import settings

from egov.core.gateway_client import GatewayClient
from egov.identity.account.registry import (
    HttpPopulationRegistry,
    PopulationRegistry,
    RegistryRefused,
    RegistryUnavailable,
)
from egov.registries.models import BirthRegistration, PopulationRecord
from tests.gateway_server import (
    PORTAL,
    REGISTRY,
    gateway_server,
    join_population_registry,
    logged_calls,
)
from tests.identity.test_account_registry import FakeRegistry, fake_registry

__all__ = ["fake_registry", "gateway_server"]  # the fixtures, used by name

KEY = "registry-key-for-tests"
MOTHER = "001195000007"
BIRTH: dict[str, Any] = {
    "registration_key": "000.31.26.H26-250314-0001",
    "full_name": "Nguyễn Minh Anh",
    "birth_date": date(2025, 3, 14),
    "sex": "female",
    "birth_province": "001",
    "mother_personal_id": MOTHER,
}


# --- through this deployment's gateway, to its registry ------------------------------------------


def test_a_birth_registered_through_the_gateway(
    gateway_server: str, agencies: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    join_population_registry(gateway_server, settings, monkeypatch, KEY)
    PopulationRecord.objects.create(
        personal_id=MOTHER,
        full_name="Trần Thị Mai",
        birth_date=date(1995, 4, 2),
        sex="female",
        permanent_address="12 Kim Mã, phường Ba Đình, Hà Nội",
        household_id="HO0000000042",
        relation_to_head="head",
    )
    registry = HttpPopulationRegistry()
    number = registry.register_birth(**BIRTH)
    assert number == "001325001000"
    child = PopulationRecord.objects.get(personal_id=number)
    assert (child.household_id, child.relation_to_head) == ("HO0000000042", "child")
    # A retry (the answer lost on the way back) gets the same number, and creates nothing.
    assert registry.register_birth(**BIRTH) == number
    assert PopulationRecord.objects.count() == 2
    # The registry logged the call under the portal's member code, which the gateway set.
    assert BirthRegistration.objects.get().client == PORTAL
    # A refusal comes back as the registry's words, to be shown.
    with pytest.raises(RegistryRefused) as refused:
        registry.register_birth(
            **BIRTH | {"registration_key": "other", "father_personal_id": "001090999999"}
        )
    assert refused.value.code == "invalid_input"
    assert list(refused.value.errors) == ["father_personal_id"]
    assert "người cha" in str(refused.value) and isinstance(refused.value, ValueError)
    calls = logged_calls(3)
    assert [(c.client, c.service, c.status) for c in calls] == [
        (PORTAL, f"{REGISTRY}/population", 201),
        (PORTAL, f"{REGISTRY}/population", 200),
        (PORTAL, f"{REGISTRY}/population", 422),
    ]


# --- against a local server speaking the protocol ------------------------------------------------


def test_the_client_speaks_the_protocol(fake_registry: FakeRegistry) -> None:
    for status in (201, 200):
        fake_registry.status, fake_registry.body = status, {"personal_id": "001325001000"}
        assert HttpPopulationRegistry().register_birth(**BIRTH) == "001325001000"
    path, headers, body = fake_registry.requests[0]
    assert path == f"/gw/{settings.POPULATION_SERVICE}/births"
    assert headers["Authorization"] == "Bearer fake-token"
    # The optional fields left empty are not sent.
    assert body == {
        "registration_key": BIRTH["registration_key"],
        "full_name": "Nguyễn Minh Anh",
        "birth_date": "2025-03-14",
        "sex": "female",
        "birth_province": "001",
        "mother_personal_id": MOTHER,
    }
    HttpPopulationRegistry().register_birth(
        **BIRTH | {"father_personal_id": "001093000008", "permanent_address": "Thôn Đông"}
    )
    sent = fake_registry.requests[-1][2]
    assert (sent["father_personal_id"], sent["permanent_address"]) == ("001093000008", "Thôn Đông")


def test_a_refusal_carries_the_registrys_message(fake_registry: FakeRegistry) -> None:
    message = "Ngày sinh không thể là một ngày trong tương lai."
    fake_registry.status = 422
    fake_registry.body = {
        "code": "invalid_input",
        "message": message,
        "errors": {"birth_date": message},
    }
    with pytest.raises(RegistryRefused, match=message) as refused:
        HttpPopulationRegistry().register_birth(**BIRTH)
    assert (refused.value.message, refused.value.code) == (message, "invalid_input")
    assert refused.value.errors == {"birth_date": message}


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (500, {"error": "x"}, "HTTP 500"),
        (503, {"code": "upstream_unavailable"}, "HTTP 503"),
        (404, {"code": "unknown_service"}, "HTTP 404"),
        (401, {}, "HTTP 401"),
        (409, {"code": "invalid_state", "message": "x", "errors": {}}, "HTTP 409"),
        (201, b"not json", "malformed answer"),
        (201, {"number": "001325001000"}, "malformed answer"),
        (201, {"personal_id": "1325001000"}, "malformed answer"),
        (200, ["001325001000"], "malformed answer"),
        (422, b"not json", "malformed answer"),
        (422, {"errors": {}}, "malformed answer"),
    ],
)
def test_a_broken_registry_is_unavailable(
    fake_registry: FakeRegistry, status: int, body: Any, reason: str
) -> None:
    fake_registry.status, fake_registry.body = status, body
    with pytest.raises(RegistryUnavailable, match=reason):
        HttpPopulationRegistry().register_birth(**BIRTH)


def test_an_unreachable_or_unconfigured_registry(db: Any) -> None:
    unreachable = GatewayClient(url="http://127.0.0.1:9", client_secret="x", timeout=2)
    with pytest.raises(RegistryUnavailable, match="ConnectionError"):
        HttpPopulationRegistry(unreachable).register_birth(**BIRTH)
    unconfigured = GatewayClient(url="http://127.0.0.1:9", client_secret="")
    with pytest.raises(RegistryUnavailable, match="not configured"):
        HttpPopulationRegistry(unconfigured).register_birth(**BIRTH)


def test_the_interface_leaves_it_to_providers() -> None:
    with pytest.raises(NotImplementedError):
        PopulationRegistry().register_birth(**BIRTH)
