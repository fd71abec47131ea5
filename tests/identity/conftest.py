"""Fixtures shared by the identity tests: frozen time, an official with an authenticator, a
citizen whose contact is proven, a level-2 citizen and a registered OpenID Connect client."""

import base64
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from egov.core.models import Agency
from egov.identity.models import IdentityLevel, User

START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội
REDIRECT_URI = "https://b.example.vn/oidc/callback/"


@dataclass
class RegisteredClient:
    client_id: str
    client_secret: str
    redirect_uri: str

    def basic_auth(self) -> dict[str, str]:
        pair = f"{self.client_id}:{self.client_secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def register_client(
    name: str = "Cổng dịch vụ công tỉnh B", redirect_uri: str = REDIRECT_URI
) -> RegisteredClient:
    """``manage.py create_oidc_client``, reading the id and secret from what it prints."""
    out = io.StringIO()
    call_command("create_oidc_client", name, redirect_uri, stdout=out)
    printed = dict(re.findall(r"^(OIDC_CLIENT_\w+)=(\S+)$", out.getvalue(), re.MULTILINE))
    return RegisteredClient(printed["OIDC_CLIENT_ID"], printed["OIDC_CLIENT_SECRET"], redirect_uri)


@pytest.fixture
def clock() -> Iterator[Any]:
    """Frozen time at START, moved on by the tests (TOTP steps, lockouts, token expiry)."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def receiver(ward: Agency, make_official: Callable[..., User]) -> User:
    return make_official(ward, "receiver", username="tiepnhan.kiemthu")


@pytest.fixture
def enrolled(receiver: User) -> TOTPDevice:
    """The receiver's authenticator, already set up."""
    return TOTPDevice.objects.create(user=receiver, name="phone", confirmed=True)


@pytest.fixture
def owner(make_citizen: Any) -> User:
    """A citizen whose email address is proven."""
    person = make_citizen(personal_id="001080000123", email="owner@example.vn", phone="")
    User.objects.filter(pk=person.pk).update(email_verified_at=timezone.now())
    return User.objects.get(pk=person.pk)


@pytest.fixture
def legal(make_citizen: Callable[..., User]) -> User:
    """The legal representative who registers an organisation."""
    return make_citizen(full_name="Người đại diện theo pháp luật")


@pytest.fixture
def person(make_citizen: Callable[..., User]) -> User:
    """A citizen verified against the population registry (identity level 2)."""
    user = make_citizen(full_name="Trần Thị Bình", birth_date=date(1992, 7, 2))
    User.objects.filter(pk=user.pk).update(identity_level=IdentityLevel.LEVEL_2)
    user.refresh_from_db()
    return user


@pytest.fixture
def registered(db: Any) -> RegisteredClient:
    return register_client()
