"""Browser fixtures for the end-to-end tests: Debian's chromium driven by Playwright's sync API,
axe-core for the accessibility checks, and the accounts of the journey."""

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from egov.core.models import Agency
from egov.identity.models import User
from egov.identity.officials.services import create_official
from tests.conftest import PASSWORD

CHROMIUM = os.environ.get("EGOV_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
]
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}


def _missing(what: str) -> None:
    """Without the browser or axe-core the tests cannot run: a skip on a developer's machine
    (``make browser`` installs both), a failure in CI where they must be present."""
    message = f"{what} is missing: run `make browser`"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _missing(f"Chromium ({CHROMIUM})")
    if not AXE.exists():
        _missing("axe-core (node_modules/axe-core)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on the main thread, where the fixtures and
    # assertions also use the ORM: Django would refuse that as "async-unsafe" although nothing
    # runs concurrently there. Allowed for the lifetime of the browser only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """Open a page in a fresh browser context (its own cookies). The pages keep their
    Content-Security-Policy; anything it blocks, and any script error, fails the test."""
    contexts: list[Any] = []
    problems: list[str] = []

    def open_page(**options: Any) -> Any:
        options = {"viewport": DESKTOP, "locale": "vi-VN", **options}
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        page.on(
            "console",
            lambda message: (
                problems.append(f"console {message.type}: {message.text}")
                # 422 (a form with errors) and 429 (a throttled login) are pages to show.
                if message.type == "error"
                and not any(f"status of {code}" in message.text for code in (422, 429))
                else None
            ),
        )
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def journey_staff(ward: Agency) -> dict[str, User]:
    """The ward's one-stop-shop team, named as in the demo data."""
    team = {
        "receiver": ("tiepnhan.badinh", "Phạm Thu Hà"),
        "processor": ("xuly.badinh", "Đỗ Quang Huy"),
        "approver": ("pheduyet.badinh", "Vũ Thị Lan"),
    }
    return {
        role: create_official(
            username=username, full_name=name, password=PASSWORD, agency=ward, roles=[role]
        )
        for role, (username, name) in team.items()
    }
