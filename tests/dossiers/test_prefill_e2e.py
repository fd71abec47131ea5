"""Once-only in a real browser: a level-2 citizen opens a criminal record certificate request and
finds their name, birth date and permanent address filled in from the population registry,
through this deployment's gateway, each saying where it came from."""

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from egov.identity.models import User
from egov.registries.models import PopulationRecord
from tests.e2e import conftest as e2e
from tests.e2e.test_journey import L, check_accessibility, labelled, log_in, screenshot
from tests.gateway_server import gateway_server, join_population_registry

browser, new_page, axe_source = e2e.browser, e2e.new_page, e2e.axe_source
__all__ = ["gateway_server"]

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("e2e"),
]


def test_a_form_filled_in_from_the_population_registry(
    new_page: Callable[..., Page],
    axe_source: str,
    live_server: Any,
    gateway_server: str,
    agencies: Any,
    catalog: Any,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    make_citizen: Callable[..., User],
) -> None:
    join_population_registry(gateway_server, settings, monkeypatch, "e2e-prefill-key")
    PopulationRecord.objects.create(
        personal_id="001087000006",
        full_name="Vũ Đức Giang",
        birth_date=date(1987, 9, 30),
        sex="male",
        permanent_address="17 Giảng Võ, phường Giảng Võ, Hà Nội",
    )
    citizen = make_citizen(personal_id="001087000006", full_name="Vu Duc Giang", address="")
    page = new_page()
    log_in(page, citizen.username)
    page.goto("/procedures/2.000488/")
    page.get_by_role("link", name=L("Submit online", "Nộp hồ sơ trực tuyến")).click()
    page.get_by_role("radio", name="Sở Tư pháp thành phố Hà Nội").check()
    page.get_by_role("button", name=L("Start", "Bắt đầu")).click()

    expect(labelled(page, "#f-full_name")).to_have_value("Vũ Đức Giang")
    expect(labelled(page, "#f-birth_date")).to_have_value("1987-09-30")
    expect(labelled(page, "#f-address")).to_have_value("17 Giảng Võ, phường Giảng Võ, Hà Nội")
    # The source is part of the field's description, read out with it.
    expect(labelled(page, "#f-address")).to_have_accessible_description(
        L("Filled in", "Được điền từ Cơ sở dữ liệu quốc gia về dân cư", prefix=True)
    )
    check_accessibility(page, axe_source, "a form filled in from the population registry")
    screenshot(page, "33-gateway-prefill")
