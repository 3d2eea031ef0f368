"""The people pages' forms: the list's filters, a clinician or an officer, a login's invitation."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator

from coresponder.forms import ApplicationErrorMixin
from units.models import Clinician, Credential, Officer
from units.services.people import LANGUAGE_CODE

NOT_ISO = "Use two-letter ISO 639-1 codes separated by commas, such as en, es — not {bad}."


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PeopleFilterForm(forms.Form):
    """What the people list shows. Read from the query string: every field may be missing."""

    ROLES = [("both", "Clinicians and officers"), ("clinicians", "Clinicians"), ("officers", "Officers")]
    ACTIVE = [("active", "Active"), ("inactive", "Inactive"), ("all", "Active and inactive")]

    q = forms.CharField(label="Search", required=False, max_length=100, help_text="Name, badge, licence or login.")
    role = forms.ChoiceField(label="Role", choices=ROLES, required=False)
    active = forms.ChoiceField(label="Status", choices=ACTIVE, required=False)
    language = forms.CharField(label="Speaks", required=False, max_length=20, help_text="A code such as es.")
    expiring = forms.BooleanField(label="Credential expiring or expired", required=False)

    def clean_role(self):
        return self.cleaned_data["role"] or "both"

    def clean_active(self):
        return self.cleaned_data["active"] or "active"

    def clean_language(self):
        code = self.cleaned_data["language"].strip().lower()
        if code and not LANGUAGE_CODE.match(code):
            raise forms.ValidationError(f"Use a two-letter ISO 639-1 code such as es, not {code}.")
        return code


class ResponderForm(ApplicationErrorMixin, forms.Form):
    """What clinicians and officers have in common. The service (responder_save) saves it and
    says what it refuses; this form only reads the fields."""

    name = forms.CharField(max_length=120)
    languages = forms.CharField(
        required=False, max_length=200, help_text="Two-letter ISO 639-1 codes, separated by commas: en, es."
    )
    phone = forms.CharField(required=False, max_length=30, help_text="A number the supervisor can reach them on.")
    active = forms.BooleanField(
        required=False, initial=True, help_text="Untick when they leave the program: their login and sessions end."
    )
    # When the form was opened, as the person's updated_at: a change made since is refused.
    updated_at = forms.CharField(required=False, widget=forms.HiddenInput)

    model: type[Clinician] | type[Officer]

    @classmethod
    def initial_of(cls, person) -> dict:
        initial = {name: getattr(person, name) for name in cls.base_fields if name not in ("languages", "updated_at")}
        return {**initial, "languages": ", ".join(person.languages), "updated_at": person.updated_at.isoformat()}

    def clean_languages(self):
        codes = [code.strip().lower() for code in self.cleaned_data["languages"].split(",") if code.strip()]
        bad = [code for code in codes if not LANGUAGE_CODE.match(code)]
        if bad:
            raise forms.ValidationError(NOT_ISO.format(bad=", ".join(bad)))
        return list(dict.fromkeys(codes))

    def clean_updated_at(self):
        raw = self.cleaned_data["updated_at"]
        try:
            return datetime.fromisoformat(raw) if raw else None
        except ValueError:
            raise forms.ValidationError("This form is damaged; reload the page.")

    def service_fields(self) -> dict:
        """The person's fields, as responder_save takes them."""
        return {name: value for name, value in self.cleaned_data.items() if name != "updated_at"}


class ClinicianForm(ResponderForm):
    model = Clinician
    credential = forms.ChoiceField(choices=Credential.choices)
    licence_number = forms.CharField(required=False, max_length=40)
    licence_expires_on = forms.DateField(
        label="Licence valid until",
        required=False,
        widget=_date_input(),
        help_text="The last day the licence is valid.",
    )
    field_order = ["name", "credential", "licence_number", "licence_expires_on", "languages", "phone", "active"]


class OfficerForm(ResponderForm):
    model = Officer
    badge_number = forms.CharField(max_length=20)
    cit_trained = forms.BooleanField(label="CIT-trained", required=False)
    cit_trained_on = forms.DateField(label="CIT training date", required=False, widget=_date_input())
    cit_expires_on = forms.DateField(
        label="CIT training valid until", required=False, widget=_date_input(), help_text="The last day it is valid."
    )
    field_order = ["name", "badge_number", "cit_trained", "cit_trained_on", "cit_expires_on", "languages", "phone",
                   "active"]  # fmt: skip


RESPONDER_FORMS = {"clinician": ClinicianForm, "officer": OfficerForm}


class InviteForm(ApplicationErrorMixin, forms.Form):
    username = forms.CharField(
        max_length=150, validators=[UnicodeUsernameValidator()], help_text="What they will log in with."
    )
    email = forms.EmailField(label="E-mail (optional)", required=False, help_text="Where their schedule is sent.")
