"""A province deployment (this test process) pushes its dossiers to a national deployment (a
separate uvicorn process with its own SQLite database) over loopback, as in production: the
national operator registers the province with ``create_sync_client``; the province sets
NATIONAL_SYNC_URL and NATIONAL_SYNC_TOKEN; the push runs after each change, resumes after a
failure, and the national dashboard's API shows the province's own figures."""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from django.utils import timezone

from egov.core.models import Agency
from egov.dossiers import services as dossiers
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.identity.models import User
from egov.insights.models import DossierFact, PushState
from egov.insights.services import indicator_values
from egov.insights.tasks import push_dossiers
from tests.deployments import Deployment, free_port

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("deployments")]
HANOI = "000.00.00.H26"


@dataclass
class National:
    url: str
    token: str


@pytest.fixture
def national(tmp_path: Path) -> Iterator[National]:
    national = Deployment(tmp_path, "national")
    national.migrate()
    national.manage("load_agencies")
    printed = national.manage("create_sync_client", "Cổng DVC thành phố Hà Nội", HANOI)
    token = re.search(r"^NATIONAL_SYNC_TOKEN=(\S+)$", printed, re.MULTILINE)
    assert token, printed
    with national.serving("/api/v1/insights/indicators") as url:
        yield National(url, token.group(1))


def national_figures(national: National, agency: str) -> dict[str, Any]:
    year = timezone.localdate().year
    response = requests.get(
        f"{national.url}/api/v1/insights/figures",
        params={"year": year, "agency": agency},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def local_values(agency: Agency) -> dict[str, str | None]:
    year = timezone.localdate().year
    values = indicator_values(agency, date(year, 1, 1), date(year, 12, 31))
    return {key: None if value is None else str(value) for key, value in values.items()}


def test_a_province_pushes_its_dossiers_and_the_national_figures_match(
    national: National,
    settings: Any,
    make_dossier: Callable[..., Dossier],
    agencies: dict[str, Agency],
    staff: dict[str, User],
    citizen: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.NATIONAL_SYNC_TOKEN = national.token
    # The national deployment is down (nothing listens on this port): the push fails and says so.
    settings.NATIONAL_SYNC_URL = f"http://127.0.0.1:{free_port()}/api/v1/insights/sync"
    returned = make_dossier(Status.RETURNED)
    dossiers.record_event(
        returned.pk, "paid", None, {"channel": "online", "amount": 8000, "payment": "P1"}
    )
    # A second transaction, at the counter: the national figures count transactions too.
    dossiers.record_event(
        returned.pk, "paid", None, {"channel": "counter", "amount": 2000, "payment": "P2"}
    )
    make_dossier(Status.RECEIVED)
    make_dossier(Status.REFUSED)
    assert push_dossiers.call() == 0
    state = PushState.objects.get()
    assert state.last_error.startswith("ConnectionError") and state.attempts == 1
    assert DossierFact.objects.filter(unpushed=True).count() == 3

    # It is up again: the next push resumes and sends everything.
    settings.NATIONAL_SYNC_URL = f"{national.url}/api/v1/insights/sync"
    assert push_dossiers.call() == 3
    state.refresh_from_db()
    assert (state.attempts, state.last_error, state.pushed_total) == (0, "", 3)
    assert not DossierFact.objects.filter(unpushed=True).exists()
    hanoi = agencies[HANOI]
    figures = national_figures(national, HANOI)
    assert figures["values"] == local_values(hanoi)
    assert figures["counts"]["received"] == 2  # the refused one was never received
    assert (figures["counts"]["payments"], figures["counts"]["payments_online"]) == (2, 1)
    assert figures["values"]["online_payment_rate"] == "50.00"

    # A change is pushed by itself after the commit (the test's task backend runs it at once).
    with django_capture_on_commit_callbacks(execute=True):
        dossiers.rate(returned.pk, citizen, 3)
    assert not DossierFact.objects.filter(unpushed=True).exists()
    assert national_figures(national, HANOI)["values"]["satisfaction_rate"] == "100.00"
    assert national_figures(national, "000.00.00.G01")["counts"]["received"] == 0
    assert PushState.objects.get().next_run_at is None
    assert PushState.objects.get().last_success_at > timezone.now() - timedelta(minutes=1)
