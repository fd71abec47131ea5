"""Interconnected procedure groups (Decree 63/2024/NĐ-CP, "liên thông"): several procedures at
several agencies filed as one application. A group is catalogue data, a YAML file in
``catalog/groups/``: its members, the order their results allow, what flows from one member's
result into another, which members the applicant may choose, and the group's deadline.

Everything here is pure: the file's schema, its check against the member procedures, and the
one application form and set of components the chosen members add up to.
"""

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .definitions import CatalogError, LegalBasis

#: Schema keywords two members' fields must agree on to be asked once.
_SAME = ("type", "format", "enum", "pattern")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Strict):
    """How many members an application holds: the required ones and those the applicant adds."""

    min: int = Field(ge=2)
    max: int = Field(ge=2)


class Issue(_Strict):
    """A number the population registry issues when a member's result is ready (the child's
    personal ID number once the birth is registered), from these group fields."""

    after: str
    full_name: str
    birth_date: str
    sex: str


class Member(_Strict):
    """One procedure of the group, performed by the agencies its own ``sector`` names."""

    procedure: str = Field(pattern=r"^\d\.\d{6}$")
    required: bool = True
    #: Members whose results this one waits for (besides those ``results`` names).
    after: list[str] = []
    #: The group field each of this member's form fields is, where the names differ.
    fields: dict[str, str] = {}
    #: Components filled with an earlier member's result ({component code: procedure code}).
    results: dict[str, str] = {}

    @property
    def waits_for(self) -> list[str]:
        return list(dict.fromkeys([*self.after, *self.results.values()]))


class GroupDefinition(_Strict):
    code: str = Field(pattern=r"^\d\.\d{6}$")
    version: int = Field(ge=1)
    name: str = Field(min_length=1, max_length=500)
    name_en: str = Field(min_length=1, max_length=500)
    description: str = ""
    description_en: str = ""
    #: The group's promise in working days from submission; without it, the longest chain of
    #: the chosen members' own processing times.
    processing_days: int | None = Field(default=None, ge=0, le=365)
    #: The group's longer promise when a member's dossier needs verification (that member's
    #: own ``verification_working_days``); only beside ``processing_days``, and left out of the
    #: stored definition when absent. Without ``processing_days`` the longest chain counts an
    #: extended member's longer time by itself.
    verification_working_days: int | None = Field(
        default=None, ge=1, le=365, exclude_if=lambda days: days is None
    )
    choose: Choice
    issues: dict[str, Issue] = {}
    members: list[Member] = Field(min_length=2)
    legal_basis: list[LegalBasis] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> "GroupDefinition":
        codes = [member.procedure for member in self.members]
        if len(codes) != len(set(codes)):
            raise ValueError("members: a procedure is listed twice")
        required = {member.procedure for member in self.members if member.required}
        if not len(required) <= self.choose.min <= self.choose.max <= len(codes):
            raise ValueError(
                f"choose: need {len(required)} (required members) <= min <= max <= {len(codes)}"
            )
        earlier: set[str] = set()
        for member in self.members:
            for code in member.waits_for:
                if code not in earlier:
                    raise ValueError(
                        f"members: {member.procedure} waits for {code}, which is not an earlier"
                        " member"
                    )
                if member.required and code not in required:
                    raise ValueError(
                        f"members: required {member.procedure} waits for optional {code}"
                    )
            earlier.add(member.procedure)
        for field, issue in self.issues.items():
            if issue.after not in codes:
                raise ValueError(f"issues.{field}: {issue.after} is not a member")
        if self.description and not self.description_en:
            raise ValueError("English text missing: description_en")
        if self.verification_working_days is not None and (
            self.processing_days is None or self.verification_working_days <= self.processing_days
        ):
            raise ValueError(
                "verification_working_days must be more than processing_days, which it needs"
            )
        return self

    def member(self, code: str) -> Member:
        return next(member for member in self.members if member.procedure == code)

    def chosen(self, codes: Iterable[str]) -> list[Member]:
        """The members an application holds, in the group's order: the required ones and the
        optional ones in ``codes``."""
        wanted = set(codes)
        return [m for m in self.members if m.required or m.procedure in wanted]


def parse_group_file(path: Path) -> GroupDefinition:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CatalogError([(str(path), "-", f"cannot be read: {exc}")]) from exc
    if not isinstance(raw, dict):
        raise CatalogError([(str(path), "-", "must hold one group (a mapping)")])
    try:
        return GroupDefinition.model_validate(raw)
    except ValidationError as exc:
        raise CatalogError(
            [
                (str(path), ".".join(str(part) for part in error["loc"]) or "-", error["msg"])
                for error in exc.errors()
            ]
        ) from exc


def check_members(group: GroupDefinition, procedures: Mapping[str, dict[str, Any]]) -> list[str]:
    """What is wrong with ``group`` given the member procedures' current definitions (by code):
    unknown procedures or fields, a result that cannot satisfy its component, two members
    asking one field two ways."""
    problems = []
    missing = [m.procedure for m in group.members if m.procedure not in procedures]
    if missing:
        return [f"members: unknown procedures {missing}"]
    for member in group.members:
        definition = procedures[member.procedure]
        properties = definition["form"]["schema"]["properties"]
        if definition["online_level"] == "none":
            problems.append(f"members: {member.procedure} is not filed online")
        unknown = sorted(set(member.fields) - set(properties))
        if unknown:
            problems.append(f"members.{member.procedure}.fields: not in its form {unknown}")
        components = {c["code"]: c for c in definition["components"]}
        for code, source in member.results.items():
            if code not in components:
                problems.append(f"members.{member.procedure}.results: no component {code}")
                continue
            result_type = procedures[source]["result"]["document_type"]
            if result_type not in components[code].get("document_types", []):
                problems.append(
                    f"members.{member.procedure}.results.{code}: a {result_type} (the result of"
                    f" {source}) does not satisfy it"
                )
    everyone = [m.procedure for m in group.members]
    try:
        form = union_form(group, procedures, everyone)
    except ValueError as exc:
        return [*problems, str(exc)]
    issued_from = {
        name
        for issue in group.issues.values()
        for name in (issue.full_name, issue.birth_date, issue.sex)
    }
    absent = sorted(issued_from - set(form["schema"]["properties"]))
    if absent:
        problems.append(f"issues: not fields of the application form {absent}")
    asked = {
        member.fields.get(name, name)
        for member in group.members
        for name in procedures[member.procedure]["form"]["schema"]["properties"]
    }
    for field in sorted(set(group.issues) - asked):
        problems.append(f"issues.{field}: no member's form has this field")
    if group.verification_working_days is not None and not any(
        procedures[m.procedure].get("verification_working_days") for m in group.members
    ):
        problems.append(
            "verification_working_days: no member procedure has a longer time for verification"
        )
    return problems


def union_form(
    group: GroupDefinition, procedures: Mapping[str, dict[str, Any]], chosen: Iterable[str]
) -> dict[str, Any]:
    """The one application form of the chosen members: each fact asked once. A field several
    members share (by name, or renamed by ``fields``) is merged: required when any member
    requires it, within the strictest bounds, prefilled when any member asking it under its own
    name prefills it (labels and help stay the first member's); fields the registry issues are
    not asked. A field renamed to another person's (the child's name in a residence form) loses
    its prefill.
    Raises ValueError when two members ask one field in ways that cannot be merged."""
    properties: dict[str, dict[str, Any]] = {}
    hints: dict[str, dict[str, Any]] = {}
    required: set[str] = set()
    order: list[str] = []
    owner: dict[str, str] = {}
    for member in group.chosen(chosen):
        form = procedures[member.procedure]["form"]
        schema, ui = form["schema"], form.get("ui", {})
        names = list(ui.get("order", [])) + [
            n for n in schema["properties"] if n not in ui.get("order", [])
        ]
        for name in names:
            target = member.fields.get(name, name)
            if target in group.issues:
                continue
            prop = dict(schema["properties"][name])
            if name in schema.get("required", []):
                required.add(target)
            if target not in properties:
                properties[target], owner[target] = prop, member.procedure
                field_hints = dict(ui.get("fields", {}).get(name, {}))
                if target != name:
                    field_hints.pop("prefill", None)
                hints[target] = field_hints
                order.append(target)
                continue
            merged = properties[target]
            prefill = ui.get("fields", {}).get(name, {}).get("prefill")
            if prefill and target == name and "prefill" not in hints[target]:
                # The applicant's own value for any member asking it under its own name.
                hints[target]["prefill"] = prefill
            for keyword in _SAME:
                if merged.get(keyword) != prop.get(keyword):
                    raise ValueError(
                        f"members: field {target} is asked with {keyword}={merged.get(keyword)!r}"
                        f" by {owner[target]} and {prop.get(keyword)!r} by {member.procedure}"
                    )
            for keyword, pick in (
                ("minLength", max),
                ("minimum", max),
                ("maxLength", min),
                ("maximum", min),
            ):
                values = [v for v in (merged.get(keyword), prop.get(keyword)) if v is not None]
                if values:
                    merged[keyword] = pick(values)
    return {
        "schema": {
            "type": "object",
            "required": [name for name in order if name in required],
            "properties": properties,
        },
        "ui": {"order": order, "fields": {name: hints[name] for name in order if hints[name]}},
    }


def member_data(
    member: Member, procedure: dict[str, Any], values: Mapping[str, Any]
) -> dict[str, Any]:
    """The member's own form data from the application's (and the issued numbers): each of its
    fields under its own name."""
    data = {}
    for name in procedure["form"]["schema"]["properties"]:
        value = values.get(member.fields.get(name, name))
        if value not in (None, ""):
            data[name] = value
    return data


def upload_components(
    group: GroupDefinition, procedures: Mapping[str, dict[str, Any]], chosen: Iterable[str]
) -> list[dict[str, Any]]:
    """The one set of components the applicant provides: each chosen member's, except the
    declarations (the form is them) and those an earlier result fills; a component code several
    members share is provided once, required when any of them requires it."""
    components: dict[str, dict[str, Any]] = {}
    for member in group.chosen(chosen):
        for component in procedures[member.procedure]["components"]:
            if component.get("online_form") or component["code"] in member.results:
                continue
            known = components.get(component["code"])
            if known is None:
                components[component["code"]] = dict(component, members=[member.procedure])
            else:
                known["required"] = known["required"] or component["required"]
                known["members"].append(member.procedure)
    return list(components.values())


def processing_days(
    group: GroupDefinition,
    procedures: Mapping[str, dict[str, Any]],
    chosen: Iterable[str],
    verified: Iterable[str] = (),
) -> int:
    """The group's promise, or the longest chain of the chosen members' processing times.

    ``verified``: the members whose dossiers need verification and so have their longer legal
    time (``verification_working_days``). Then the group promises its own longer time, or the
    chain counts those members' longer times."""
    extended = {
        code for code in verified if procedures[code].get("verification_working_days") is not None
    }
    if group.processing_days is not None:
        if extended and group.verification_working_days is not None:
            return group.verification_working_days
        return group.processing_days
    finish: dict[str, int] = {}
    for member in group.chosen(chosen):
        start = max((finish[code] for code in member.waits_for if code in finish), default=0)
        definition = procedures[member.procedure]
        key = "verification_working_days" if member.procedure in extended else "processing_days"
        finish[member.procedure] = start + int(definition[key])
    return max(finish.values())
