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


class RegistryRefused(ValueError):
    """The registry refused the request as it stands (HTTP 422): a parent's number it does not
    hold, a date of birth in the future, a registration key already used for another birth.
    The message is the registry's, in the request's language, meant to be shown; ``code`` and
    ``errors`` (field name → message) are the registry's too. Retrying the same request is
    refused again."""

    def __init__(
        self, message: str, code: str = "invalid_input", errors: dict[str, str] | None = None
    ):
        super().__init__(message)
        self.message = message
        self.code = code
        self.errors = dict(errors or {})


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

    def register_birth(
        self,
        *,
        registration_key: str,
        full_name: str,
        birth_date: date,
        sex: str,
        birth_province: str,
        mother_personal_id: str = "",
        father_personal_id: str = "",
        permanent_address: str = "",
    ) -> str:
        """Register a birth and answer the child's new personal ID number; the same
        ``registration_key`` (the birth registration's receipt code) with the same details
        answers the same number, so a call may be retried. ``sex`` is ``male`` or ``female``,
        ``birth_province`` the three-digit province code of the registration. RegistryRefused
        when the registry refuses the details, RegistryUnavailable when it cannot answer."""
        raise NotImplementedError


class HttpPopulationRegistry(PopulationRegistry):
    """The registry's member service through the data-sharing gateway:
    ``POST {POPULATION_SERVICE}/verify``, ``/lookup`` and ``/births``.

    Verify: request ``{personal_id, full_name, birth_date}``; answer ``{match, found,
    differences}``. Births: request ``{registration_key, full_name, birth_date, sex,
    birth_province, mother_personal_id?, father_personal_id?, permanent_address?}``; answer
    ``{personal_id}`` (201 issued, 200 the same key answered again).
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

    def register_birth(
        self,
        *,
        registration_key: str,
        full_name: str,
        birth_date: date,
        sex: str,
        birth_province: str,
        mother_personal_id: str = "",
        father_personal_id: str = "",
        permanent_address: str = "",
    ) -> str:
        payload = {
            "registration_key": registration_key,
            "full_name": full_name,
            "birth_date": birth_date.isoformat(),
            "sex": sex,
            "birth_province": birth_province,
            "mother_personal_id": mother_personal_id,
            "father_personal_id": father_personal_id,
            "permanent_address": permanent_address,
        }
        try:
            response = self.gateway.call(
                "POST",
                settings.POPULATION_SERVICE,
                "births",
                json={name: value for name, value in payload.items() if value},
                headers={"Accept": "application/json"},
            )
        except GatewayUnavailable as exc:
            raise RegistryUnavailable(str(exc)) from None
        if response.status_code == 422:
            try:
                body = response.json()
                message, code = str(body["message"]), str(body.get("code", "invalid_input"))
                errors = {str(k): str(v) for k, v in (body.get("errors") or {}).items()}
            except (ValueError, KeyError, TypeError, AttributeError):
                raise RegistryUnavailable("malformed answer") from None
            raise RegistryRefused(message, code, errors)
        if response.status_code not in (200, 201):
            raise RegistryUnavailable(f"HTTP {response.status_code}")
        try:
            number = str(response.json()["personal_id"])
        except (ValueError, KeyError, TypeError):
            raise RegistryUnavailable("malformed answer") from None
        if not (len(number) == 12 and number.isascii() and number.isdigit()):
            raise RegistryUnavailable("malformed answer")
        return number


def get_registry() -> PopulationRegistry:
    """The configured provider."""
    provider: PopulationRegistry = import_string(settings.POPULATION_REGISTRY_CLIENT)()
    return provider


def account_profile(user: Any) -> dict[str, Any]:
    """What the applicant's own account says, by prefill source: what a form falls back to where
    the population registry does not answer (``known_to_the_state``)."""
    return {
        "full_name": user.full_name,
        "personal_id": user.personal_id,
        "birth_date": user.birth_date,
        "email": user.email,
        "phone": user.phone,
        "address": user.address,
    }


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
