"""Editing a unit from the roster: its call sign, uniform, pairing and the reason for an override."""

from datetime import datetime

from django import forms
from django.db.models import Q

from coresponder.forms import ApplicationErrorMixin
from units.forms.fields import call_sign_field, override_reason_field, uniformed_field
from units.models import Clinician, Officer, Unit
from units.services.candidates import person_label

STALE_FORM = "This form is out of date; reload it and edit again."


class UnitEditForm(ApplicationErrorMixin, forms.Form):
    call_sign = call_sign_field()
    clinician = forms.ModelChoiceField(queryset=Clinician.objects.none())
    officer = forms.ModelChoiceField(queryset=Officer.objects.none())
    uniformed = uniformed_field()
    override_reason = override_reason_field()
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
        self.fields["clinician"].label_from_instance = person_label
        self.fields["officer"].label_from_instance = person_label
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
