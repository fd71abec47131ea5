"""A citizen who registers a business is checked, through the gateway, against the national
business registry as its legal representative."""

from typing import Any

import pytest

from egov.core.errors import InvalidInput, NotAllowed
from egov.identity.models import Organisation
from egov.identity.organisations.services import register_organisation
from egov.registries.models import BusinessRecord
from tests.gateway_server import gateway_server, join_business_registry, join_population_registry

__all__ = ["gateway_server"]

TAX_CODE = "0109000015"


@pytest.fixture
def registries(
    gateway_server: str, agencies: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    join_population_registry(gateway_server, settings, monkeypatch, "business-registry-key")
    join_business_registry(gateway_server, settings, "business-registry-key")
    BusinessRecord.objects.create(
        tax_code=TAX_CODE,
        name="Công ty TNHH An Phát",
        address="12 Kim Mã, Hà Nội",
        representative_name="Nguyễn Văn An",
        representative_personal_id="001090000001",
        status="active",
    )


def test_the_registered_representative_registers_the_business(
    registries: None, make_citizen: Any
) -> None:
    an = make_citizen(personal_id="001090000001", full_name="Nguyễn Văn An")
    organisation = register_organisation(by=an, kind="business", name="An Phát", tax_code=TAX_CODE)
    assert organisation.registry_checked_at is not None


def test_someone_else_is_refused(registries: None, make_citizen: Any) -> None:
    other = make_citizen(personal_id="001092000002")
    with pytest.raises(NotAllowed, match="người đại diện theo pháp luật"):
        register_organisation(by=other, kind="business", name="An Phát", tax_code=TAX_CODE)
    assert not Organisation.objects.exists()


def test_a_tax_code_the_registry_does_not_know_is_refused(
    registries: None, make_citizen: Any
) -> None:
    an = make_citizen(personal_id="001090000001")
    with pytest.raises(InvalidInput) as refused:
        register_organisation(by=an, kind="business", name="Khác", tax_code="0101234565")
    assert "tax_code" in refused.value.errors


def test_without_the_registry_the_business_is_registered_unchecked(
    db: Any, make_citizen: Any, settings: Any
) -> None:
    settings.GATEWAY_URL, settings.GATEWAY_CLIENT_SECRET = "http://127.0.0.1:9", "x"
    an = make_citizen(personal_id="001090000001")
    organisation = register_organisation(by=an, kind="business", name="An Phát", tax_code=TAX_CODE)
    assert organisation.registry_checked_at is None
