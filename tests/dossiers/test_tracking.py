"""Public tracking by receipt code: throttled per client address (receipt codes are sequential
and can be guessed), the status only for the code alone, the procedure, agency and dates only
with the last 4 digits of the applicant's number (docs/api.md, "Public tracking")."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from egov.dossiers import tracking
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.identity.models import User

MakeDossier = Callable[..., Dossier]


#: The rate limiters count per whole hour: no test may straddle two windows.
pytestmark = pytest.mark.usefixtures("start_of_an_hour")


def unknown(n: int) -> str:
    return f"H26.31-20260213-{9000000 + n}"


def test_the_code_alone_shows_the_status_only(
    client: Client, make_dossier: MakeDossier, citizen: User
) -> None:
    dossier = make_dossier(Status.PROCESSING)
    body = client.get(f"/api/v1/tracking/{dossier.code}").json()
    assert body == {
        "code": dossier.code,
        "status": "processing",
        "national_status": 4,
        "details": False,
        "procedure_name": None,
        "agency_name": None,
        "submitted_at": None,
        "due_at": None,
        "finished_at": None,
        "delivery_method": None,
        "postal_status": None,
    }
    page = client.get("/track/", {"code": dossier.code}).content.decode()
    assert str(Status.PROCESSING.label) in page
    assert dossier.procedure.name not in page and dossier.agency.name not in page


def test_a_wrong_check_shows_the_status_only(
    client: Client, make_dossier: MakeDossier, citizen: User
) -> None:
    dossier = make_dossier()
    assert citizen.personal_id is not None
    wrong = "0000" if citizen.personal_id[-4:] != "0000" else "1111"
    body = client.get(f"/api/v1/tracking/{dossier.code}", {"check": wrong}).json()
    assert body["details"] is False and body["procedure_name"] is None
    page = client.get("/track/", {"code": dossier.code, "check": wrong})
    assert page.context["found"].wrong_check
    assert dossier.procedure.name not in page.content.decode()


def test_guessing_codes_is_throttled_per_address(client: Client, make_dossier: MakeDossier) -> None:
    """Reported: 40 guesses found 7 dossiers."""
    dossier = make_dossier()
    statuses = [
        client.get(f"/api/v1/tracking/{unknown(n)}").status_code
        for n in range(tracking.MISSES_PER_ADDRESS + 1)
    ]
    assert statuses == [404] * tracking.MISSES_PER_ADDRESS + [429]
    refused = client.get(f"/api/v1/tracking/{dossier.code}")  # even a right guess now
    assert refused.status_code == 429
    assert refused.json()["code"] == "too_many_requests"
    assert 0 < int(refused["Retry-After"]) <= 3600
    page = client.get("/track/", {"code": dossier.code})
    assert page.status_code == 429 and page.context["dossier"] is None
    # Another address is not affected.
    assert (
        Client(REMOTE_ADDR="192.0.2.7").get(f"/api/v1/tracking/{dossier.code}").status_code == 200
    )


def test_lookups_are_limited_per_address_even_when_they_hit(
    client: Client, make_dossier: MakeDossier
) -> None:
    dossier = make_dossier()
    for _ in range(tracking.LOOKUPS_PER_ADDRESS):
        assert client.get(f"/api/v1/tracking/{dossier.code}").status_code == 200
    assert client.get(f"/api/v1/tracking/{dossier.code}").status_code == 429


def test_the_check_cannot_be_guessed_through_many_addresses(
    make_dossier: MakeDossier, citizen: User
) -> None:
    dossier = make_dossier()
    assert citizen.personal_id is not None
    right = citizen.personal_id[-4:]
    wrongs = [f"{n:04d}" for n in range(20) if f"{n:04d}" != right][
        : tracking.WRONG_CHECKS_PER_CODE
    ]
    for n, wrong in enumerate(wrongs):
        tracker = Client(REMOTE_ADDR=f"198.51.100.{n}")
        assert tracker.get(f"/api/v1/tracking/{dossier.code}", {"check": wrong}).status_code == 200
    late = Client(REMOTE_ADDR="198.51.100.200")
    refused = late.get(f"/api/v1/tracking/{dossier.code}", {"check": right})
    assert refused.status_code == 429
    assert late.get(f"/api/v1/tracking/{dossier.code}").json()["details"] is False


def test_an_organisations_dossier_is_checked_with_its_tax_code(
    client: Client, make_dossier: MakeDossier, citizen: User, db: Any
) -> None:
    from egov.identity.models import Organisation

    dossier = make_dossier()
    organisation = Organisation.objects.create(
        kind="business", tax_code="0314409058", name="Công ty Hoa Mai"
    )
    Dossier.objects.filter(pk=dossier.pk).update(organisation=organisation)
    body = client.get(f"/api/v1/tracking/{dossier.code}", {"check": "9058"}).json()
    assert body["details"] is True
