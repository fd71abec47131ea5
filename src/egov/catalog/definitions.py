"""The schema of a procedure file, and loading it with errors that name file, field and problem."""

from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

#: JSON Schema property types the form renderer understands.
FORM_TYPES = {"string", "integer", "number", "boolean"}
#: Keywords a form property may use; anything else is most likely a typo in the file.
PROPERTY_KEYWORDS = {
    "type",
    "title",
    "description",
    "format",
    "enum",
    "default",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
}
#: Where a field's initial value comes from: the applicant's account, or (permanent_address, and
#: full_name and birth_date for a level-2 citizen) the population registry, through the gateway.
PREFILL_SOURCES = {
    "full_name",
    "personal_id",
    "birth_date",
    "email",
    "phone",
    "address",
    "permanent_address",
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldRef(Strict):
    """Lĩnh vực: the field a procedure belongs to."""

    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1)
    name_en: str = ""


class Fee(Strict):
    """Phí, lệ phí: an amount in VND, fixed or per copy.

    A per-copy fee names the form field (an integer) that holds the number of copies asked for;
    without one, one copy is charged."""

    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1)
    name_en: str = ""
    kind: Literal["fee", "charge"] = "fee"
    amount: int = Field(ge=0)
    per_copy: bool = False
    copies_field: str = ""
    legal_basis: str = ""
    note: str = ""
    note_en: str = ""

    @model_validator(mode="after")
    def _copies_only_per_copy(self) -> "Fee":
        if self.copies_field and not self.per_copy:
            raise ValueError("copies_field is only meaningful with per_copy: true")
        return self


class Reduction(Strict):
    """Miễn, giảm phí, lệ phí, declared as data.

    ``online``: granted to every dossier filed online (most provinces halve the fee);
    ``group``: the applicant declares belonging to a listed group (poor household, person with a
    disability, child under 6…), with the proof in ``proof_component`` checked at intake.
    ``percent`` 100 is an exemption. When several apply to a fee, the largest one counts."""

    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_]+$")
    name: str = Field(min_length=1)
    name_en: str = ""
    applies: Literal["online", "group"]
    percent: int = Field(ge=1, le=100)
    #: Codes of the fees it reduces; empty: every fee of the procedure.
    fees: list[str] = []
    proof_component: str = ""
    legal_basis: str = Field(min_length=1)

    @model_validator(mode="after")
    def _proof_for_groups_only(self) -> "Reduction":
        if self.proof_component and self.applies != "group":
            raise ValueError("proof_component is only meaningful for applies: group")
        return self


class Component(Strict):
    """Thành phần hồ sơ: one document the applicant provides."""

    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_]+$")
    name: str = Field(min_length=1)
    name_en: str = ""
    required: bool = True
    copies: str = ""
    copies_en: str = ""
    #: Satisfied by the online application form: an online dossier does not upload it; the
    #: filled form, rendered to PDF at submission, is this component (a counter dossier still
    #: has the signed paper form scanned).
    online_form: bool = False
    #: Repository document types that satisfy this component (reuse instead of upload).
    document_types: list[str] = []


class Step(Strict):
    """One processing step, done by a role, taking a share of the legal deadline."""

    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1)
    name_en: str = ""
    role: Literal["receiver", "processor", "approver"]
    share: float = Field(gt=0, le=1)


class LegalBasis(Strict):
    number: str = Field(min_length=1)
    title: str = Field(min_length=1)
    title_en: str = ""
    issued: date | None = None


class OnlineProcessing(Strict):
    """Thời gian giải quyết rút ngắn: the province shortens the processing of dossiers filed
    online (as 15 provinces do), by a decision named in ``legal_basis``."""

    days: int = Field(ge=0, le=365)
    legal_basis: LegalBasis


class Result(Strict):
    document_type: str = Field(min_length=1, max_length=60)
    name: str = Field(min_length=1)
    name_en: str = ""


class FormDefinition(Strict):
    """Tờ khai: a flat JSON Schema object with Vietnamese titles, plus rendering hints."""

    json_schema: dict[str, Any] = Field(alias="schema")
    ui: dict[str, Any] = {}

    @field_validator("json_schema")
    @classmethod
    def _valid_schema(cls, schema: dict[str, Any]) -> dict[str, Any]:
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            raise ValueError(f"not a valid JSON Schema: {exc.message}") from exc
        if schema.get("type") != "object" or not schema.get("properties"):
            raise ValueError("the form schema must be an object with properties")
        for name, prop in schema["properties"].items():
            if prop.get("type") not in FORM_TYPES:
                raise ValueError(f"property {name}: type must be one of {sorted(FORM_TYPES)}")
            if not prop.get("title"):
                raise ValueError(f"property {name}: a Vietnamese title is required")
            unknown = set(prop) - PROPERTY_KEYWORDS
            if unknown:
                raise ValueError(f"property {name}: unknown keywords {sorted(unknown)}")
        missing = set(schema.get("required", [])) - set(schema["properties"])
        if missing:
            raise ValueError(f"required names unknown properties: {sorted(missing)}")
        return schema

    @model_validator(mode="after")
    def _valid_ui(self) -> "FormDefinition":
        properties = self.json_schema["properties"]
        for name in self.ui.get("order", []):
            if name not in properties:
                raise ValueError(f"ui.order names unknown property {name}")
        for name, hints in self.ui.get("fields", {}).items():
            if name not in properties:
                raise ValueError(f"ui.fields names unknown property {name}")
            if hints.get("prefill") and hints["prefill"] not in PREFILL_SOURCES:
                raise ValueError(
                    f"ui.fields.{name}.prefill must be one of {sorted(PREFILL_SOURCES)}"
                )
        return self


class ProcedureDefinition(Strict):
    """Thủ tục hành chính, as written in a catalogue file."""

    code: str = Field(pattern=r"^\d\.\d{6}$")
    version: int = Field(ge=1)
    name: str = Field(min_length=1, max_length=500)
    name_en: str = ""
    field: FieldRef
    sector: str = Field(min_length=1, max_length=40)
    agency_levels: list[Literal["central", "province", "commune"]] = Field(min_length=1)
    processing_days: int = Field(ge=0, le=365)
    #: The longer legal time, in working days, when the processing official records that the
    #: dossier needs verification ("trường hợp cần xác minh"); absent when the law gives none.
    #: Left out of the stored definition when absent, so that no other procedure's content (and
    #: content hash) changes.
    verification_working_days: int | None = Field(
        default=None, ge=1, le=365, exclude_if=lambda days: days is None
    )
    #: Working days for a dossier filed online, where the province shortens them.
    online_processing: OnlineProcessing | None = None
    online_level: Literal["full", "partial", "none"]
    applicant_types: list[Literal["citizen", "organisation"]] = ["citizen"]
    identity_level: int = Field(default=1, ge=1, le=2)
    description: str = ""
    description_en: str = ""
    conditions: str = ""
    conditions_en: str = ""
    fees: list[Fee] = []
    components: list[Component] = Field(min_length=1)
    form: FormDefinition
    #: Miễn, giảm: exemptions and reductions of the fees above (validated after them).
    reductions: list[Reduction] = []
    #: When the fees must be paid: before the dossier is received, or before its result is returned.
    payment_due: Literal["at_submission", "before_result"] = "before_result"
    result: Result
    steps: list[Step] = Field(min_length=1)
    legal_basis: list[LegalBasis] = Field(min_length=1)

    # Field validators, not a model validator, so that an error is located at the field it is about.
    @field_validator("components", "fees", "steps", "reductions")
    @classmethod
    def _unique_codes(cls, items: list[Any]) -> list[Any]:
        codes = [item.code for item in items]
        if len(codes) != len(set(codes)):
            raise ValueError("codes must be unique")
        return items

    @field_validator("form")
    @classmethod
    def _copies_fields_exist(cls, form: FormDefinition, info: ValidationInfo) -> FormDefinition:
        properties = form.json_schema["properties"]
        for fee in info.data.get("fees", []):
            if fee.copies_field and properties.get(fee.copies_field, {}).get("type") != "integer":
                raise ValueError(
                    f"fee {fee.code}: copies_field {fee.copies_field} must name an integer property"
                )
        return form

    @field_validator("reductions")
    @classmethod
    def _reductions_refer_to_known_codes(
        cls, reductions: list[Reduction], info: ValidationInfo
    ) -> list[Reduction]:
        fees = {fee.code for fee in info.data.get("fees", [])}
        components = {component.code for component in info.data.get("components", [])}
        for reduction in reductions:
            unknown = set(reduction.fees) - fees
            if unknown:
                raise ValueError(f"{reduction.code}: unknown fee codes {sorted(unknown)}")
            if reduction.proof_component and reduction.proof_component not in components:
                raise ValueError(
                    f"{reduction.code}: proof_component {reduction.proof_component} is not a"
                    " component of this procedure"
                )
        if reductions and not fees:
            raise ValueError("reductions need fees to reduce")
        return reductions

    @field_validator("components")
    @classmethod
    def _one_online_form(cls, components: list[Component]) -> list[Component]:
        if sum(component.online_form for component in components) > 1:
            raise ValueError("at most one component is satisfied by the online form")
        return components

    @model_validator(mode="after")
    def _online_processing_is_shorter(self) -> "ProcedureDefinition":
        if self.online_processing is None:
            return self
        if self.online_level == "none":
            raise ValueError("online_processing: this procedure is not filed online")
        if self.online_processing.days >= self.processing_days:
            raise ValueError(
                f"online_processing.days ({self.online_processing.days}) must be fewer than"
                f" processing_days ({self.processing_days})"
            )
        return self

    @model_validator(mode="after")
    def _verification_is_longer(self) -> "ProcedureDefinition":
        days = self.verification_working_days
        if days is not None and days <= self.processing_days:
            raise ValueError(
                f"verification_working_days ({days}) must be more than processing_days"
                f" ({self.processing_days})"
            )
        return self

    @model_validator(mode="after")
    def _english_text(self) -> "ProcedureDefinition":
        """English pages show the catalogue in English: every Vietnamese text has its English
        counterpart (``<name>_en``)."""
        missing = [path for path, text, english in _texts(self) if text and not english]
        if missing:
            raise ValueError(f"English text missing: {', '.join(missing)}")
        return self

    @field_validator("steps")
    @classmethod
    def _shares_add_up(cls, steps: list[Step]) -> list[Step]:
        total = sum(step.share for step in steps)
        if abs(total - 1) > 0.001:
            raise ValueError(f"shares must add up to 1 (they add up to {total:g})")
        return steps


def _texts(definition: ProcedureDefinition) -> list[tuple[str, str, str]]:
    """(where, Vietnamese, English) for every text of a procedure shown to the public."""
    texts = [
        ("name_en", definition.name, definition.name_en),
        ("field.name_en", definition.field.name, definition.field.name_en),
        ("description_en", definition.description, definition.description_en),
        ("conditions_en", definition.conditions, definition.conditions_en),
        ("result.name_en", definition.result.name, definition.result.name_en),
    ]
    for n, fee in enumerate(definition.fees):
        texts += [
            (f"fees.{n}.name_en", fee.name, fee.name_en),
            (f"fees.{n}.note_en", fee.note, fee.note_en),
        ]
    for n, component in enumerate(definition.components):
        texts += [
            (f"components.{n}.name_en", component.name, component.name_en),
            (f"components.{n}.copies_en", component.copies, component.copies_en),
        ]
    for n, step in enumerate(definition.steps):
        texts.append((f"steps.{n}.name_en", step.name, step.name_en))
    for n, reduction in enumerate(definition.reductions):
        texts.append((f"reductions.{n}.name_en", reduction.name, reduction.name_en))
    return texts


class CatalogError(ValueError):
    """A catalogue file is invalid. ``problems`` lists (file, field, message)."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = problems
        super().__init__(
            "\n".join(f"{file}: {field}: {message}" for file, field, message in problems)
        )


def parse_procedure_file(path: Path) -> ProcedureDefinition:
    """Read and validate one catalogue file; raise CatalogError naming file, field and problem."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CatalogError([(str(path), "-", f"cannot be read: {exc}")]) from exc
    if not isinstance(raw, dict):
        raise CatalogError([(str(path), "-", "must hold one procedure (a mapping)")])
    try:
        return ProcedureDefinition.model_validate(raw)
    except ValidationError as exc:
        problems = [
            (str(path), ".".join(str(part) for part in error["loc"]) or "-", error["msg"])
            for error in exc.errors()
        ]
        raise CatalogError(problems) from exc
