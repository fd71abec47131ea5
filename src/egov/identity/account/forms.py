"""Forms of the account pages. The rules themselves live in the services; a form only reads."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import User, VerificationChannel


class RegistrationForm(forms.Form):
    """Đăng ký tài khoản: who the person is, how to reach them, and a password."""

    personal_id = forms.CharField(
        label=_("Personal ID number (12 digits)"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "username"}),
    )
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        help_text=_("As written on your identity card, with diacritics."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    birth_date = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        help_text=_("An email address, a phone number, or both: we send a code to each."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 8 characters, not only digits, not too common."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


class CodeForm(forms.Form):
    """The code received by email or SMS."""

    channel = forms.ChoiceField(choices=VerificationChannel.choices, widget=forms.HiddenInput)
    code = forms.CharField(
        label=_("6-digit code"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ApiTokenForm(forms.Form):
    """A new API token: what it is for."""

    name = forms.CharField(
        label=_("What the token is for"),
        help_text=_("For example the name of the application that will use it."),
        max_length=100,
    )


class NotificationChoiceForm(forms.ModelForm):
    """How the person is told things besides the notification centre."""

    class Meta:
        model = User
        fields = ["notify_by_email", "notify_by_sms"]
