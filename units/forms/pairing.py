from django import forms

from coresponder.forms import ApplicationErrorMixin
from units.models import Clinician, Officer, Shift


class UnitPairForm(ApplicationErrorMixin, forms.Form):
    """Pair a clinician and an officer into a unit for one shift of the week shown."""

    shift = forms.ModelChoiceField(queryset=Shift.objects.none())
    call_sign = forms.CharField(max_length=16, help_text="For example CR-12.")
    clinician = forms.ModelChoiceField(queryset=Clinician.objects.filter(active=True))
    officer = forms.ModelChoiceField(queryset=Officer.objects.filter(active=True))
    uniformed = forms.BooleanField(required=False, help_text="Uniformed units are never sent automatically.")
    override_reason = forms.CharField(
        max_length=300,
        required=False,
        label="Override reason",
        help_text="Only to break a rest or weekly-hours rule on purpose.",
    )

    def __init__(self, *args, shifts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shift"].queryset = shifts
        self.fields["shift"].label_from_instance = lambda shift: shift.name
        self.fields["officer"].label_from_instance = lambda officer: f"{officer.name} (#{officer.badge_number})"
        self.fields["clinician"].label_from_instance = lambda clinician: f"{clinician.name}, {clinician.credential}"
