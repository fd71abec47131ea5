"""Procedure files: every file in the catalogue is valid, and a broken one is reported precisely."""

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

from egov.catalog.definitions import CatalogError, ProcedureDefinition, parse_procedure_file

CATALOG_FILES = sorted(settings.CATALOG_DIR.glob("*.yaml"))
BIRTH_FILE = settings.CATALOG_DIR / "1.001193-dang-ky-khai-sinh.yaml"


def birth_raw() -> dict[str, Any]:
    return yaml.safe_load(BIRTH_FILE.read_text(encoding="utf-8"))


def write(folder: Path, name: str, raw: dict[str, Any]) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_the_catalogue_is_not_empty() -> None:
    assert len(CATALOG_FILES) >= 10


@pytest.mark.parametrize("path", CATALOG_FILES, ids=lambda path: path.name)
def test_every_catalogue_file_is_valid(path: Path) -> None:
    definition = parse_procedure_file(path)
    assert isinstance(definition, ProcedureDefinition)
    assert path.name.startswith(f"{definition.code}-")  # file names start with the code
    assert definition.version >= 1
    assert abs(sum(step.share for step in definition.steps) - 1) < 0.001
    required = definition.form.json_schema.get("required", [])
    assert set(required) <= set(definition.form.json_schema["properties"])
    assert any(component.required for component in definition.components)


def test_the_birth_registration_file(tmp_path: Path) -> None:
    definition = parse_procedure_file(BIRTH_FILE)
    assert definition.code == "1.001193"
    assert definition.name == "Đăng ký khai sinh"
    assert definition.agency_levels == ["commune"]
    assert definition.processing_days == 1
    assert definition.online_level == "full"
    assert [c.code for c in definition.components] == [
        "TO_KHAI",
        "GIAY_CHUNG_SINH",
        "GIAY_DK_KET_HON",
    ]
    assert [c.required for c in definition.components] == [True, True, False]


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda raw: raw.pop(key)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(raw: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = raw
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return apply


BROKEN = {
    "missing name": (_drop("name"), "name", "Field required"),
    "missing components": (_drop("components"), "components", "Field required"),
    "bad code pattern": (_set("code", "1001193"), "code", "should match pattern"),
    "code with letters": (_set("code", "1.00119A"), "code", "should match pattern"),
    "unknown level": (_set("agency_levels", ["district"]), "agency_levels.0", "Input should be"),
    "negative processing time": (_set("processing_days", -1), "processing_days", "greater than"),
    "unknown online level": (_set("online_level", "sometimes"), "online_level", "Input should be"),
    "shares not summing to 1": (_set("steps.0.share", 0.1), "steps", "shares must add up to 1"),
    "share above 1": (_set("steps.0.share", 1.5), "steps.0.share", "less than or equal to 1"),
    "unknown form property keyword": (
        _set(
            "form.schema.properties.child_sex",
            {"type": "string", "title": "Giới tính", "enun": ["Nam", "Nữ"]},
        ),
        "form.schema",
        "unknown keywords ['enun']",
    ),
    "form property without a title": (
        _set("form.schema.properties.copies", {"type": "integer"}),
        "form.schema",
        "property copies: a Vietnamese title is required",
    ),
    "form property of an unsupported type": (
        _set("form.schema.properties.copies", {"type": "array", "title": "Bản sao"}),
        "form.schema",
        "property copies: type must be one of",
    ),
    "required names an unknown property": (
        _set("form.schema.required", ["child_full_name", "nickname"]),
        "form.schema",
        "required names unknown properties: ['nickname']",
    ),
    "ui.order names an unknown property": (
        _set("form.ui.order", ["child_full_name", "nickname"]),
        "form",
        "ui.order names unknown property nickname",
    ),
    "ui.fields names an unknown property": (
        _set("form.ui.fields.nickname", {"label_en": "Nickname"}),
        "form",
        "ui.fields names unknown property nickname",
    ),
    "unknown prefill source": (
        _set("form.ui.fields.child_full_name", {"prefill": "salary"}),
        "form",
        "ui.fields.child_full_name.prefill must be one of",
    ),
    "duplicate component codes": (
        _set("components.1.code", "TO_KHAI"),
        "components",
        "codes must be unique",
    ),
    "component code with spaces": (
        _set("components.0.code", "TO KHAI"),
        "components.0.code",
        "should match pattern",
    ),
    "unknown top-level key": (_set("deadline", 3), "deadline", "Extra inputs are not permitted"),
}


@pytest.mark.parametrize(("break_it", "field", "problem"), BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_file_names_file_field_and_problem(
    tmp_path: Path, break_it: Callable[[dict[str, Any]], None], field: str, problem: str
) -> None:
    raw = copy.deepcopy(birth_raw())
    break_it(raw)
    path = write(tmp_path, "1.001193-broken.yaml", raw)
    with pytest.raises(CatalogError) as excinfo:
        parse_procedure_file(path)
    problems = excinfo.value.problems
    assert any(
        file == str(path) and where == field and problem in message
        for file, where, message in problems
    ), problems
    assert f"{path}: {field}: " in str(excinfo.value)


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "1.001193-bad.yaml"
    path.write_text('code: "1.001193"\nname: [Đăng ký khai sinh\n', encoding="utf-8")
    with pytest.raises(CatalogError) as excinfo:
        parse_procedure_file(path)
    [(file, field, message)] = excinfo.value.problems
    assert file == str(path)
    assert field == "-"
    assert "cannot be read" in message


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "1.001193-list.yaml"
    path.write_text("- one\n- two\n", encoding="utf-8")
    with pytest.raises(CatalogError) as excinfo:
        parse_procedure_file(path)
    assert excinfo.value.problems == [(str(path), "-", "must hold one procedure (a mapping)")]


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    raw = birth_raw()
    raw.pop("name")
    raw["code"] = "x"
    path = write(tmp_path, "1.001193-two-problems.yaml", raw)
    with pytest.raises(CatalogError) as excinfo:
        parse_procedure_file(path)
    assert {field for _file, field, _message in excinfo.value.problems} == {"name", "code"}
