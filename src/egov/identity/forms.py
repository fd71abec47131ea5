"""Forms shared by identity's pages (login), and putting a service's refusal on a form."""

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """Citizens type their 12-digit personal ID number; officials their username."""

    username = forms.CharField(
        label=_("Personal ID number or username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )


class OneTimeCodeForm(forms.Form):
    """The 6-digit code from an official's authenticator app (spaces allowed, as apps show
    "123 456")."""

    code = forms.CharField(
        label=_("6-digit code"),
        help_text=_("The code in your authenticator app changes every 30 seconds."),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "size": 8,
            }
        ),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].replace(" ", "")
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("Enter the 6 digits your authenticator app shows."))
        return code


def apply_errors(form: forms.Form, errors: dict[str, Any]) -> None:
    """Show a service's errors by field on ``form``; a field the form lacks goes on top."""
    for field, message in errors.items():
        form.add_error(field if field in form.fields else None, message)
