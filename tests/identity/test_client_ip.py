"""The client's address: ``X-Forwarded-For`` counts only when a configured proxy sent it, and every
limit (registrations, login lockout) sees the same address."""

from typing import Any

import pytest
from django.test import Client, RequestFactory, override_settings

from egov.identity.account import services
from egov.identity.clientip import client_ip, client_key
from egov.identity.models import User

from .test_account import register_page

PROXY = "10.0.0.5"


#: The rate limiters count per whole hour: no test may straddle two windows.
pytestmark = pytest.mark.usefixtures("start_of_an_hour")


def ip(remote: str, forwarded: str | None = None) -> str:
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **meta))


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert ip("198.51.100.9", "203.0.113.1") == "198.51.100.9"
    assert ip("127.0.0.1", "203.0.113.1") == "127.0.0.1"


@override_settings(TRUSTED_PROXIES=[PROXY, "10.1.0.0/16"])
@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        (PROXY, "203.0.113.1", "203.0.113.1"),  # the proxy says who its client was
        (PROXY, "  203.0.113.1 , 10.1.2.3", "203.0.113.1"),  # two proxies of ours
        (PROXY, "192.0.2.66, 203.0.113.1", "203.0.113.1"),  # the client's own header is ignored
        (PROXY, "", PROXY),
        (PROXY, "not-an-address", PROXY),
        (PROXY, "203.0.113.1, junk", PROXY),
        ("198.51.100.9", "203.0.113.1", "198.51.100.9"),  # not a proxy: not believed
        (PROXY, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client(
    remote: str, forwarded: str, client: str
) -> None:
    assert ip(remote, forwarded) == client


def test_rotated_forwarded_addresses_do_not_escape_the_registration_limit(db: Any) -> None:
    """Reported: 12 of 12 registrations went through with a new X-Forwarded-For each time."""
    statuses = []
    for n in range(services.REGISTRATIONS_PER_ADDRESS + 2):
        rotating = Client(headers={"x-forwarded-for": f"203.0.113.{n}"})
        statuses.append(register_page(rotating, personal_id=f"0010950{n:05d}").status_code)
    assert statuses == [302] * services.REGISTRATIONS_PER_ADDRESS + [429, 429]


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_behind_a_proxy_each_client_counts_apart(db: Any) -> None:
    crowd = Client(REMOTE_ADDR=PROXY, headers={"x-forwarded-for": "203.0.113.7"})
    for n in range(services.REGISTRATIONS_PER_ADDRESS):
        register_page(crowd, personal_id=f"0010950{n:05d}", password_again="different")
    assert register_page(crowd, personal_id="001095099999").status_code == 429
    other = Client(REMOTE_ADDR=PROXY, headers={"x-forwarded-for": "203.0.113.8"})
    assert register_page(other, personal_id="001095099999").status_code == 302
    assert User.objects.filter(personal_id="001095099999").exists()


def test_the_login_lockout_asks_the_same_function(settings: Any) -> None:
    from axes.helpers import get_client_ip_address

    settings.TRUSTED_PROXIES = [PROXY]
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.4")
    assert get_client_ip_address(request) == "203.0.113.4"
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert get_client_ip_address(request) == "203.0.113.5"


@pytest.mark.parametrize(
    ("remote", "key"),
    [
        ("203.0.113.4", "203.0.113.4"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::"),
        ("2001:db8:1:2:ffff:1:2:3", "2001:db8:1:2::"),
        ("::ffff:203.0.113.4", "203.0.113.4"),
        ("", ""),
    ],
)
def test_limits_count_an_ipv6_subscriber_by_its_64(remote: str, key: str) -> None:
    """One IPv6 subscriber usually holds a whole /64: a fresh address per attempt is no escape."""
    assert client_key(RequestFactory().get("/", REMOTE_ADDR=remote)) == key


def test_rotating_ipv6_addresses_do_not_escape_the_registration_limit(db: Any) -> None:
    statuses = []
    for n in range(services.REGISTRATIONS_PER_ADDRESS + 1):
        rotating = Client(REMOTE_ADDR=f"2001:db8:1:2::{n + 1:x}")
        statuses.append(register_page(rotating, personal_id=f"0010950{n:05d}").status_code)
    assert statuses == [302] * services.REGISTRATIONS_PER_ADDRESS + [429]
