"""The forms of the shift-template and single-shift pages.

Times on these forms are the program's local wall clock (settings.TIME_ZONE). On the night the
clocks go forward an hour of the clock does not exist (America/Chicago, 8 Mar 2026: 02:00-02:59);
on the night they go back an hour happens twice (1 Nov 2026: 01:00-01:59). A time that does not
exist is refused next to its field; one that happens twice is its first, daylight-saving
occurrence (zoneinfo's ``fold=0``, what coresponder.localtime.local_datetime builds).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import forms
from django.db.models import Q

from coresponder.errors import ApplicationError
from coresponder.forms import ApplicationErrorMixin
from coresponder.localtime import FIRST_DAY, LAST_DAY, in_range, local, local_datetime
from units.models import Shift, ShiftTemplate

WEEKDAYS = [(1, "Monday"), (2, "Tuesday"), (3, "Wednesday"), (4, "Thursday"), (5, "Friday"), (6, "Saturday"),
            (7, "Sunday")]  # fmt: skip
TWICE = "On the night the clocks go back, a time that happens twice means the first (daylight-saving) one."
NEXT_DAY = "At or before the start means the next day (23:00 to 07:00 is a night shift)."
RELOAD = "This form is missing what it was opened with; reload the page and try again."


def time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def local_instant(day: date, at: time) -> datetime:
    """The instant the local clock shows ``at`` on ``day``: the first one if it shows it twice;
    a ValidationError naming the time if it never does (the clocks skip it)."""
    try:
        moment = local_datetime(day, at)
    except ApplicationError as refusal:
        raise forms.ValidationError(refusal.detail) from None
    if local(moment).replace(tzinfo=None) != datetime.combine(day, at):
        raise forms.ValidationError(
            f"{at:%H:%M} does not exist on {day:%a %d %b %Y}: the clocks go forward an hour that night. "
            f"Choose a time outside the skipped hour ({local(moment):%H:%M} is the same moment)."
        )
    return moment


def _minute(at: time) -> time:
    """A clock time as the form shows it (hours and minutes)."""
    return at.replace(second=0, microsecond=0)


def parse_instant(value: str) -> datetime | None:
    """An ISO 8601 instant with its offset, as a hidden field carries it, or None."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None


class HiddenErrorsMixin:
    """A hidden field's error is shown at the top of the form (it has no place of its own)."""

    def clean(self):
        cleaned = super().clean()
        broken = [field.name for field in self.hidden_fields() if field.name in self._errors]
        for name in broken:
            del self._errors[name]
        if broken:
            self.add_error(None, RELOAD)
        return cleaned


class ShiftTemplateForm(HiddenErrorsMixin, ApplicationErrorMixin, forms.Form):
    """Add or change a shift template (units.services.templates.template_save decides)."""

    name = forms.CharField(max_length=40, help_text="Short, as on the roster: Day, Evening, Night.")
    start_time = forms.TimeField(label="Starts", widget=time_input(), help_text="Local time.")
    end_time = forms.TimeField(label="Ends", widget=time_input(), help_text=NEXT_DAY)
    days_of_week = forms.TypedMultipleChoiceField(
        label="Days it runs", choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one day."},
    )  # fmt: skip
    target_units = forms.IntegerField(
        label="Target non-uniformed units", min_value=0, max_value=ShiftTemplate.MAX_TARGET_UNITS, initial=1,
        help_text=f"How many non-uniformed units you want on each of its shifts (0 to {ShiftTemplate.MAX_TARGET_UNITS}).",
    )  # fmt: skip
    expected_updated_at = forms.CharField(widget=forms.HiddenInput, required=False)

    @staticmethod
    def initial_for(template: ShiftTemplate) -> dict:
        if template.pk is None:
            return {"days_of_week": [day for day, _ in WEEKDAYS], "target_units": 1}
        return {
            "name": template.name,
            "start_time": template.start_time,
            "end_time": template.end_time,
            "days_of_week": template.days_of_week,
            "target_units": template.target_units,
            "expected_updated_at": template.updated_at.isoformat(),
        }

    def clean_expected_updated_at(self):
        raw = self.cleaned_data.get("expected_updated_at") or ""
        if not raw:
            return None
        moment = parse_instant(raw)
        if moment is None:
            raise forms.ValidationError(RELOAD)
        return moment


class ShiftForm(HiddenErrorsMixin, ApplicationErrorMixin, forms.Form):
    """Add a single shift: its local day and clock times (units.services.shift_create decides)."""

    # The service names the instants; this form asks for clock times.
    SERVICE_FIELDS = {"starts_at": "start_time", "ends_at": "end_time"}

    name = forms.CharField(max_length=60, help_text="As the roster shows it, e.g. Day Mon 09 Mar or Stadium event.")
    date = forms.DateField(
        label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), help_text="The day it starts."
    )
    start_time = forms.TimeField(label="Starts", widget=time_input(), help_text=f"Local time. {TWICE}")
    end_time = forms.TimeField(label="Ends", widget=time_input(), help_text=NEXT_DAY)
    template = forms.ModelChoiceField(
        queryset=ShiftTemplate.objects.none(), required=False, empty_label="None (a one-off shift)",
        help_text="The row it shows in on the roster, and its staffing target.",
    )  # fmt: skip

    def __init__(self, *args, shift: Shift | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # Active templates, and the one the shift already has even if retired since.
        current = shift.template_id if shift is not None else None
        self.fields["template"].queryset = ShiftTemplate.objects.filter(Q(active=True) | Q(pk=current))

    def clean_date(self):
        day = self.cleaned_data["date"]
        if not in_range(day):
            raise forms.ValidationError(f"Choose a date between {FIRST_DAY:%Y} and {LAST_DAY:%Y}.")
        return day

    def clean(self):
        cleaned = super().clean()
        day, start, end = cleaned.get("date"), cleaned.get("start_time"), cleaned.get("end_time")
        if day is None or start is None or end is None:
            return cleaned
        end_day = day + timedelta(days=1) if end <= start else day
        for name, on, at in (("starts_at", day, start), ("ends_at", end_day, end)):
            try:
                cleaned[name] = local_instant(on, at)
            except forms.ValidationError as error:
                self.add_error(self.SERVICE_FIELDS[name], error)
        return cleaned

    def add_application_error(self, error) -> None:
        # The service's sentences for starts_at and ends_at speak the API's names; the page shows
        # its whole sentence next to the clock time instead.
        renamed = {self.SERVICE_FIELDS.get(name, name): [error.detail] if name in self.SERVICE_FIELDS else sentences
                   for name, sentences in error.fields.items()}  # fmt: skip
        super().add_application_error(ApplicationError(error.detail, code=error.code, fields=renamed))


class ShiftEditForm(ShiftForm):
    """Rename or move a shift; it carries what it was opened with, so that a change someone made
    since is refused rather than overwritten (shift_update's ``expected``)."""

    override_reason = forms.CharField(
        max_length=300, required=False, label="Override reason",
        help_text="Only when moving the shift breaks a rest, weekly-hours or credential rule for a unit on it.",
    )  # fmt: skip
    opened_name = forms.CharField(widget=forms.HiddenInput, max_length=60)
    opened_starts_at = forms.CharField(widget=forms.HiddenInput)
    opened_ends_at = forms.CharField(widget=forms.HiddenInput)

    @staticmethod
    def initial_for(shift: Shift) -> dict:
        start, end = local(shift.starts_at), local(shift.ends_at)
        return {
            "name": shift.name,
            "date": start.date(),
            "start_time": start.time(),
            "end_time": end.time(),
            "template": shift.template_id,
            "opened_name": shift.name,
            "opened_starts_at": shift.starts_at.isoformat(),
            "opened_ends_at": shift.ends_at.isoformat(),
        }

    def clean_opened_starts_at(self):
        return self._instant("opened_starts_at")

    def clean_opened_ends_at(self):
        return self._instant("opened_ends_at")

    def _instant(self, name: str) -> datetime:
        moment = parse_instant(self.cleaned_data.get(name) or "")
        if moment is None:
            raise forms.ValidationError(RELOAD)
        return moment

    def changes(self) -> dict:
        """What to hand shift_update: the times only if the day or a clock time was changed, so
        that renaming a shift never re-reads its times (one in the hour that happens twice)."""
        data = self.cleaned_data
        opened_start, opened_end = local(data["opened_starts_at"]), local(data["opened_ends_at"])
        shown = (opened_start.date(), _minute(opened_start.time()), _minute(opened_end.time()))
        moved = (data["date"], data["start_time"], data["end_time"]) != shown
        changes = {
            "name": data["name"],
            "template": data["template"],
            "override_reason": data["override_reason"],
            "expected": (data["opened_name"], data["opened_starts_at"], data["opened_ends_at"]),
        }
        if moved:
            changes.update(starts_at=data["starts_at"], ends_at=data["ends_at"])
        return changes
