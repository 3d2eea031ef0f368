from django import forms

from coresponder.forms import ApplicationErrorMixin
from dispatch.models import CrisisCall, Outcome
from units.models import Unit


class NewCallForm(ApplicationErrorMixin, forms.ModelForm):
    """A call phoned in to the dispatcher, with the safety screen."""

    lat = forms.FloatField(min_value=-90, max_value=90, label="Latitude", help_text="Or use Set location on map below.")
    lon = forms.FloatField(min_value=-180, max_value=180, label="Longitude")

    class Meta:
        model = CrisisCall
        fields = ["address", "lat", "lon", "nature", "priority", *CrisisCall.SAFETY_FLAGS,
                  "language", "caller_name", "callback_number", "notes"]  # fmt: skip
        labels = {"weapons": "Weapons involved", "violence": "Violence or a threat to others",
                  "medical_emergency": "Medical emergency", "self_harm_in_progress": "Actively harming self"}  # fmt: skip
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}


class NoteForm(forms.Form):
    """A note on one call. Its text box keeps what is typed while the panel around it refreshes
    (htmx's hx-preserve, by an id of its own per call), and is emptied once the note is added
    (the view's ``note-added`` event, static/js/notes.js)."""

    text = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2, "hx-preserve": "true"}),
                           label="Add a note")  # fmt: skip
    clinical = forms.BooleanField(required=False, label="Clinical (only you and supervisors read it)")

    def __init__(self, *args, call_pk: int, **kwargs):
        super().__init__(*args, auto_id=f"note-%s-{call_pk}", **kwargs)


class ResolveForm(forms.Form):
    phone_disposition = forms.ChoiceField(choices=CrisisCall.PhoneDisposition.choices, label="How it ended")
    note = forms.CharField(max_length=500, required=False)


class CallMoveForm(forms.Form):
    status = forms.ChoiceField(choices=CrisisCall.Status.choices)
    note = forms.CharField(max_length=500, required=False)


class AssignForm(ApplicationErrorMixin, forms.Form):
    unit = forms.ModelChoiceField(queryset=Unit.objects.all())
    reason = forms.CharField(max_length=300, required=False)


class UnitStatusForm(forms.Form):
    status = forms.ChoiceField(choices=[(status, Unit.Status(status).label) for status in Unit.ON_DUTY_IDLE_STATUSES])
    reason = forms.CharField(max_length=200, required=False)


class OutcomeForm(ApplicationErrorMixin, forms.ModelForm):
    class Meta:
        model = Outcome
        fields = ["disposition", "referral", "arrest_made", "force_used", "follow_up_needed", "narrative"]
        labels = {"referral": "Referred to", "narrative": "Narrative (clinical; seen by you and supervisors only)"}
        widgets = {"narrative": forms.Textarea(attrs={"rows": 4})}
