"""Mã số thuế: 10 digits whose last is a check digit (weights 31, 29, 23, 19, 17, 13, 7, 5, 3;
check digit = 10 - (sum mod 11)), or a branch's 13: the parent's 10 and a number 001-999."""

import html

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from egov.core.errors import InvalidInput
from egov.identity.models import Organisation, User, tax_code_check_digit, validate_tax_code
from egov.identity.organisations.services import register_organisation


@pytest.mark.parametrize(
    "code",
    ["0100233488", "0314409058", "0314409058-002", "0314409058002", "0101234565", "0108888888"],
)
def test_valid_tax_codes(code: str) -> None:
    validate_tax_code(code)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("0100233480", "tax_code_check_digit"),  # the last digit is wrong
        ("0100233489", "tax_code_check_digit"),
        ("0109999990", "tax_code_check_digit"),  # 010999999: no check digit fits (sum ≡ 0)
        ("0109999999", "tax_code_check_digit"),
        ("0314409058-000", "tax_code_branch"),  # branches are numbered from 001
        ("0314409059-002", "tax_code_check_digit"),  # a branch of a non-existent parent
        ("031440905", "tax_code_format"),
        ("0314409058-02", "tax_code_format"),
        ("03144O9058", "tax_code_format"),
    ],
)
def test_invalid_tax_codes(code: str, reason: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_tax_code(code)
    assert refused.value.code == reason


def test_the_check_digit() -> None:
    assert tax_code_check_digit("010023348") == 8
    assert tax_code_check_digit("031440905") == 8
    assert tax_code_check_digit("010999999") is None  # 10 - 0: never issued
    # Every base has at most one check digit; exactly one unless its sum is a multiple of 11.
    for base in ("000000001", "123456789", "987654321", "010123456"):
        valid = [d for d in "0123456789" if _valid(base + d)]
        assert len(valid) == (0 if tax_code_check_digit(base) is None else 1)


def _valid(code: str) -> bool:
    try:
        validate_tax_code(code)
    except ValidationError:
        return False
    return True


def test_registering_with_a_mistyped_tax_code_says_why_in_vietnamese(
    client: Client, legal: User
) -> None:
    with pytest.raises(InvalidInput) as refused:
        register_organisation(by=legal, kind="business", name="Công ty", tax_code="0101234567")
    assert "tax_code" in refused.value.errors
    client.force_login(legal)
    page = client.post(
        "/account/organisations/",
        {"kind": "business", "name": "Công ty Sen", "tax_code": "0101234567"},
    )
    assert page.status_code == 422  # invalid input; 409 is for a tax code already registered
    with translation.override("vi"):
        message = str(
            translation.gettext(
                "This tax code does not exist: its last digit does not match the first nine."
                " Check it against the business registration certificate."
            )
        )
    assert message in html.unescape(page.content.decode())
    assert not Organisation.objects.exists()
