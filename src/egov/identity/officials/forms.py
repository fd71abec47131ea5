"""Forms of the officials pages."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from egov.identity.models import Role


def _role_choices(roles: list[str]) -> list[tuple[str, Any]]:
    labels = dict(Role.choices)
    return [(role, labels[role]) for role in roles]


class RoleChangeForm(forms.Form):
    """One role of one official, to grant or to revoke."""

    official = forms.TypedChoiceField(label=_("Official"), coerce=int)
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args: Any, officials: Any, roles: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["official"]).choices = [("", _("— choose —"))] + [
            (official.pk, f"{official.full_name} ({official.username})") for official in officials
        ]
        cast(forms.ChoiceField, self.fields["role"]).choices = [
            ("", _("— choose —")),
            *_role_choices(roles),
        ]


class NewOfficialForm(forms.Form):
    """An official account for the agency; at their first login the official enrols an
    authenticator app."""

    full_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[a-z0-9][a-z0-9._-]*$",
        help_text=_("Lower-case letters, digits, dots and hyphens, e.g. tiepnhan.badinh."),
        error_messages={"invalid": _("Use lower-case letters, digits, dots and hyphens only.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label=_("Work email"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Work phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "tel"}),
    )
    password = forms.CharField(
        label=_("Initial password"),
        strip=False,
        help_text=_("Give it to the official in person; at least 8 characters, not a common one."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles in this agency"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, roles: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["roles"]).choices = _role_choices(roles)
