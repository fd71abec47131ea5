"""The one way a part plugs behaviour into a part below it: named hook points.

A part that lets others extend it declares its points in its own ``hooks.py`` (the dossiers
part: a guard on a lifecycle step, work after a step, an event recorded, extras on its pages),
each a :class:`HookPoint` with the signature its implementations have. A part above registers
its implementations in its ``AppConfig.ready()``, so the part below never imports it:

    from egov.dossiers import hooks
    hooks.step_guard.register(refuse_return_until_signed)

What is registered is fixed once Django is ready: registering later is an error (what runs
must not depend on which module happened to be imported first), registering the same function
twice changes nothing, and tests swap implementations with :meth:`HookPoint.override`.
``manage.py hooks`` lists every point, its contract and what is registered (docs/architecture.md
"Extension points").
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules

Implementation = TypeVar("Implementation", bound=Callable[..., Any])

_POINTS: dict[str, "HookPoint[Any]"] = {}


class HookPoint(Generic[Implementation]):
    """A named place where other parts add behaviour; its owner calls the implementations in
    the order they were registered (that is, the order of ``INSTALLED_APPS``)."""

    def __init__(self, name: str, contract: str) -> None:
        if name in _POINTS:
            raise ImproperlyConfigured(f"The hook point {name} is declared twice.")
        self.name = name
        self.contract = contract
        self._implementations: list[Implementation] = []
        _POINTS[name] = self

    def register(self, implementation: Implementation) -> Implementation:
        """Add ``implementation`` (from an ``AppConfig.ready()``); returns it, so that this can
        decorate a function defined there."""
        if apps.ready:
            raise ImproperlyConfigured(
                f"{_name_of(implementation)} is registered on {self.name} after the apps were "
                "ready: register it in its part's AppConfig.ready()."
            )
        if implementation not in self._implementations:
            self._implementations.append(implementation)
        return implementation

    def __iter__(self) -> Iterator[Implementation]:
        return iter(tuple(self._implementations))

    def __len__(self) -> int:
        return len(self._implementations)

    @contextmanager
    def override(self, *implementations: Implementation) -> Iterator[None]:
        """For tests: exactly ``implementations`` while the block runs."""
        saved = self._implementations
        self._implementations = list(implementations)
        try:
            yield
        finally:
            self._implementations = saved

    def names(self) -> list[str]:
        """The implementations, as ``module.function``."""
        return [_name_of(implementation) for implementation in self._implementations]


def points() -> list[HookPoint[Any]]:
    """Every hook point of the installed parts, by name (each part's ``hooks.py`` imported)."""
    autodiscover_modules("hooks")
    return [_POINTS[name] for name in sorted(_POINTS)]


def _name_of(implementation: Callable[..., Any]) -> str:
    return f"{implementation.__module__}.{getattr(implementation, '__qualname__', implementation)}"
