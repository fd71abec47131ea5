"""Interconnected procedure groups as catalogue data: validated on load against their member
procedures, and the one form and set of components they add up to."""

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

from egov.catalog.definitions import CatalogError
from egov.catalog.groups import (
    GroupDefinition,
    parse_group_file,
    processing_days,
    union_form,
    upload_components,
)
from egov.catalog.models import Procedure, ProcedureGroup
from egov.catalog.services import load_catalog

GROUPS = settings.CATALOG_DIR / "groups"
BIRTH_GROUP = GROUPS / "2.000986-lien-thong-khai-sinh.yaml"
DEATH_GROUP = GROUPS / "2.002622-lien-thong-khai-tu.yaml"


def raw(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def definitions(catalog: dict[str, Procedure]) -> dict[str, dict[str, Any]]:
    return {code: procedure.definition for code, procedure in catalog.items()}


def test_both_groups_are_loaded(catalog: dict[str, Procedure]) -> None:
    groups = {g.code: g for g in ProcedureGroup.objects.filter(is_current=True)}
    assert set(groups) == {"2.000986", "2.002622"}
    assert groups["2.000986"].members == ["1.001193", "1.004222", "1.000310"]
    assert groups["2.002622"].members == ["1.000656", "1.004206", "1.001964", "1.001965"]


def test_the_birth_group_asks_each_fact_once(catalog: dict[str, Procedure]) -> None:
    group = parse_group_file(BIRTH_GROUP)
    form = union_form(
        group, definitions(catalog), group.members and [m.procedure for m in group.members]
    )
    properties, required = form["schema"]["properties"], set(form["schema"]["required"])
    # The residence form's full_name is the child's: merged with the birth form's field.
    assert "full_name" not in properties and "child_full_name" in properties
    assert "child_personal_id" not in properties and "personal_id" not in properties  # issued
    assert {
        "child_full_name",
        "residence_address",
        "residence_basis",
        "mother_full_name",
    } <= required
    # Renamed to the child, the residence form's prefill of the applicant's name is dropped.
    assert "prefill" not in form["ui"]["fields"].get("child_full_name", {})
    assert form["ui"]["fields"]["phone"]["prefill"] == "phone"  # the applicant's own
    # The residence registration asks the address without a prefill, the health-insurance card
    # prefills it with the applicant's permanent address: merged, it is prefilled; its label
    # and help stay the residence registration's (the first to ask it).
    address = form["ui"]["fields"]["residence_address"]
    assert address["prefill"] == "permanent_address"
    assert address["label_en"] == "Address to register as permanent residence"
    assert [name for name, hints in form["ui"]["fields"].items() if "prefill" in hints] == [
        "phone",
        "email",
        "residence_address",
    ]
    assert form["ui"]["order"][0] == "child_full_name"
    uploads = {c["code"]: c for c in upload_components(group, definitions(catalog), [])}
    # Declarations come from the form; the birth certificate from the birth's result.
    assert set(uploads) == {
        "GIAY_CHUNG_SINH",
        "GIAY_DK_KET_HON",
        "CHO_O_HOP_PHAP",
        "VB_DONG_Y",
        "GIAY_TO_MIEN_LE_PHI",
    }
    assert uploads["CHO_O_HOP_PHAP"]["required"] and not uploads["VB_DONG_Y"]["required"]
    assert processing_days(group, definitions(catalog), []) == 3


def test_the_death_group_lasts_as_its_longest_chain(catalog: dict[str, Procedure]) -> None:
    group = parse_group_file(DEATH_GROUP)
    procedures = definitions(catalog)
    assert [m.procedure for m in group.chosen([])] == ["1.000656", "1.004206"]
    assert processing_days(group, procedures, []) == 1 + 1  # death, then deregistration
    assert processing_days(group, procedures, ["1.001964"]) == 1 + 5  # then the allowance
    form = union_form(group, procedures, ["1.001965"])
    assert "benefit_kind" in form["schema"]["required"]
    assert "social_insurance_number" in form["schema"]["properties"]


def bad_group(tmp_path: Path, change: Any, source: Path = BIRTH_GROUP, bump: bool = True) -> str:
    """Load the catalogue with one group changed (as a new version unless not ``bump``); the
    problems reported."""
    folder = tmp_path / "catalog"
    shutil.copytree(settings.CATALOG_DIR, folder)
    data = raw(source)
    data["version"] += bump
    change(data)
    (folder / "groups" / source.name).write_text(
        yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
    )
    with pytest.raises(CatalogError) as refused:
        load_catalog(folder)
    return str(refused.value)


def _member(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(m for m in data["members"] if m["procedure"] == code)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda d: d["members"].append({"procedure": "9.999999", "required": False}),
            "unknown procedures ['9.999999']",
        ),
        (lambda d: d["members"].reverse(), "which is not an earlier member"),
        (lambda d: d.update(choose={"min": 2, "max": 3}), "choose: need 3"),
        (
            lambda d: _member(d, "1.000310")["results"].update(GIAY_KHAI_SINH="1.004222"),
            "does not satisfy it",
        ),
        (
            lambda d: _member(d, "1.004222")["fields"].update(residence_address="copies"),
            "field copies is asked with type='integer' by 1.001193 and 'string' by 1.004222",
        ),
        (lambda d: _member(d, "1.004222")["fields"].update(nope="x"), "not in its form ['nope']"),
        (
            lambda d: d["issues"]["child_personal_id"].update(sex="gender"),
            "not fields of the application form ['gender']",
        ),
        (lambda d: d.pop("name_en"), "name_en"),
    ],
)
def test_a_wrong_group_is_refused_naming_the_problem(
    tmp_path: Path, catalog: dict[str, Procedure], change: Any, problem: str
) -> None:
    assert problem in bad_group(tmp_path, change)
    assert ProcedureGroup.objects.filter(code="2.000986").count() == 1


def test_a_required_member_cannot_wait_for_an_optional_one(tmp_path: Path, catalog: Any) -> None:
    def change(data: dict[str, Any]) -> None:
        data["members"][3]["required"] = True
        data["members"][3]["after"] = ["1.001964"]
        data["choose"]["min"] = 3

    assert "required 1.001965 waits for optional 1.001964" in bad_group(
        tmp_path, change, DEATH_GROUP
    )


def test_a_changed_group_must_raise_its_version(tmp_path: Path, catalog: Any) -> None:
    changed = bad_group(tmp_path, lambda d: d.update(processing_days=4), bump=False)
    assert "raise the version" in changed
    folder = tmp_path / "ok"
    shutil.copytree(settings.CATALOG_DIR, folder)
    data = raw(BIRTH_GROUP)
    data.update(processing_days=4, verification_working_days=5, version=3)
    (folder / "groups" / BIRTH_GROUP.name).write_text(
        yaml.safe_dump(data, allow_unicode=True), "utf-8"
    )
    report = load_catalog(folder)
    assert (report.groups_created, report.groups_unchanged) == (1, 1)
    current = ProcedureGroup.objects.get(code="2.000986", is_current=True)
    assert (
        current.version == 3
        and GroupDefinition.model_validate(current.definition).processing_days == 4
    )
