"""``@idempotent``: a retried POST is answered once, per user, and a key reused for another
request is refused; old keys are purged."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from egov.core.models import IdempotencyKey
from egov.identity.models import Organisation, User
from tests.conftest import bearer

URL = "/api/v1/organisations"
BODY = {"tax_code": "0101234565", "name": "Công ty TNHH Sao Mai", "kind": "business"}


def post(client: Client, user: User, key: str, body: dict[str, str] = BODY) -> object:
    headers = bearer(user) | {"Idempotency-Key": key}
    return client.post(URL, body, content_type="application/json", headers=headers)


@pytest.mark.django_db
def test_the_same_key_and_body_replay_the_first_answer(client: Client, citizen: User) -> None:
    first = post(client, citizen, "k-1")
    again = post(client, citizen, "k-1")
    assert first.status_code == 201, first.content  # type: ignore[attr-defined]
    assert again.status_code == 200  # type: ignore[attr-defined]
    assert again.json() == first.json()  # type: ignore[attr-defined]
    assert again["Idempotent-Replayed"] == "true"  # type: ignore[index]
    assert Organisation.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused(client: Client, citizen: User) -> None:
    assert post(client, citizen, "k-2").status_code == 201  # type: ignore[attr-defined]
    other = post(client, citizen, "k-2", BODY | {"name": "Công ty khác"})
    assert other.status_code == 422  # type: ignore[attr-defined]
    assert other.json()["code"] == "idempotency_key_reused"  # type: ignore[attr-defined]
    assert Organisation.objects.count() == 1


@pytest.mark.django_db
def test_keys_belong_to_their_user(client: Client, citizen: User, other_citizen: User) -> None:
    mine = post(client, citizen, "k-3")
    theirs = post(client, other_citizen, "k-3", BODY | {"tax_code": "0101234565-001"})
    assert (mine.status_code, theirs.status_code) == (201, 201)  # type: ignore[attr-defined]
    assert IdempotencyKey.objects.filter(key="k-3").count() == 2


@pytest.mark.django_db
def test_a_refusal_leaves_the_key_free(client: Client, citizen: User) -> None:
    refused = post(client, citizen, "k-4", BODY | {"tax_code": "123"})
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert post(client, citizen, "k-4").status_code == 201  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_without_a_key_nothing_is_kept(client: Client, citizen: User) -> None:
    response = client.post(URL, BODY, content_type="application/json", headers=bearer(citizen))
    assert response.status_code == 201
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_old_keys_are_purged(client: Client, citizen: User) -> None:
    post(client, citizen, "old")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(days=8))
    post(client, citizen, "new", BODY | {"tax_code": "0101234565-001"})
    out = StringIO()
    call_command("purge_idempotency_keys", stdout=out)
    assert "1 idempotency keys purged" in out.getvalue()
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
