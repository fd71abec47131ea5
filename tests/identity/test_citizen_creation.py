"""One way to create a citizen account, whoever creates it: ``identity.services.create_citizen``,
always audited with how (portal, registry, counter, OpenID Connect) and never personal data."""

from datetime import date
from typing import Any

import pytest

from egov.core.models import AuditEntry
from egov.dossiers import services as dossier_services
from egov.identity.account import services as account
from egov.identity.models import User
from egov.identity.services import CitizenOrigin, create_citizen
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PERSONAL_ID, NAME = "001199012345", "Hoàng Văn Em"


def creation_of(user: User) -> AuditEntry:
    entry = AuditEntry.objects.get(action="citizen_created", object_id=str(user.pk))
    assert PERSONAL_ID not in str(entry.data) and NAME not in str(entry.data)
    return entry


def test_from_the_registry(db: Any) -> None:
    user = create_citizen(
        personal_id=PERSONAL_ID, full_name=NAME, password=PASSWORD, identity_level=2
    )
    assert creation_of(user).data == {"via": "registry"}
    assert user.registry_verified_at is not None and user.check_password(PASSWORD)


def test_on_the_portal(db: Any) -> None:
    user = account.register_citizen(
        personal_id=PERSONAL_ID,
        full_name=NAME,
        birth_date=date(1990, 1, 2),
        password=PASSWORD,
        email="em@example.vn",
    )
    assert user is not None
    assert creation_of(user).data == {"via": "portal"}
    assert user.registry_verified_at is None


def test_at_the_counter_by_the_official(staff: dict[str, User]) -> None:
    user = dossier_services.find_or_create_citizen(
        personal_id=PERSONAL_ID,
        full_name=NAME,
        birth_date=date(1990, 1, 2),
        official=staff["receiver"],
    )
    entry = creation_of(user)
    assert entry.data == {"via": "counter"} and entry.actor == staff["receiver"]
    assert not user.has_usable_password()


def test_an_existing_citizen_is_found_not_created_again(citizen: User) -> None:
    assert citizen.personal_id is not None
    found = dossier_services.find_or_create_citizen(
        personal_id=citizen.personal_id, full_name="Tên khác", birth_date=None
    )
    assert found == citizen
    assert AuditEntry.objects.filter(action="citizen_created").count() == 1


def test_every_origin_is_named() -> None:
    assert {o.value for o in CitizenOrigin} == {"portal", "registry", "counter", "oidc"}
