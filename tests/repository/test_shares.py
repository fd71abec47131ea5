"""Share links: read-only access to one document, without login, until expiry or revocation."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.http import Http404
from django.test import Client
from django.utils import timezone

from egov.core.models import AuditEntry
from egov.identity.models import User
from egov.repository.models import RepositoryDocument, ShareLink
from egov.repository.services import InvalidInput, NotFound, open_share, revoke_share, share

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(citizen: User, make_document: Callable[..., RepositoryDocument]) -> RepositoryDocument:
    return make_document(citizen)


def test_a_link_opens_the_document_until_it_expires(
    document: RepositoryDocument, citizen: User
) -> None:
    link, token = share(document.pk, citizen, days=3, note="Cho ngân hàng")
    assert link.token_hash != token and token not in link.token_hash  # only the hash is kept
    assert open_share(token).document == document
    link.refresh_from_db()
    assert link.opened_count == 1 and link.last_opened_at is not None
    assert timedelta(days=2, hours=23) < link.expires_at - timezone.now() <= timedelta(days=3)
    assert AuditEntry.objects.filter(action="repository_document_shared").count() == 1

    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(NotFound):
        open_share(token)


def test_a_revoked_link_no_longer_opens(document: RepositoryDocument, citizen: User) -> None:
    link, token = share(document.pk, citizen, days=7)
    revoke_share(link.pk, citizen)
    revoke_share(link.pk, citizen)  # idempotent
    with pytest.raises(NotFound):
        open_share(token)
    assert AuditEntry.objects.filter(action="repository_share_revoked").count() == 1


def test_a_tampered_or_malformed_token_opens_nothing(
    document: RepositoryDocument, citizen: User
) -> None:
    _, token = share(document.pk, citizen, days=7)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (tampered, token + "x", "", "../../etc/passwd", token[:10]):
        with pytest.raises(NotFound):
            open_share(bad)


def test_only_the_owner_shares_or_revokes(
    document: RepositoryDocument, citizen: User, other_citizen: User, staff: dict[str, User]
) -> None:
    for stranger in (other_citizen, staff["receiver"]):
        with pytest.raises(Http404):  # not theirs: as if it did not exist
            share(document.pk, stranger, days=1)
    link, token = share(document.pk, citizen, days=1)
    with pytest.raises(NotFound):
        revoke_share(link.pk, other_citizen)
    assert open_share(token)


@pytest.mark.parametrize("days", [0, 31, -1])
def test_a_link_lasts_one_to_thirty_days(
    document: RepositoryDocument, citizen: User, days: int
) -> None:
    with pytest.raises(InvalidInput):
        share(document.pk, citizen, days=days)


def test_the_shared_page_and_file_work_without_login_and_only_while_valid(
    document: RepositoryDocument, citizen: User, client: Client
) -> None:
    link, token = share(document.pk, citizen, days=1)
    page = client.get(f"/share/{token}/")
    assert page.status_code == 200
    assert document.number in page.content.decode()
    assert page["Cache-Control"].startswith("no-store") and page["Referrer-Policy"] == "no-referrer"
    download = client.get(f"/share/{token}/file/")
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    api = client.get(f"/api/v1/repository/shared/{token}")
    assert api.status_code == 200 and api.json()["number"] == document.number

    revoke_share(link.pk, citizen)
    assert client.get(f"/share/{token}/").status_code == 404
    assert client.get(f"/share/{token}/file/").status_code == 404
    assert client.get(f"/api/v1/repository/shared/{token}").status_code == 404
