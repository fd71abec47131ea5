"""Application forms: posted strings coerced to the schema's types and validated field by field."""

from datetime import date
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from egov.catalog import forms
from egov.catalog.models import Procedure
from tests.conftest import BIRTH_FORM

#: A small form using every keyword the validator reports on.
FORM: dict[str, Any] = {
    "schema": {
        "type": "object",
        "required": ["full_name", "birth_date", "sex"],
        "properties": {
            "full_name": {"type": "string", "title": "Họ và tên", "minLength": 2, "maxLength": 20},
            "birth_date": {"type": "string", "format": "date", "title": "Ngày sinh"},
            "sex": {"type": "string", "title": "Giới tính", "enum": ["Nam", "Nữ"]},
            "personal_id": {"type": "string", "title": "Số định danh", "pattern": "^\\d{12}$"},
            "email": {"type": "string", "format": "email", "title": "Thư điện tử"},
            "copies": {"type": "integer", "title": "Số bản sao", "minimum": 0, "maximum": 10},
            "area": {"type": "number", "title": "Diện tích", "minimum": 1},
            "agree": {"type": "boolean", "title": "Cam đoan"},
        },
    },
    "ui": {
        "order": ["sex", "full_name"],
        "fields": {
            "full_name": {"label_en": "Full name", "prefill": "full_name"},
            "birth_date": {"prefill": "birth_date", "help": "Ngày/tháng/năm"},
            "sex": {"widget": "radio"},
        },
    },
}
VALID = {"full_name": "Trần Thị Bình", "birth_date": "1990-05-17", "sex": "Nữ"}


def test_a_valid_form_has_no_errors() -> None:
    assert forms.validate(FORM, VALID) == {}
    assert forms.validate(FORM, VALID | {"copies": 10, "area": 1.5, "agree": True}) == {}


def test_every_missing_required_field_is_reported_under_its_name() -> None:
    errors = forms.validate(FORM, {})
    assert set(errors) == {"full_name", "birth_date", "sex"}
    assert all(message.strip() for message in errors.values())


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sex", "Khác"),  # enum
        ("full_name", "B"),  # minLength
        ("full_name", "B" * 21),  # maxLength
        ("personal_id", "12345"),  # pattern
        ("personal_id", "00109000000a"),  # pattern
        ("copies", -1),  # minimum
        ("copies", 11),  # maximum
        ("copies", "ba"),  # type
        ("area", 0.5),  # minimum of a number
        ("birth_date", "2026-02-30"),  # not a date
        ("birth_date", "30/10/2026"),  # dd/mm/yyyy must be coerced first
        ("email", "khong-phai-email"),  # format
    ],
)
def test_one_bad_value_is_reported_under_its_field_only(field: str, value: Any) -> None:
    errors = forms.validate(FORM, VALID | {field: value})
    assert list(errors) == [field]
    assert errors[field].strip()


def test_different_problems_give_different_messages() -> None:
    messages = {
        forms.validate(FORM, VALID | {"sex": "Khác"})["sex"],
        forms.validate(FORM, VALID | {"copies": 11})["copies"],
        forms.validate(FORM, VALID | {"copies": -1})["copies"],
        forms.validate(FORM, VALID | {"personal_id": "1"})["personal_id"],
        forms.validate(FORM, {})["full_name"],
    }
    assert len(messages) == 5
    assert "10" in forms.validate(FORM, VALID | {"copies": 11})["copies"]  # the limit is quoted


def test_fields_that_are_not_in_the_form_are_refused() -> None:
    errors = forms.validate(FORM, VALID | {"salary": "1000"})
    assert list(errors) == ["salary"]


def test_coerce_turns_posted_strings_into_json_types() -> None:
    posted = {
        "full_name": "  Trần Thị Bình ",
        "birth_date": "17/05/1990",
        "sex": "Nữ",
        "copies": "3",
        "area": "12,5",
        "agree": "on",
        "email": "   ",
    }
    data = forms.coerce(FORM, posted)
    assert data == {
        "full_name": "Trần Thị Bình",
        "birth_date": "1990-05-17",
        "sex": "Nữ",
        "copies": 3,
        "area": 12.5,
        "agree": True,
    }
    assert forms.validate(FORM, data) == {}


@pytest.mark.parametrize(
    ("posted", "stored"),
    [
        ("1/2/2026", "2026-02-01"),
        ("01/02/2026", "2026-02-01"),
        ("31/12/2025", "2025-12-31"),
        ("2026-02-01", "2026-02-01"),  # ISO is kept
        ("30/02/2026", "30/02/2026"),  # no such day: left for the validator
        ("02/30/2026", "02/30/2026"),  # month first is not a Vietnamese date
    ],
)
def test_dates_are_read_day_first(posted: str, stored: str) -> None:
    assert forms.coerce(FORM, VALID | {"birth_date": posted})["birth_date"] == stored


def test_bad_coerced_values_are_reported_not_hidden() -> None:
    data = forms.coerce(FORM, VALID | {"birth_date": "30/02/2026", "copies": "ba", "area": "x"})
    assert set(forms.validate(FORM, data)) == {"birth_date", "copies", "area"}


def test_an_unchecked_box_is_false_and_empty_optional_fields_are_dropped() -> None:
    data = forms.coerce(FORM, VALID | {"personal_id": "", "copies": ""})
    assert data["agree"] is False
    assert "personal_id" not in data and "copies" not in data


def test_messages_are_in_vietnamese_by_default(settings: Any) -> None:
    assert settings.LANGUAGE_CODE == "vi"
    errors = forms.validate(FORM, {})
    assert set(errors) == {"full_name", "birth_date", "sex"}
    assert errors["full_name"] == "Trường này là bắt buộc."
    # Whatever the Vietnamese catalogue says is what the applicant reads.
    with translation.override("vi"):
        assert errors["full_name"] == gettext("This field is required.")
        assert forms.validate(FORM, VALID | {"sex": "X"})["sex"] == gettext(
            "Choose one of the listed options."
        )


def test_the_birth_form_accepts_the_fixture_data(birth: Procedure) -> None:
    form = birth.definition["form"]
    assert forms.validate(form, BIRTH_FORM) == {}
    posted = {key: str(value) for key, value in BIRTH_FORM.items()}
    posted["child_birth_date"] = "30/10/2026"
    assert forms.coerce(form, posted) == BIRTH_FORM


def test_build_fields_orders_labels_and_fills() -> None:
    built = forms.build_fields(FORM, {"full_name": "Bình"}, {"sex": "!"}, "vi")
    assert [f.name for f in built][:3] == ["sex", "full_name", "birth_date"]
    by_name = {f.name: f for f in built}
    assert by_name["sex"].kind == "radio" and by_name["sex"].choices == ("Nam", "Nữ")
    assert by_name["sex"].error == "!"
    assert by_name["full_name"].label == "Họ và tên" and by_name["full_name"].value == "Bình"
    assert by_name["full_name"].required and not by_name["copies"].required
    assert by_name["birth_date"].kind == "date" and by_name["birth_date"].help == "Ngày/tháng/năm"
    assert by_name["copies"].kind == "number" and by_name["copies"].max == 10
    assert by_name["agree"].kind == "checkbox"
    assert by_name["email"].kind == "email"
    assert by_name["full_name"].autocomplete == "name"
    english = {f.name: f for f in forms.build_fields(FORM, {}, {}, "en")}
    assert english["full_name"].label == "Full name"
    assert english["birth_date"].label == "Ngày sinh"  # no English label: the Vietnamese one


def test_prefill_takes_known_values_from_the_profile() -> None:
    values = forms.prefill(FORM, {"full_name": "Trần Thị Bình", "birth_date": date(1990, 5, 17)})
    assert values == {"full_name": "Trần Thị Bình", "birth_date": "1990-05-17"}
    assert forms.prefill(FORM, {"full_name": "", "birth_date": None}) == {}
