"""The longer legal time when verification is needed ("trường hợp cần xác minh"): an optional
field of a procedure and of a group, validated on load, absent from every other definition (so
their content hashes do not change), and the groups' deadline it extends."""

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from egov.catalog.definitions import CatalogError, ProcedureDefinition
from egov.catalog.groups import GroupDefinition, parse_group_file, processing_days
from egov.catalog.models import Procedure
from egov.catalog.services import load_catalog
from tests.catalog.test_definitions import BIRTH_FILE, birth_raw, write
from tests.catalog.test_groups import BIRTH_GROUP, DEATH_GROUP, bad_group, definitions, raw

pytestmark = pytest.mark.django_db


def test_birth_registration_declares_5_working_days(catalog: dict[str, Procedure]) -> None:
    birth = catalog["1.001193"]
    assert (birth.processing_days, birth.verification_working_days) == (1, 5)
    assert birth.definition["verification_working_days"] == 5
    # Every other procedure has none, and its stored definition no such key.
    others = [p for code, p in catalog.items() if code != "1.001193"]
    assert all(p.verification_working_days is None for p in others)
    assert not any("verification_working_days" in p.definition for p in others)


@pytest.mark.parametrize("days", [0, 1, -3])
def test_it_must_be_longer_than_the_normal_time(days: int) -> None:
    with pytest.raises(ValidationError, match="verification_working_days"):
        ProcedureDefinition.model_validate(birth_raw() | {"verification_working_days": days})


def test_a_wrong_value_is_refused_on_load_naming_the_file(tmp_path: Path, catalog: Any) -> None:
    path = write(tmp_path, BIRTH_FILE.name, birth_raw() | {"version": 9, "processing_days": 5})
    with pytest.raises(CatalogError) as refused:
        load_catalog(tmp_path)
    [(file, field, message)] = refused.value.problems
    assert (file, field) == (str(path), "-")
    assert "verification_working_days (5) must be more than processing_days (5)" in message
    assert ProcedureDefinition.model_validate(birth_raw() | {"verification_working_days": 2})


def test_the_birth_group_promises_5_working_days_with_verification(
    catalog: dict[str, Procedure],
) -> None:
    group = parse_group_file(BIRTH_GROUP)
    assert (group.processing_days, group.verification_working_days) == (3, 5)
    procedures = definitions(catalog)
    assert processing_days(group, procedures, []) == 3
    assert processing_days(group, procedures, [], verified=["1.001193"]) == 5
    # A member without a longer time changes nothing.
    assert processing_days(group, procedures, [], verified=["1.004222"]) == 3


def test_a_chain_counts_an_extended_member_s_longer_time(
    catalog: dict[str, Procedure],
) -> None:
    group = parse_group_file(DEATH_GROUP)
    procedures = definitions(catalog)
    # The death registration given 3 working days when verification is needed, for the test.
    procedures["1.000656"] = {**procedures["1.000656"], "verification_working_days": 3}
    assert processing_days(group, procedures, ["1.001964"]) == 1 + 5
    assert processing_days(group, procedures, ["1.001964"], verified=["1.000656"]) == 3 + 5


def test_a_group_s_longer_time_is_validated(tmp_path: Path, catalog: Any) -> None:
    base = raw(BIRTH_GROUP)
    for wrong in ({"verification_working_days": 3}, {"processing_days": None}):
        with pytest.raises(ValidationError, match="verification_working_days must be more"):
            GroupDefinition.model_validate(base | wrong)
    # The death group's members have no longer time: its group may not promise one.
    problems = bad_group(
        tmp_path,
        lambda d: d.update(processing_days=6, verification_working_days=8),
        DEATH_GROUP,
    )
    assert "no member procedure has a longer time for verification" in problems


def test_the_procedure_page_shows_it(client: Any, catalog: dict[str, Procedure]) -> None:
    page = client.get("/procedures/1.001193/").content.decode()
    assert "không quá 5 ngày làm việc trong trường hợp cần xác minh" in page
    other = client.get("/procedures/1.001612/").content.decode()
    assert "trường hợp cần xác minh" not in other
