"""Where and from when a province runs a group (``data/interconnected.yaml``): a wrong file is
refused as a whole, naming the entry and what is wrong; a group switched on for a future day is
not offered at that place until that day (Vietnam's day, not UTC's)."""

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client

from egov.catalog.models import ProcedureGroup
from egov.core.calendar import VIETNAM
from egov.core.errors import InvalidInput
from egov.core.models import Agency
from egov.identity.models import User
from egov.interconnected import selectors, services
from egov.interconnected.models import Activation, Application

from .conftest import BIRTH_GROUP, DEATH_GROUP, NEWBORN, WARD, newborn_files

pytestmark = pytest.mark.usefixtures("in_process_registry")

GOOD = """\
- group: "2.000986"
  province: 000.00.00.H26
  since: {since}
  id_province: "001"
  routes:
    000.00.31.H26: {{"1.004222": 000.31.04.H26, "1.000310": 000.31.07.H26}}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "interconnected.yaml"
    path.write_text(text, "utf-8")
    return path


def refusal(path: Path) -> str:
    with pytest.raises(CommandError) as refused:
        call_command("load_interconnected", str(path))
    return str(refused.value)


@pytest.fixture
def no_activations(catalog: Any) -> None:
    Activation.objects.all().delete()


def test_the_provinces_file_loads(catalog: Any, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("load_interconnected")
    assert "2 group activations" in capsys.readouterr().out
    birth = Activation.objects.get(group_code=BIRTH_GROUP)
    assert (birth.province.code, birth.since.isoformat()) == ("000.00.00.H26", "2024-07-01")
    assert birth.routes[WARD] == {"1.004222": "000.31.04.H26", "1.000310": "000.31.07.H26"}


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({'group: "2.000986"': 'group: "2.999999"'}, "unknown group '2.999999'"),
        ({"province: 000.00.00.H26": "province: 000.00.99.H26"}, "unknown province"),
        ({"{since}": "2024-13-01"}, "since '2024-13-01' is not a date (YYYY-MM-DD)"),
        ({"{since}": "1/7/2024"}, "since '1/7/2024' is not a date"),
        ({"{since}": "soon"}, "since 'soon' is not a date"),
        (
            {"000.31.04.H26": "000.31.99.H26"},
            "routes.000.00.31.H26: unknown agency '000.31.99.H26' for 1.004222",
        ),
        (
            {"000.00.31.H26:": "000.00.99.H26:"},
            "routes.000.00.99.H26: unknown agency '000.00.99.H26' for 1.001193",
        ),
        # The police do not issue health-insurance cards.
        (
            {"000.31.07.H26": "000.31.04.H26"},
            "routes.000.00.31.H26: 000.31.04.H26 does not perform 1.000310",
        ),
        ({', "1.000310": 000.31.07.H26': ""}, "routes.000.00.31.H26: no agency for 1.000310"),
        (
            {"000.31.07.H26}": '000.31.07.H26, "1.000656": 000.00.31.H26}'},
            "routes.000.00.31.H26: not later members of 2.000986 ['1.000656']",
        ),
    ],
    ids=[
        "group",
        "province",
        "month",
        "day-first",
        "word",
        "agency",
        "place",
        "performer",
        "missing",
        "member",
    ],
)
def test_a_wrong_file_is_refused_naming_the_entry(
    tmp_path: Path, no_activations: None, change: dict[str, str], said: str
) -> None:
    text = GOOD
    for old, new in change.items():
        text = text.replace(old, new)
    message = refusal(write(tmp_path, text.format(since="2024-07-01")))
    assert message.startswith("activations not loaded: entry 0 (")
    assert said in message
    assert not Activation.objects.exists()


def test_a_place_outside_the_province_is_refused(tmp_path: Path, no_activations: None) -> None:
    text = GOOD.format(since="2024-07-01").replace(
        "province: 000.00.00.H26", "province: 000.00.01.H26"
    )
    assert "000.00.31.H26 is not in the province 000.00.01.H26" in refusal(write(tmp_path, text))


def test_one_wrong_entry_loads_nothing(tmp_path: Path, no_activations: None) -> None:
    good = settings.INTERCONNECTED_FILE.read_text("utf-8")
    wrong = GOOD.format(since="2024-07-01").replace("2.000986", "2.002622")
    message = refusal(write(tmp_path, good + wrong))
    # The death group's members are not routed: each missing one is named.
    assert "entry 2 (2.002622 in 000.00.00.H26)" in message
    assert "no agency for 1.004206" in message
    assert not Activation.objects.exists()


def test_a_file_that_is_not_a_list_is_refused(tmp_path: Path, no_activations: None) -> None:
    assert "must hold a list of activations" in refusal(write(tmp_path, "group: 2.000986\n"))
    assert "cannot be read" in refusal(write(tmp_path, "- group: [2.000986\n"))
    assert "cannot be read" in refusal(tmp_path / "absent.yaml")
    with pytest.raises(InvalidInput, match="listed twice"):
        services.load_activations(
            services.read_activations(write(tmp_path, GOOD.format(since="2024-07-01") * 2))
        )


def vn(*args: int) -> datetime:
    return datetime(*args, tzinfo=VIETNAM)


@pytest.fixture
def from_new_year(tmp_path: Path, no_activations: None) -> Iterator[ProcedureGroup]:
    """The birth group switched on at the ward from 1 January 2027 only."""
    services.load_activations(
        services.read_activations(write(tmp_path, GOOD.format(since="2027-01-01")))
    )
    yield ProcedureGroup.objects.get(code=BIRTH_GROUP, is_current=True)


def offered(group: ProcedureGroup) -> list[str]:
    return [place.code for place in services.places_for(group)]


def test_a_group_switched_on_later_is_off_until_that_day(
    from_new_year: ProcedureGroup,
    mother: User,
    client: Client,
    commit: Callable[[], Any],
) -> None:
    ward = Agency.objects.get(code=WARD)
    # 23:30 on 31 December in Vietnam is already 1 January nowhere that counts: still off.
    with time_machine.travel(vn(2026, 12, 31, 23, 30), tick=False):
        client.force_login(mother)
        assert offered(from_new_year) == []
        assert services.activation_for(from_new_year, ward) is None
        offer = next(o for o in selectors.offers() if o.group.code == BIRTH_GROUP)
        assert offer.places == []
        page = client.get(f"/lien-thong/{BIRTH_GROUP}/nop/").content.decode()
        assert f'name="place" value="{WARD}"' not in page
        with pytest.raises(InvalidInput) as refused:
            services.submit_application(mother, from_new_year, ward, [], NEWBORN, newborn_files())
        assert "place" in refused.value.errors
        assert not Application.objects.exists()
    # From the first minute of its day (Vietnam's: still 31 December in UTC), it is on.
    with time_machine.travel(vn(2027, 1, 1, 0, 30), tick=False):
        client.force_login(mother)
        assert offered(from_new_year) == [WARD]
        offer = next(o for o in selectors.offers() if o.group.code == BIRTH_GROUP)
        assert [place.code for place in offer.places] == [WARD]
        page = client.get(f"/lien-thong/{BIRTH_GROUP}/nop/").content.decode()
        assert f'name="place" value="{WARD}"' in page
        with commit():
            application = services.submit_application(
                mother, from_new_year, ward, [], NEWBORN, newborn_files()
            )
        assert application.code.startswith("LT-H26.31-20270101-")
    # The death group, not in this file, is off everywhere.
    death = ProcedureGroup.objects.get(code=DEATH_GROUP, is_current=True)
    assert offered(death) == []
