"""Clients of the population registry (Cơ sở dữ liệu quốc gia về dân cư).

Identity never reads the registry's tables: it calls the registry as a member service, as any
agency system would, through the data-sharing gateway (``POPULATION_SERVICE``). The client is a
plugin: ``POPULATION_REGISTRY_CLIENT`` names a subclass of ``PopulationRegistry``.
"""

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from egov.core.gateway_client import GatewayClient, GatewayUnavailable, answered_not_found

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RegistryAnswer:
    """Whether the declared identity matches, and the names of the fields that do not."""

    match: bool
    found: bool = True
    differences: tuple[str, ...] = ()


class RegistryUnavailable(Exception):
    """The registry could not answer (network, timeout, server error, refused key). The message
    is short and never holds personal data; the check is retried."""


@dataclass(frozen=True)
class RegistryPerson:
    """What a lookup answers: the fields the state already knows, so a form need not ask."""

    full_name: str
    birth_date: date
    permanent_address: str


class PopulationRegistry:
    """The interface every provider implements."""

    def verify(self, *, personal_id: str, full_name: str, birth_date: date) -> RegistryAnswer:
        raise NotImplementedError

    def lookup(self, *, personal_id: str, purpose: str) -> RegistryPerson | None:
        """The person's record (None: the registry has none); the purpose is logged there."""
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

    def lookup(self, *, personal_id: str, purpose: str) -> RegistryPerson | None:
        try:
            response = self.gateway.call(
                "POST",
                settings.POPULATION_SERVICE,
                "lookup",
                json={"personal_id": personal_id, "purpose": purpose},
                headers={"Accept": "application/json"},
                timeout=settings.POPULATION_LOOKUP_TIMEOUT,  # a person waits for the page
            )
        except GatewayUnavailable as exc:
            raise RegistryUnavailable(str(exc)) from None
        if answered_not_found(response):
            return None
        if response.status_code != 200:
            raise RegistryUnavailable(f"HTTP {response.status_code}")
        try:
            body = response.json()
            return RegistryPerson(
                full_name=str(body["full_name"]),
                birth_date=date.fromisoformat(body["birth_date"]),
                permanent_address=str(body["permanent_address"]),
            )
        except (ValueError, KeyError, TypeError):
            raise RegistryUnavailable("malformed answer") from None


def get_registry() -> PopulationRegistry:
    """The configured provider."""
    provider: PopulationRegistry = import_string(settings.POPULATION_REGISTRY_CLIENT)()
    return provider


#: The prefill sources a lookup answers, and where they come from (shown on the form).
REGISTRY_SOURCES = ("full_name", "birth_date", "permanent_address")


def known_to_the_state(user: Any, purpose: str) -> dict[str, Any]:
    """What the population registry holds on a level-2 citizen, by prefill source ("once-only":
    the form is filled from it, not asked again). Empty when the person is not level 2, or the
    registry has no record or cannot answer now: the form then falls back to the account."""
    if getattr(user, "identity_level", 0) < 2 or not getattr(user, "personal_id", ""):
        return {}
    try:
        person = get_registry().lookup(personal_id=user.personal_id, purpose=purpose)
    except (RegistryUnavailable, NotImplementedError):
        log.warning("population registry lookup unavailable for a prefill")
        return {}
    if person is None:
        return {}
    return {name: getattr(person, name) for name in REGISTRY_SOURCES}
