"""The client's address: the one answer every rate limit, lockout and audit row uses.

``X-Forwarded-For`` is written by whoever sends the request, so it is believed only when the
connection comes from a proxy listed in ``TRUSTED_PROXIES`` (addresses or networks; empty by
default, when the header is ignored). Behind trusted proxies the client is the rightmost address
of the header that is not itself a trusted proxy: each proxy appends the address it saw, so
anything to the left of the first untrusted hop was written by the client and proves nothing.

Limits count per :func:`client_key`: the address itself for IPv4, its /64 network for IPv6, as
one IPv6 subscriber is usually given a whole /64 and could otherwise take a fresh address for
every attempt.

The ASGI server must not rewrite the peer address itself (``uvicorn --no-proxy-headers``, as
``make run`` does): ``REMOTE_ADDR`` has to be the socket's peer for this check to mean anything.
"""

import functools
import ipaddress
from typing import Any

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def is_trusted_proxy(address: str) -> bool:
    """True when ``address`` is one of the configured proxies (``TRUSTED_PROXIES``)."""
    parsed = _address(address)
    if parsed is None:
        return False
    return any(parsed in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request: Any) -> str:
    """The address of the client that sent ``request`` (``""`` when unknown)."""
    current = str(request.META.get("REMOTE_ADDR") or "")
    if not settings.TRUSTED_PROXIES or not is_trusted_proxy(current):
        return current
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
    for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        if not is_trusted_proxy(current):
            break
        if _address(hop) is None:  # garbage where an address should be: stop believing
            break
        current = hop
    return current


def client_key(request: Any) -> str:
    """What rate limits and lockouts count per: :func:`client_ip`, with an IPv6 address reduced
    to its /64 network (written as that network's first address, still a valid address)."""
    address = client_ip(request)
    parsed = _address(address)
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return address
