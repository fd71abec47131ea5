"""Accounts, roles per agency, API tokens and login auditing."""

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from egov.core.audit import first_broken_entry
from egov.core.models import Agency, AuditEntry
from egov.identity.models import ApiToken, User, UserKind
from egov.identity.officials.services import grant_role
from egov.identity.services import create_citizen
from egov.identity.tokens import issue_api_token, user_for_token
from tests.conftest import PASSWORD


def test_a_citizen_logs_in_with_the_personal_id(citizen: User) -> None:
    assert citizen.kind == UserKind.CITIZEN and not citizen.is_official
    assert citizen.username == citizen.personal_id
    assert citizen.check_password(PASSWORD)
    assert AuditEntry.objects.filter(action="citizen_created", object_id=str(citizen.pk)).exists()


@pytest.mark.parametrize("personal_id", ["12345", "0010900000011", "00109000000a", ""])
def test_a_personal_id_has_exactly_twelve_digits(db: Any, personal_id: str) -> None:
    with pytest.raises(ValidationError):
        create_citizen(personal_id=personal_id, full_name="Sai số", password=PASSWORD)
    assert not User.objects.filter(full_name="Sai số").exists()


def test_a_personal_id_is_unique(citizen: User) -> None:
    assert citizen.personal_id is not None
    with pytest.raises(ValidationError):
        create_citizen(personal_id=citizen.personal_id, full_name="Trùng", password=PASSWORD)


def test_roles_are_held_per_agency(
    make_official: Callable[..., User], ward: Agency, other_ward: Agency
) -> None:
    official = make_official(ward, "receiver", "processor")
    assert official.is_official
    assert official.roles_in(ward.pk) == {"receiver", "processor"}
    assert official.roles_in(other_ward.pk) == set()
    grant_role(official, other_ward, "approver")
    assert official.roles_in(other_ward.pk) == {"approver"}  # the cache was cleared
    grant_role(official, other_ward, "approver")  # idempotent
    assert official.official_roles.count() == 3
    assert AuditEntry.objects.filter(action="role_granted", object_id=str(official.pk)).count() == 3
    with pytest.raises(ValueError, match="unknown role"):
        grant_role(official, ward, "minister")


def test_an_api_token_is_stored_only_as_its_hash(citizen: User) -> None:
    secret = issue_api_token(citizen, "app")
    token = ApiToken.objects.get(user=citizen)
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in token.key_hash
    assert len(secret) >= 40
    assert user_for_token(secret) == citizen
    assert user_for_token(secret + "x") is None
    assert user_for_token("") is None
    assert issue_api_token(citizen, "second") != secret
    assert first_broken_entry() is None


def test_a_token_of_a_deactivated_user_no_longer_works(client: Client, citizen: User) -> None:
    secret = issue_api_token(citizen, "app")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/dossiers", headers=headers).status_code == 200
    User.objects.filter(pk=citizen.pk).update(is_active=False)
    assert user_for_token(secret) is None
    assert client.get("/api/v1/dossiers", headers=headers).status_code == 401


def test_the_login_page(client: Client, citizen: User) -> None:
    assert client.get("/login/").status_code == 200
    response = client.post("/login/", {"username": citizen.personal_id, "password": PASSWORD})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="login", actor=citizen).exists()


def test_a_failed_login_is_audited_without_what_was_typed(client: Client, citizen: User) -> None:
    assert citizen.personal_id is not None
    response = client.post("/login/", {"username": citizen.personal_id, "password": "sai"})
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(action="login_failed").latest("id")
    assert entry.actor is None
    assert citizen.personal_id not in str(entry.data)
    assert entry.data == {"path": "/login/"}
