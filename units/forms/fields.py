"""The fields a unit's forms share (pairing one, editing one), said once."""

from django import forms

OVERRIDE_HELP = "Only to break a rule on purpose: rest, weekly hours, or an expired licence or CIT training."


def call_sign_field() -> forms.CharField:
    return forms.CharField(max_length=16, help_text="For example CR-12.")


def uniformed_field() -> forms.BooleanField:
    return forms.BooleanField(required=False, help_text="Uniformed units are never sent automatically.")


def override_reason_field() -> forms.CharField:
    return forms.CharField(max_length=300, required=False, label="Override reason", help_text=OVERRIDE_HELP)
