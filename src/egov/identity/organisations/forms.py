"""Forms of the organisations pages. The rules themselves live in the services; a form only
reads."""

from django import forms
from django.utils.translation import gettext_lazy as _

from egov.identity.models import OrganisationKind, RepresentationKind


class OrganisationForm(forms.Form):
    """Register an organisation one represents."""

    kind = forms.ChoiceField(
        label=_("Kind of organisation"),
        choices=OrganisationKind.choices,
        widget=forms.RadioSelect,
        initial=OrganisationKind.BUSINESS,
    )
    tax_code = forms.CharField(
        label=_("Tax code"),
        required=False,
        max_length=16,
        help_text=_(
            "10 digits, or 13 for a branch (e.g. 0101234565-001). Required for a business."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    registration_number = forms.CharField(
        label=_("Registration or establishment decision number"), required=False, max_length=60
    )
    name = forms.CharField(label=_("Name of the organisation"), max_length=255)
    address = forms.CharField(label=_("Address"), required=False, max_length=255)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=20)


class GrantForm(forms.Form):
    """Authorise a person, by their personal ID number, to act for the organisation."""

    personal_id = forms.CharField(
        label=_("Personal ID number of the person (12 digits)"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(
        label=_("As"),
        choices=RepresentationKind.choices,
        widget=forms.RadioSelect,
        initial=RepresentationKind.AUTHORISED,
    )
