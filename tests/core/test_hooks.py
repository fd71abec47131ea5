"""The one hook registry (``egov.core.hooks``): registration only while the apps start, each
function once, overrides for tests, and every point listed by ``manage.py hooks`` and in the docs."""

import io
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from egov.core import hooks
from egov.dossiers import hooks as dossier_hooks
from egov.payments.guards import payment_due_guard

ARCHITECTURE = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def _first(_value: object) -> str:
    return "first"


def _second(_value: object) -> str:
    return "second"


@pytest.fixture
def point(monkeypatch: pytest.MonkeyPatch) -> hooks.HookPoint:
    monkeypatch.setattr(hooks, "_POINTS", dict(hooks._POINTS))  # forget the test's point after
    return hooks.HookPoint("tests.point", "(value) -> str")


def test_registration_runs_in_order_and_ignores_a_second_registration(
    point: hooks.HookPoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(apps, "ready", False)  # as while the parts' ready() run
    point.register(_first)
    point.register(_second)
    point.register(_first)
    assert [implementation(None) for implementation in point] == ["first", "second"]


def test_registering_once_the_apps_are_ready_is_an_error(point: hooks.HookPoint) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"AppConfig\.ready"):
        point.register(_first)
    assert list(point) == []


def test_a_point_is_declared_once(point: hooks.HookPoint) -> None:
    with pytest.raises(ImproperlyConfigured, match="declared twice"):
        hooks.HookPoint("tests.point", "again")


def test_override_swaps_the_implementations_for_the_block_only() -> None:
    before = list(dossier_hooks.step_guard)
    assert payment_due_guard in before
    with dossier_hooks.step_guard.override(_first):
        assert list(dossier_hooks.step_guard) == [_first]
    assert list(dossier_hooks.step_guard) == before


def test_the_command_lists_every_point_with_what_is_registered() -> None:
    out = io.StringIO()
    call_command("hooks", stdout=out, no_color=True)
    listing = out.getvalue()
    for point in hooks.points():
        assert point.name in listing
        for name in point.names():
            assert f"  - {name}" in listing
    assert "  - egov.payments.guards.payment_due_guard" in listing
    assert "  - egov.insights.facts.project_event" in listing


def test_the_architecture_page_documents_every_point() -> None:
    documented = ARCHITECTURE.read_text(encoding="utf-8")
    missing = [point.name for point in hooks.points() if f"`{point.name}`" not in documented]
    assert missing == []
