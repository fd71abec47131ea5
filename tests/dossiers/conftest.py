"""Fixtures of the dossiers tests: the postal provider (a local server speaking the
VNPost-style protocol, docs/delivery.md)."""

from collections.abc import Iterator
from typing import Any

import pytest

from .fake_vnpost import FakeVnpost

CLIENT, SECRET = "EGOVTEST", "postal-test-secret-postal-test-secret"


@pytest.fixture
def post_office(settings: Any) -> Iterator[FakeVnpost]:
    with FakeVnpost(CLIENT, SECRET) as fake:
        settings.POSTAL_PROVIDER = "vnpost"
        settings.VNPOST_URL, settings.VNPOST_CLIENT_CODE = fake.url, CLIENT
        settings.VNPOST_SECRET = SECRET
        settings.PAYMENT_PROVIDER = "sandbox"
        yield fake
