"""Payment providers behind one small interface; configuration (PAYMENT_PROVIDER) picks one.

``sandbox``: the built-in bank for trials; ``vnpay``: the VNPay gateway protocol (version 2.1.0).
"""

from django.conf import settings

from .base import Callback, InvalidCallback, PaymentProvider


def get_provider(name: str | None = None) -> PaymentProvider | None:
    """The provider ``name`` if it is the one this deployment enables, else None; without a
    name, the enabled provider (None when online payment is off)."""
    enabled = settings.PAYMENT_PROVIDER
    if not enabled or (name is not None and name != enabled):
        return None
    if enabled == "sandbox":
        from .sandbox import SandboxProvider

        return SandboxProvider()
    if enabled == "vnpay":
        from .vnpay import VnpayProvider

        return VnpayProvider(
            tmn_code=settings.VNPAY_TMN_CODE,
            hash_secret=settings.VNPAY_HASH_SECRET,
            url=settings.VNPAY_URL,
        )
    raise ValueError(f"unknown payment provider {enabled}")


__all__ = ["Callback", "InvalidCallback", "PaymentProvider", "get_provider"]
