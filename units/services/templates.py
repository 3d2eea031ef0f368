"""Shift templates: add or change one, retire it, bring it back.

A template only lays out shifts to come (``units.services.shifts.week_build_from_templates``):
changing its times, days or target leaves the shifts it already made as they are, and a retired
template makes no more of them while its shifts stay on the roster.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from coresponder import audit
from coresponder.errors import ApplicationError, ConflictError
from coresponder.localtime import describe_hours
from units.models import ShiftTemplate

# What the audit log keeps of a template (times as "HH:MM": the log stores JSON).
TEMPLATE_FIELDS = ["name", "start_time", "end_time", "days_of_week", "target_units", "active"]
EDITABLE = {"name", "start_time", "end_time", "days_of_week", "target_units", "active"}


def _snapshot(template: ShiftTemplate) -> dict:
    if template.pk is None:
        return {}
    values = audit.snapshot(template, TEMPLATE_FIELDS)
    for name in ("start_time", "end_time"):
        values[name] = f"{values[name]:%H:%M}"
    return values


def wall_clock_length(start: time, end: time) -> timedelta:
    """How long a template's shifts last by the clock on the wall (an hour more or less on the
    nights the clocks change)."""
    length = datetime.combine(date.min, end) - datetime.combine(date.min, start)
    return length if length > timedelta(0) else length + timedelta(days=1)


def _refuse_invalid(template: ShiftTemplate, days_of_week) -> None:
    """Every rule of a template's own fields, each said next to its field."""
    fields: dict[str, list[str]] = {}
    if not (template.name or "").strip():
        fields["name"] = ["Give the template a name, e.g. Day or Night."]
    for name in ("start_time", "end_time"):
        if getattr(template, name) is None:
            fields[name] = ["Give a time, e.g. 07:00."]
    if template.start_time is not None and template.start_time == template.end_time:
        fields["end_time"] = ["Must differ from the start (an end before the start means the next day)."]
    elif template.start_time is not None and template.end_time is not None:
        length = wall_clock_length(template.start_time, template.end_time)
        if length > settings.ROSTER_MAX_SHIFT:
            fields["end_time"] = [f"A shift may last at most {describe_hours(settings.ROSTER_MAX_SHIFT)}; "
                                  f"this one would last {describe_hours(length)}."]  # fmt: skip
    if days_of_week is not None:
        days = list(days_of_week)
        if not days:
            fields["days_of_week"] = ["Choose at least one day."]
        elif any(isinstance(day, bool) or day not in range(1, 8) for day in days):
            fields["days_of_week"] = ["Days are numbered 1 (Monday) to 7 (Sunday)."]
    if not 0 <= template.target_units <= ShiftTemplate.MAX_TARGET_UNITS:
        fields["target_units"] = [f"Between 0 and {ShiftTemplate.MAX_TARGET_UNITS}."]
    if fields:
        raise ApplicationError(f"Please correct: {', '.join(sorted(fields))}.", fields=fields)


def _refuse_taken_name(template: ShiftTemplate) -> None:
    taken = ShiftTemplate.objects.filter(name__iexact=template.name).exclude(pk=template.pk).first()
    if taken:
        raise ConflictError(
            f"There is already a template called {taken.name}"
            f"{'' if taken.active else ' (retired: reactivate it instead)'}.",
            code="template_name_taken",
            fields={"name": ["Another template has this name."]},
        )


def _refuse_stale(template: ShiftTemplate, expected_updated_at: datetime | None) -> None:
    if expected_updated_at is not None and template.updated_at != expected_updated_at:
        raise ConflictError(
            f"Someone changed {template.name} since you opened it. Reload to see their change, then edit again.",
            code="stale_edit",
        )


@transaction.atomic
def template_save(
    *, template: ShiftTemplate, actor=None, expected_updated_at: datetime | None = None, **fields
) -> ShiftTemplate:
    """Create a template (``template`` unsaved) or change one. ``fields`` are any of name,
    start_time, end_time, days_of_week (ISO weekdays, Monday 1), target_units and active.
    ``expected_updated_at``, the ``updated_at`` the editor read, refuses the change (409
    stale_edit) if someone saved the template since. Shifts already made keep their times."""
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"template_save() got unexpected fields: {', '.join(sorted(unknown))}")
    if template.pk is not None:
        template = ShiftTemplate.objects.select_for_update().get(pk=template.pk)
        _refuse_stale(template, expected_updated_at)
    before = _snapshot(template)
    days_of_week = fields.pop("days_of_week", None)
    for name, value in fields.items():
        setattr(template, name, value.strip() if name == "name" else value)
    _refuse_invalid(template, days_of_week)
    if days_of_week is not None:
        template.weekdays = ShiftTemplate.weekdays_from(days_of_week)
    _refuse_taken_name(template)
    created = template.pk is None
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError as error:  # the same name, saved by someone else since the check
        raise ConflictError(
            f"There is already a template called {template.name}.",
            code="template_name_taken",
            fields={"name": ["Another template has this name."]},
        ) from error
    action = "shift_template.created" if created else "shift_template.changed"
    if not created and before.get("active") != template.active and set(fields) <= {"active"}:
        action = "shift_template.reactivated" if template.active else "shift_template.retired"
    audit.record(action, template, actor=actor, changes=audit.diff(before, _snapshot(template)))
    return template


@transaction.atomic
def _template_set_active(*, template: ShiftTemplate, active: bool, actor) -> ShiftTemplate:
    template = ShiftTemplate.objects.select_for_update().get(pk=template.pk)
    if template.active == active:
        return template
    template.active = active
    template.save(update_fields=["active", "updated_at"])
    action = "shift_template.reactivated" if active else "shift_template.retired"
    audit.record(action, template, actor=actor, changes={"active": [not active, active]})
    return template


def template_retire(*, template: ShiftTemplate, actor=None) -> ShiftTemplate:
    """Retire a template: building a week makes no more shifts from it; the shifts it made stay,
    with their units. Retiring a retired template changes nothing."""
    return _template_set_active(template=template, active=False, actor=actor)


def template_reactivate(*, template: ShiftTemplate, actor=None) -> ShiftTemplate:
    """Bring a retired template back: weeks built from now on have its shifts again."""
    return _template_set_active(template=template, active=True, actor=actor)
