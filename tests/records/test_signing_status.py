"""After approval the dossier page says that the result is being signed, asks for the status
every few seconds, and shows the download link once it is signed, without a reload."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.identity.models import User
from egov.records import signing, tasks
from egov.records.models import ResultDocument, ResultStatus
from tests.conftest import log_in

SIGNING = "Đang ký số kết quả…"
SIGNED = "Kết quả đã được ký số."
POLLING = 'hx-trigger="every 3s"'


@pytest.fixture
def approved(make_dossier: Callable[..., Dossier], settings: Any) -> Dossier:
    """Approved, its signing enqueued but not run yet (as with a busy worker)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    dossier = make_dossier(Status.RESULT_READY)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return dossier


def page(client: Client, user: User, dossier: Dossier) -> str:
    log_in(client, user)
    response = client.get(f"/dossiers/{dossier.pk}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("who", ["citizen", "approver"])
def test_the_page_says_the_result_is_being_signed_and_polls(
    client: Client, approved: Dossier, citizen: User, staff: dict[str, User], who: str
) -> None:
    html = page(client, citizen if who == "citizen" else staff[who], approved)
    assert SIGNING in html
    assert f'hx-get="/dossiers/{approved.pk}/result-status/"' in html and POLLING in html
    assert 'id="result-status" role="status"' in html  # a live region, announced on change
    assert f"/dossiers/{approved.pk}/result/" not in html  # nothing to download yet


def test_the_status_shows_the_download_link_once_signed_and_stops_polling(
    client: Client, approved: Dossier, citizen: User
) -> None:
    log_in(client, citizen)
    url = f"/dossiers/{approved.pk}/result-status/"
    pending = client.get(url, headers={"HX-Request": "true"})
    assert pending.status_code == 200 and pending["Cache-Control"] == "no-store"
    assert SIGNING in pending.content.decode() and POLLING in pending.content.decode()

    document = ResultDocument.objects.get(dossier=approved)
    assert tasks.sign_result.call(document.pk) == ResultStatus.SIGNED
    done = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert SIGNED in done and f'href="/dossiers/{approved.pk}/result/"' in done
    assert "hx-trigger" not in done and SIGNING not in done  # the polling stops here
    assert "<section" not in done  # only the content of the live region

    # A page loaded afterwards has the link and no signing panel.
    html = client.get(f"/dossiers/{approved.pk}/").content.decode()
    assert (
        f"/dossiers/{approved.pk}/result/" in html and SIGNING not in html and POLLING not in html
    )


def test_a_failed_signing_is_said_plainly(
    client: Client,
    make_dossier: Callable[..., Dossier],
    citizen: User,
    staff: dict[str, User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(signing, "sign_pdf", lambda *a, **k: 1 / 0)
    dossier = make_dossier(Status.RESULT_READY)
    assert ResultDocument.objects.get(dossier=dossier).status == ResultStatus.FAILED
    html = page(client, citizen, dossier)
    assert "Kết quả chưa ký số được. Vui lòng liên hệ cơ quan giải quyết hồ sơ." in html
    assert POLLING not in html
    assert "chứng thư ký số của cơ quan" in page(Client(), staff["approver"], dossier)


def test_others_cannot_ask_for_the_status(
    client: Client, approved: Dossier, other_citizen: User, make_dossier: Callable[..., Dossier]
) -> None:
    url = f"/dossiers/{approved.pk}/result-status/"
    assert client.get(url).status_code == 302  # to the login page
    log_in(client, other_citizen)
    assert client.get(url).status_code == 404
    not_approved = make_dossier(Status.PROCESSING)
    log_in(client, not_approved.applicant)
    assert client.get(f"/dossiers/{not_approved.pk}/result-status/").status_code == 404
    assert "result-status" not in client.get(f"/dossiers/{not_approved.pk}/").content.decode()
