"""Editing a unit from the roster: its call sign, uniform, pairing and the reason for an override."""

from datetime import datetime

from django import forms
from django.db.models import Q

from coresponder.forms import ApplicationErrorMixin
from units.models import Clinician, Officer, Unit

STALE_FORM = "This form is out of date; reload it and edit again."


class UnitEditForm(ApplicationErrorMixin, forms.Form):
    call_sign = forms.CharField(max_length=16, help_text="For example CR-12.")
    clinician = forms.ModelChoiceField(queryset=Clinician.objects.none())
    officer = forms.ModelChoiceField(queryset=Officer.objects.none())
    uniformed = forms.BooleanField(required=False, help_text="Uniformed units are never sent automatically.")
    override_reason = forms.CharField(
        max_length=300,
        required=False,
        label="Override reason",
        help_text="Only to break a rule on purpose (rest, weekly hours, an expired licence or CIT training).",
    )
    # The unit as the supervisor saw it: units.services.unit_update refuses a unit changed since.
    updated_at = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, unit: Unit, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "call_sign": unit.call_sign,
                "clinician": unit.clinician_id,
                "officer": unit.officer_id,
                "uniformed": unit.uniformed,
                "updated_at": unit.updated_at.isoformat(),
            },
        )
        super().__init__(*args, **kwargs)
        # Active people, and the unit's own members even if no longer active (an unchanged pairing stays valid).
        self.fields["clinician"].queryset = Clinician.objects.filter(Q(active=True) | Q(pk=unit.clinician_id))
        self.fields["officer"].queryset = Officer.objects.filter(Q(active=True) | Q(pk=unit.officer_id))
        self.fields["clinician"].label_from_instance = lambda clinician: f"{clinician.name}, {clinician.credential}"
        self.fields["officer"].label_from_instance = lambda officer: f"{officer.name} (#{officer.badge_number})"
        if unit.rule_override_reason:
            self.fields["override_reason"].help_text += f" Its override now: “{unit.rule_override_reason}”."

    def clean_updated_at(self) -> datetime:
        try:
            moment = datetime.fromisoformat(self.cleaned_data["updated_at"])
        except ValueError:
            raise forms.ValidationError(STALE_FORM) from None
        if moment.tzinfo is None:
            raise forms.ValidationError(STALE_FORM)
        return moment

    def service_arguments(self) -> dict:
        """What units.services.unit_update takes, from the cleaned form."""
        data = self.cleaned_data
        return {
            "call_sign": data["call_sign"],
            "clinician": data["clinician"],
            "officer": data["officer"],
            "uniformed": data["uniformed"],
            "override_reason": data["override_reason"],
            "expected_updated_at": data["updated_at"],
        }
