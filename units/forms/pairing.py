import re

from django import forms
from django.urls import reverse

from coresponder.forms import ApplicationErrorMixin
from units.forms.fields import call_sign_field, override_reason_field, uniformed_field
from units.models import Clinician, Officer, Shift
from units.services.candidates import person_label, shift_candidates
from units.services.gaps import Pick, next_call_sign

CHOOSE_A_SHIFT = "Choose a shift first: the list then shows only people free for it, with their hours."
FREE_FOR_THE_SHIFT = "Only people free for this shift: hours in the 7 days to its end, rest before it, languages."


def _pk(raw) -> int | None:
    """A primary key from a form value or an object, or None for anything else."""
    raw = getattr(raw, "pk", raw)
    if isinstance(raw, int):
        return raw
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) <= 12 else None


class UnitPairForm(ApplicationErrorMixin, forms.Form):
    """Pair a clinician and an officer into a unit for one shift of the week shown.

    Once a shift is chosen (posted, or ``initial={"shift": ...}``), the people lists offer only
    those who break no hard rule for it, each with their hours, rest, languages and credential,
    marked where a soft rule needs an override. The lists are what is shown; what is accepted is
    any active person, so a pairing that has become impossible since gets the service's own
    sentence next to its field."""

    shift = forms.ModelChoiceField(queryset=Shift.objects.none())
    call_sign = call_sign_field()
    clinician = forms.ModelChoiceField(queryset=Clinician.objects.filter(active=True), help_text=CHOOSE_A_SHIFT)
    officer = forms.ModelChoiceField(queryset=Officer.objects.filter(active=True), help_text=CHOOSE_A_SHIFT)
    uniformed = uniformed_field()
    override_reason = override_reason_field()

    def __init__(self, *args, shifts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shift"].queryset = shifts
        self.fields["shift"].label_from_instance = lambda shift: shift.name
        self.fields["shift"].widget.attrs.update(
            {  # htmx: choosing a shift refreshes the people lists (the form works without it)
                "hx-get": reverse("roster-pair-form"),
                "hx-trigger": "change",
                "hx-target": "#pair-people",
                "hx-select": "#pair-people",
                "hx-swap": "outerHTML",
                "hx-include": "#pair-form [name=week], #pair-form [name=clinician], #pair-form [name=officer]",
                "hx-disabled-elt": "#pair-people select",
            }
        )
        self.fields["officer"].label_from_instance = person_label
        self.fields["clinician"].label_from_instance = person_label
        self.chosen_shift = self._chosen_shift(shifts)
        if self.chosen_shift is not None:
            self._offer_candidates(self.chosen_shift)

    def _value(self, name: str):
        return self.data.get(self.add_prefix(name)) if self.is_bound else self.initial.get(name)

    def _chosen_shift(self, shifts) -> Shift | None:
        pk = _pk(self._value("shift"))
        shift = shifts.filter(pk=pk).first() if pk is not None else None
        if shift is not None and not self.is_bound and not self.initial.get("call_sign"):
            self.initial["call_sign"] = next_call_sign(shift)
        return shift

    def _offer_candidates(self, shift: Shift) -> None:
        clinicians, officers = shift_candidates(shift)
        for name, candidates in (("clinician", clinicians), ("officer", officers)):
            field = self.fields[name]
            choices = [("", "---------")] + [(c.person.pk, c.label) for c in candidates]
            chosen = _pk(self._value(name))
            if chosen is not None and all(c.person.pk != chosen for c in candidates):
                person = field.queryset.filter(pk=chosen).first()
                if person is not None:  # keep what was chosen, saying it no longer fits
                    choices.append((person.pk, f"{person_label(person)} — not free for this shift"))
            field.choices = choices
            field.help_text = FREE_FOR_THE_SHIFT if candidates else f"Nobody is free for this shift as {name}."


PICK = re.compile(r"^(\d{1,12}):([A-Za-z0-9-]{1,16}):(\d{1,12}):(\d{1,12})$")
UNREADABLE = "A suggestion on this page could not be read. Reload the page and try again."
GONE = "A suggestion refers to a shift or a person that is no longer there. The suggestions below are fresh."


class AcceptSuggestionsForm(forms.Form):
    """The suggestions a supervisor ticked on Fill the gaps, each ``shift:call sign:clinician:officer``."""

    pick = forms.Field(
        widget=forms.MultipleHiddenInput, error_messages={"required": "Tick at least one suggestion to accept."}
    )

    def __init__(self, *args, shifts, **kwargs):
        super().__init__(*args, **kwargs)
        self.shifts = shifts

    def clean_pick(self) -> list[Pick]:
        raw = self.cleaned_data["pick"]
        raw = raw if isinstance(raw, list) else [raw]
        parsed = [PICK.match(value) for value in raw]
        if not all(parsed) or len(raw) > 1000:
            raise forms.ValidationError(UNREADABLE)
        rows = [(int(m[1]), m[2], int(m[3]), int(m[4])) for m in parsed]
        shifts = self.shifts.in_bulk([row[0] for row in rows])
        clinicians = Clinician.objects.in_bulk([row[2] for row in rows])
        officers = Officer.objects.in_bulk([row[3] for row in rows])
        try:
            return [Pick(shifts[s], call_sign, clinicians[c], officers[o]) for s, call_sign, c, o in rows]
        except KeyError:
            raise forms.ValidationError(GONE) from None
