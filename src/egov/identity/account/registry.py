"""Clients of the population registry (Cơ sở dữ liệu quốc gia về dân cư).

Identity never reads the registry's tables: it calls the registry as a member service, as any
agency system would, through the data-sharing gateway (``POPULATION_SERVICE``). The client is a
plugin: ``POPULATION_REGISTRY_CLIENT`` names a subclass of ``PopulationRegistry``.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils.module_loading import import_string

from egov.core.gateway_client import GatewayClient, GatewayUnavailable


@dataclass(frozen=True)
class RegistryAnswer:
    """Whether the declared identity matches, and the names of the fields that do not."""

    match: bool
    found: bool = True
    differences: tuple[str, ...] = ()


class RegistryUnavailable(Exception):
    """The registry could not answer (network, timeout, server error, refused key). The message
    is short and never holds personal data; the check is retried."""


class PopulationRegistry:
    """The interface every provider implements."""

    def verify(self, *, personal_id: str, full_name: str, birth_date: date) -> RegistryAnswer:
        raise NotImplementedError


class HttpPopulationRegistry(PopulationRegistry):
    """The registry's member service through the data-sharing gateway:
    ``POST {POPULATION_SERVICE}/verify``.

    Request ``{personal_id, full_name, birth_date}``; answer ``{match, found, differences}``.
    """

    def __init__(self, gateway: GatewayClient | None = None):
        self.gateway = gateway or GatewayClient()

    def verify(self, *, personal_id: str, full_name: str, birth_date: date) -> RegistryAnswer:
        try:
            response = self.gateway.call(
                "POST",
                settings.POPULATION_SERVICE,
                "verify",
                json={
                    "personal_id": personal_id,
                    "full_name": full_name,
                    "birth_date": birth_date.isoformat(),
                },
                headers={"Accept": "application/json"},
            )
        except GatewayUnavailable as exc:
            raise RegistryUnavailable(str(exc)) from None
        if response.status_code != 200:
            raise RegistryUnavailable(f"HTTP {response.status_code}")
        try:
            body = response.json()
            return RegistryAnswer(
                match=bool(body["match"]),
                found=bool(body.get("found", True)),
                differences=tuple(str(name) for name in body.get("differences", [])),
            )
        except (ValueError, KeyError, TypeError):
            raise RegistryUnavailable("malformed answer") from None


def get_registry() -> PopulationRegistry:
    """The configured provider."""
    provider: PopulationRegistry = import_string(settings.POPULATION_REGISTRY_CLIENT)()
    return provider
