"""Postal providers behind one small interface (``base.PostalProvider``); configuration
(POSTAL_PROVIDER) picks one.

``sandbox``: the built-in post office for trials; ``vnpost``: the VNPost-style protocol
(JSON over HTTPS signed with HMAC-SHA256, docs/delivery.md)."""

from django.conf import settings

from .base import (
    Booking,
    InvalidCallback,
    Parcel,
    Place,
    PostalProvider,
    ProviderError,
    StatusReport,
)


def get_provider(name: str | None = None) -> PostalProvider | None:
    """The provider ``name`` if it is the one this deployment enables, else None; without a
    name, the enabled provider (None when delivery by post is off)."""
    enabled = settings.POSTAL_PROVIDER
    if not enabled or (name is not None and name != enabled):
        return None
    if enabled == "sandbox":
        from .sandbox import SandboxPost

        return SandboxPost()
    if enabled == "vnpost":
        from .vnpost import VnpostProvider

        return VnpostProvider(
            url=settings.VNPOST_URL,
            client_code=settings.VNPOST_CLIENT_CODE,
            secret=settings.VNPOST_SECRET,
            max_age=settings.POSTAL_CALLBACK_MAX_AGE,
        )
    raise ValueError(f"unknown postal provider {enabled}")


__all__ = [
    "Booking",
    "InvalidCallback",
    "Parcel",
    "Place",
    "PostalProvider",
    "ProviderError",
    "StatusReport",
    "get_provider",
]
