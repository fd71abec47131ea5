"""A provincial People's Committee as a collegial body: its chair, two members, its secretariat
and its administrator; an official of another agency who sits nowhere."""

import io
from collections.abc import Callable
from typing import Any

import pytest

from egov.cabinet.constants import SeatRole
from egov.cabinet.models import Body, Seat
from egov.cabinet.services import Upload
from egov.core.models import Agency
from egov.core.pdf import Document
from egov.identity.models import User

CITY = "000.00.00.H26"


@pytest.fixture
def body(agencies: dict[str, Agency]) -> Body:
    return Body.objects.create(
        code="ubnd-ha-noi",
        name="Ủy ban nhân dân thành phố Hà Nội",
        name_en="Hà Nội People's Committee",
        agency=agencies[CITY],
    )


@pytest.fixture
def people(
    body: Body, agencies: dict[str, Agency], make_official: Callable[..., User]
) -> dict[str, User]:
    """chair, member1, member2 (members), secretary, admin, outsider (no seat), guest."""
    city = agencies[CITY]
    made = {
        name: make_official(city, username=name)
        for name in ("chair", "member1", "member2", "secretary", "admin", "outsider", "guest")
    }
    for name, role in (
        ("chair", SeatRole.CHAIR),
        ("member1", SeatRole.VICE_CHAIR),
        ("member2", SeatRole.MEMBER),
        ("secretary", SeatRole.SECRETARY),
        ("admin", SeatRole.ADMIN),
    ):
        Seat.objects.create(body=body, user=made[name], role=role)
    return made


def pdf_paper(text: str = "Dự thảo Nghị quyết", pages: int = 2) -> Upload:
    pdf = Document(text)
    pdf.heading(text)
    for n in range(2, pages + 1):
        pdf.add_page()
        pdf.line_of_text(f"Trang {n}")
    data = pdf.to_bytes()
    return Upload("du-thao.pdf", io.BytesIO(data), len(data))


@pytest.fixture
def commit(django_capture_on_commit_callbacks: Any) -> Callable[[], Any]:
    return lambda: django_capture_on_commit_callbacks(execute=True)
