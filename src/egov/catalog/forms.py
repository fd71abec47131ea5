"""Application forms ("tờ khai") from a procedure's JSON Schema: rendering hints, input coercion,
and server-side validation with messages in the user's language (Vietnamese by default)."""

import contextlib
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from jsonschema import Draft202012Validator, FormatChecker

_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass
class FormField:
    """What a template needs to render one form field."""

    name: str
    label: str
    kind: str  # text, textarea, date, email, number, select, radio, checkbox
    required: bool
    value: Any
    error: str = ""
    help: str = ""
    choices: tuple[str, ...] = ()
    min: Any = None
    max: Any = None
    max_length: int | None = None
    autocomplete: str = ""


PREFILL_AUTOCOMPLETE = {
    "full_name": "name",
    "birth_date": "bday",
    "email": "email",
    "phone": "tel",
    "address": "street-address",
    "permanent_address": "street-address",
}


def _ordered_names(schema: dict[str, Any], ui: dict[str, Any]) -> list[str]:
    order = list(ui.get("order", []))
    return order + [name for name in schema["properties"] if name not in order]


def _kind(prop: dict[str, Any], hints: dict[str, Any]) -> str:
    if hints.get("widget"):
        return str(hints["widget"])
    if "enum" in prop:
        return "select"
    if prop["type"] == "boolean":
        return "checkbox"
    if prop["type"] in {"integer", "number"}:
        return "number"
    return {"date": "date", "email": "email"}.get(prop.get("format", ""), "text")


#: How a form names where a prefilled value came from (``Dossier.prefill_sources``).
SOURCE_NOTES = {
    "population_registry": gettext_lazy(
        "Filled in from the national population database (through the data-sharing platform):"
        " you are not asked again what the state already knows."
    ),
}


def build_fields(
    form: dict[str, Any],
    data: dict[str, Any],
    errors: dict[str, str],
    language: str,
    sources: dict[str, str] | None = None,
) -> list[FormField]:
    """The fields of an application form in display order, filled with ``data``; a field a
    registry filled in says so in its help (``sources``)."""
    schema, ui = form["schema"], form.get("ui", {})
    required = set(schema.get("required", []))
    fields = []
    for name in _ordered_names(schema, ui):
        prop = schema["properties"][name]
        hints = ui.get("fields", {}).get(name, {})
        english = language == "en"
        fields.append(
            FormField(
                name=name,
                label=(hints.get("label_en") if english else None) or prop["title"],
                kind=_kind(prop, hints),
                required=name in required,
                value=data.get(name, prop.get("default", "")),
                error=errors.get(name, ""),
                help=" ".join(
                    str(text)
                    for text in (
                        (hints.get("help_en") if english else None) or hints.get("help", ""),
                        SOURCE_NOTES.get((sources or {}).get(name, ""), ""),
                    )
                    if text
                ),
                choices=tuple(prop.get("enum", ())),
                min=prop.get("minimum"),
                max=prop.get("maximum"),
                max_length=prop.get("maxLength"),
                autocomplete=PREFILL_AUTOCOMPLETE.get(hints.get("prefill", ""), "off"),
            )
        )
    return fields


def filled_from(form: dict[str, Any], known: dict[str, Any], source: str) -> dict[str, str]:
    """The form's fields whose prefill source ``known`` answers, each named with ``source``."""
    return {
        name: source
        for name, hints in form.get("ui", {}).get("fields", {}).items()
        if known.get(hints.get("prefill", "")) not in (None, "")
    }


def prefill(form: dict[str, Any], profile: dict[str, Any]) -> dict[str, Any]:
    """Initial values taken from the applicant's own record, so nothing known is asked again."""
    values = {}
    for name, hints in form.get("ui", {}).get("fields", {}).items():
        source = hints.get("prefill")
        if source and profile.get(source) not in (None, ""):
            value = profile[source]
            values[name] = value.isoformat() if isinstance(value, date) else value
    return values


def coerce(form: dict[str, Any], raw: Any) -> dict[str, Any]:
    """Turn posted strings into the JSON types the schema expects; leave bad values for the
    validator to report. Empty optional fields are dropped."""
    data: dict[str, Any] = {}
    for name, prop in form["schema"]["properties"].items():
        value = raw.get(name)
        if prop["type"] == "boolean":
            data[name] = value in (True, "on", "true", "1", 1)
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, str):
            value = value.strip()
            if prop["type"] == "integer" and re.fullmatch(r"-?\d+", value):
                value = int(value)
            elif prop["type"] == "number":
                with contextlib.suppress(ValueError):
                    value = float(value.replace(",", "."))
            elif prop.get("format") == "date" and (match := _DMY.match(value)):
                day, month, year = (int(part) for part in match.groups())
                with contextlib.suppress(ValueError):
                    value = date(year, month, day).isoformat()
        data[name] = value
    return data


def _message(error: Any, prop: dict[str, Any]) -> str:
    keyword = error.validator
    if keyword == "required":
        return _("This field is required.")
    if keyword == "type":
        if prop.get("type") in {"integer", "number"}:
            return _("Enter a number.")
        return _("The value has the wrong type.")
    if keyword == "format" and prop.get("format") == "date":
        return _("Enter a valid date (dd/mm/yyyy).")
    if keyword == "format" and prop.get("format") == "email":
        return _("Enter a valid email address.")
    if keyword == "enum":
        return _("Choose one of the listed options.")
    if keyword == "minLength":
        return _("Enter at least %(n)d characters.") % {"n": prop["minLength"]}
    if keyword == "maxLength":
        return _("Enter at most %(n)d characters.") % {"n": prop["maxLength"]}
    if keyword == "pattern":
        return _("The value does not have the required format.")
    if keyword == "minimum":
        return _("The value must be at least %(n)s.") % {"n": prop["minimum"]}
    if keyword == "maximum":
        return _("The value must be at most %(n)s.") % {"n": prop["maximum"]}
    return _("The value is not valid.")


def validate(form: dict[str, Any], data: dict[str, Any]) -> dict[str, str]:
    """Field name -> message for every problem in ``data``; empty when it is valid."""
    schema = form["schema"]
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    errors: dict[str, str] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.path)):
        if error.validator == "required":
            name = error.message.split("'")[1]
        elif error.path:
            name = str(error.path[0])
        else:
            name = "__all__"
        prop = schema["properties"].get(name, {})
        errors.setdefault(name, _message(error, prop))
    for name in set(data) - set(schema["properties"]):
        errors.setdefault(name, _("This field is not part of the form."))
    for name, prop in schema["properties"].items():
        if prop.get("format") == "date" and name in data and name not in errors:
            try:
                datetime.strptime(str(data[name]), "%Y-%m-%d")  # noqa: DTZ007 - a calendar date
            except ValueError:
                errors[name] = _("Enter a valid date (dd/mm/yyyy).")
    return errors


def render_pdf(
    procedure: dict[str, Any], data: dict[str, Any], facts: list[tuple[str, str]]
) -> bytes:
    """The filled application form as a PDF for the dossier's record ("tờ khai điện tử"): the
    procedure, ``facts`` about the submission (applicant, agency, receipt code, time), then
    every field of the form with its Vietnamese title, in display order."""
    from egov.core.pdf import Document  # fpdf2 is loaded only when a form is rendered

    schema, ui = procedure["form"]["schema"], procedure["form"].get("ui", {})
    pdf = Document(f"Tờ khai — {procedure['name']}")
    pdf.centred("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True)
    pdf.centred("Độc lập - Tự do - Hạnh phúc")
    pdf.ln(4)
    pdf.heading(f"TỜ KHAI {procedure['name'].upper()}")
    pdf.centred("(khai trực tuyến trên Cổng dịch vụ công)")
    pdf.ln(4)
    for label, value in facts:
        pdf.field(label, value)
    pdf.ln(3)
    for name in _ordered_names(schema, ui):
        prop = schema["properties"][name]
        pdf.field(prop["title"], _pdf_value(prop, data.get(name)))
    return pdf.to_bytes()


def _pdf_value(prop: dict[str, Any], value: Any) -> str:
    if value is None or value == "":
        return "—"
    if prop["type"] == "boolean":
        return "Có" if value else "Không"
    if prop.get("format") == "date":
        with contextlib.suppress(ValueError):
            return date.fromisoformat(str(value)).strftime("%d/%m/%Y")
    return str(value)


def render_template_pdf(procedure: dict[str, Any]) -> bytes:
    """The blank application form of a procedure, to print and fill by hand ("mẫu tờ khai"):
    generated from the same form definition as the online form, so the two always ask the same
    questions. Each field shows its Vietnamese title (``(*)`` when required), room to answer —
    a dotted line, boxes to tick for a choice or a yes/no, ``…/…/……`` for a date — and its help;
    then the documents to attach and the declarant's signature."""
    from egov.core.pdf import Document  # fpdf2 is loaded only when a form is rendered

    schema, ui = procedure["form"]["schema"], procedure["form"].get("ui", {})
    required = set(schema.get("required", []))
    pdf = Document(f"Mẫu tờ khai — {procedure['name']}")
    pdf.centred("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True)
    pdf.centred("Độc lập - Tự do - Hạnh phúc")
    pdf.ln(4)
    pdf.heading(f"TỜ KHAI {procedure['name'].upper()}")
    pdf.centred(f"(Thủ tục {procedure['code']}, phiên bản {procedure['version']})")
    pdf.ln(2)
    _blank_field(pdf, "Kính gửi", {"type": "string"})
    pdf.ln(2)
    for name in _ordered_names(schema, ui):
        prop = schema["properties"][name]
        _blank_field(pdf, prop["title"] + (" (*)" if name in required else ""), prop)
        help_text = ui.get("fields", {}).get(name, {}).get("help")
        if help_text:
            pdf.line_of_text(f"({help_text})")
    pdf.ln(3)
    pdf.field("Giấy tờ kèm theo", "")
    for component in procedure["components"]:
        if component.get("online_form"):
            continue
        optional = not component.get("required", True) and "nếu có" not in component["name"]
        copies = f" — {component['copies']}" if component.get("copies") else ""
        pdf.line_of_text(f"☐ {component['name']}{' (nếu có)' if optional else ''}{copies}")
    pdf.ln(3)
    pdf.line_of_text("Tôi xin cam đoan những nội dung khai trên đây là đúng sự thật.")
    pdf.line_of_text("(*) Thông tin bắt buộc.")
    pdf.ln(4)
    pdf.centred("......................, ngày ...... tháng ...... năm ..........")
    pdf.centred("NGƯỜI KHAI", bold=True)
    pdf.centred("(Ký, ghi rõ họ tên)")
    return pdf.to_bytes()


def _blank_field(pdf: Any, label: str, prop: dict[str, Any]) -> None:
    """``label:`` in bold, then room to answer: boxes to tick, a date to fill, or dots to the
    end of the line (on a line of their own when the label leaves too little room)."""
    pdf.set_font("DejaVu", "B", 11)
    pdf.write(6, f"{label}: ")
    pdf.set_font("DejaVu", size=11)
    if "enum" in prop:
        pdf.write(6, "   ".join(f"☐ {choice}" for choice in prop["enum"]))
    elif prop["type"] == "boolean":
        pdf.write(6, "☐ Có   ☐ Không")
    elif prop.get("format") == "date":
        pdf.write(6, "......./......./..............")
    else:
        room = pdf.w - pdf.r_margin - pdf.get_x()
        if room < 40:
            pdf.ln(6)
            room = pdf.epw
        pdf.write(6, "." * int((room - 2) / pdf.get_string_width(".")))
    pdf.ln(6)
