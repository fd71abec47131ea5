"""A small fixed-window rate limiter on Django's cache, for what django-axes does not count:
registrations, verification codes and public tracking, per client address and per subject.

Keys are keyed hashes (a personal ID number never reaches the cache in clear). The counts live
in the ``default`` cache: per process with the built-in memory cache, shared between nodes once
``CACHES`` points at a shared cache (docs/identity.md).
"""

import hashlib
import hmac
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy

from .clientip import client_key

HOUR = 3600

#: The refusal past an hourly limit, the same whichever limit it is.
TOO_MANY = gettext_lazy(
    "Too many attempts from your connection or for this person. Please try again in an hour."
)


def client_address(request: Any) -> str:
    """The client's address as limits count it (:func:`egov.identity.clientip.client_key`, as
    django-axes sees it)."""
    return client_key(request)


def _key(scope: str, subject: str, window: int) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), subject.encode(), hashlib.sha256).hexdigest()
    return f"egov-rate:{scope}:{digest[:32]}:{int(time.time()) // window}"


def count(scope: str, subject: str, window: int = HOUR) -> int:
    """Attempts of ``subject`` in ``scope`` so far in the current window (none counted)."""
    return int(cache.get(_key(scope, subject, window)) or 0)


def add(scope: str, subject: str, window: int = HOUR) -> int:
    """Count one attempt of ``subject`` in ``scope``; the count in the current window."""
    key = _key(scope, subject, window)
    cache.add(key, 0, timeout=window)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def hit(scope: str, subject: str, limit: int, window: int = HOUR) -> bool:
    """Count one attempt of ``subject`` in ``scope``; False once there were more than ``limit``
    attempts in the current window."""
    return add(scope, subject, window) <= limit


def seconds_left(window: int = HOUR) -> int:
    """Seconds until the current window ends (a ``Retry-After`` for a refusal)."""
    return window - int(time.time()) % window
