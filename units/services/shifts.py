"""Shifts: create, move, delete, and lay out a week from templates or from last week."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from coresponder import audit
from coresponder.errors import ApplicationError, ConflictError
from coresponder.localtime import describe_hours, local, local_datetime
from units.models import Shift, ShiftTemplate, Unit
from units.services.publication import lock_weeks, tell_of_change_soon, week_is_draft, week_of
from units.services.rules import lock_members, record_override, refuse_breaches, roster_breaches
from units.services.status import follow_shift_window
from units.services.units import save_unit, unit_create, unit_delete

UNCHANGED = object()  # "leave this field as it is", where None is a meaningful new value


def _validate_window(starts_at: datetime, ends_at: datetime) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ApplicationError(
            "Times must include a time zone offset.", fields={"starts_at": ["Give an offset, e.g. -06:00."]}
        )
    if starts_at >= ends_at:
        raise ApplicationError("A shift must end after it starts.", fields={"ends_at": ["Must be after starts_at."]})
    if ends_at - starts_at > settings.ROSTER_MAX_SHIFT:
        raise ApplicationError(
            f"A shift may last at most {describe_hours(settings.ROSTER_MAX_SHIFT)}.",
            fields={"ends_at": [f"At most {describe_hours(settings.ROSTER_MAX_SHIFT)} after starts_at."]},
        )


def _template_shift(template: ShiftTemplate | None, starts_at: datetime, *, exclude_pk=None) -> Shift | None:
    """The shift ``template`` already has at ``starts_at`` (there is at most one: the constraint
    shift_one_per_template_and_start, whose index serves this look-up)."""
    if template is None:
        return None
    shifts = Shift.objects.filter(template=template, starts_at=starts_at)
    return (shifts.exclude(pk=exclude_pk) if exclude_pk else shifts).first()


def _refuse_second_template_shift(template: ShiftTemplate | None, starts_at: datetime, *, exclude_pk=None) -> None:
    if taken := _template_shift(template, starts_at, exclude_pk=exclude_pk):
        raise ConflictError(
            f"{template.name} already has a shift starting {local(starts_at):%a %d %b %H:%M}: {taken.name}.",
            code="shift_exists",
            fields={"starts_at": ["The template already has a shift at this time."]},
        )


@transaction.atomic
def shift_create(
    *, name: str, starts_at: datetime, ends_at: datetime, template: ShiftTemplate | None = None, actor=None
) -> Shift:
    _validate_window(starts_at, ends_at)
    starts_at, ends_at = starts_at.astimezone(UTC), ends_at.astimezone(UTC)
    _refuse_second_template_shift(template, starts_at)
    shift = Shift.objects.create(name=name, starts_at=starts_at, ends_at=ends_at, template=template)
    audit.record("shift.created", shift, actor=actor, changes=audit.diff({}, audit.snapshot(shift, SHIFT_FIELDS)))
    return shift


SHIFT_FIELDS = ["name", "starts_at", "ends_at", "template_id"]


@transaction.atomic
def shift_update(
    *,
    shift: Shift,
    name: str | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    template: ShiftTemplate | object | None = UNCHANGED,
    override_reason: str = "",
    expected: tuple[str, datetime, datetime] | None = None,
    actor=None,
) -> Shift:
    """Rename or move a shift. Moving it re-checks every rule for every unit on it (a soft rule
    needs ``override_reason``), moves their windows and puts each on or off duty for the new
    times. ``expected``, the (name, starts_at, ends_at) the editor read, refuses the change (409
    stale_edit) if someone renamed or moved the shift since (a shift has no ``updated_at``)."""
    # The weeks first, then the rows: the order publishing takes (publication.lock_weeks).
    lock_weeks(shift.starts_at, *([starts_at] if starts_at else []))
    shift = Shift.objects.select_for_update().get(pk=shift.pk)
    if expected is not None and (shift.name, shift.starts_at, shift.ends_at) != expected:
        raise ConflictError(
            f"Someone changed {shift.name} since you opened it. Reload to see their change, then edit again.",
            code="stale_edit",
        )
    before = audit.snapshot(shift, SHIFT_FIELDS)
    before_start = shift.starts_at
    new_start = starts_at or shift.starts_at
    new_end = ends_at or shift.ends_at
    _validate_window(new_start, new_end)
    new_start, new_end = new_start.astimezone(UTC), new_end.astimezone(UTC)
    moved = (new_start, new_end) != (shift.starts_at, shift.ends_at)
    units = list(shift.units.select_for_update(of=("self",)).select_related("clinician", "officer")) if moved else []
    if any(unit.status in Unit.BUSY_STATUSES for unit in units):
        raise ConflictError(
            "A unit on this shift is on a call; move the shift after the call is cleared.", code="unit_busy"
        )
    # Their people too, so a pairing made meanwhile cannot break their rest or hours with this move.
    clinicians, officers = lock_members([unit.clinician for unit in units], [unit.officer for unit in units])
    for unit in units:  # the rules read the people as they are now, locked
        unit.clinician, unit.officer = clinicians[unit.clinician_id], officers[unit.officer_id]
    probe = Shift(pk=shift.pk, name=shift.name, starts_at=new_start, ends_at=new_end)
    breaches_by_unit = {
        unit.pk: roster_breaches(shift=probe, clinician=unit.clinician, officer=unit.officer, exclude_unit_id=unit.pk)
        for unit in units
    }
    refuse_breaches([b for found in breaches_by_unit.values() for b in found], override_reason=override_reason)
    if name is not None:
        shift.name = name
    if template is not UNCHANGED:
        shift.template = template
    _refuse_second_template_shift(shift.template, new_start, exclude_pk=shift.pk)
    shift.starts_at, shift.ends_at = new_start, new_end
    shift.save()
    changes = audit.diff(before, audit.snapshot(shift, SHIFT_FIELDS))
    audit.record("shift.changed", shift, actor=actor, changes=changes, note=override_reason)
    if "name" in changes and not moved:  # its people's calendars and notices name it
        tell_of_change_soon(*shift.units.select_related("clinician", "officer"))
    now = timezone.now()
    moves = []
    new_week_is_draft = (
        week_is_draft(week_of(new_start)) if units and week_of(new_start) != week_of(before_start) else None
    )
    for unit in units:
        as_it_was = Unit(shift_starts_at=unit.shift_starts_at, shift_ends_at=unit.shift_ends_at, draft=unit.draft,
                         clinician=unit.clinician, officer=unit.officer)  # fmt: skip
        unit.shift_starts_at, unit.shift_ends_at = new_start, new_end
        if new_week_is_draft is not None:
            unit.draft = new_week_is_draft
        status_entry = follow_shift_window(unit, now, actor=actor, note="shift moved")
        record_override(unit, breaches_by_unit[unit.pk], override_reason, actor)
        save_unit(unit)
        moves += [status_entry] if status_entry else []
        tell_of_change_soon(as_it_was, unit)
    audit.record_all(moves)
    return shift


@transaction.atomic
def shift_delete(*, shift: Shift, actor=None) -> None:
    """Delete a shift and unpair its units (each audited, its people told), unless one of them is
    on a call or has answered calls (409: nothing is deleted)."""
    lock_weeks(shift.starts_at)  # the roster's lock order: rules.lock_members
    shift = Shift.objects.select_for_update().get(pk=shift.pk)
    for unit in shift.units.order_by("pk"):
        unit_delete(unit=unit, actor=actor)
    audit.record("shift.deleted", shift, actor=actor, changes=audit.diff(audit.snapshot(shift, SHIFT_FIELDS), {}))
    shift.delete()


@dataclass
class WeekReport:
    """What laying out a week did, for the supervisor to read."""

    shifts_created: list[Shift] = field(default_factory=list)
    units_created: list[Unit] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{len(self.shifts_created)} shift(s) created", f"{len(self.units_created)} unit(s) paired"]
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        return ", ".join(parts) + "."


def _template_shift_or_create(
    *, template: ShiftTemplate, name: str, starts_at: datetime, ends_at: datetime, actor
) -> tuple[Shift, bool]:
    """The shift ``template`` has at ``starts_at``, created if there is none: (shift, created).

    Two supervisors may lay out the same week at once. Each looks first; if both find nothing,
    the database decides: the second insert waits for the first transaction, then breaks the
    constraint shift_one_per_template_and_start, and that caller takes the shift the first one
    made (its savepoint undone, its transaction still usable)."""
    if existing := _template_shift(template, starts_at):
        return existing, False
    try:
        with transaction.atomic():
            return shift_create(name=name, starts_at=starts_at, ends_at=ends_at, template=template, actor=actor), True
    except (IntegrityError, ConflictError):
        # Made by another transaction since the look above (committed before or while we inserted).
        if existing := _template_shift(template, starts_at):
            return existing, False
        raise


def shift_from_template(*, template: ShiftTemplate, day: date, actor=None) -> tuple[Shift, bool]:
    """The shift ``template`` gives on local ``day`` (created if new): (shift, created)."""
    starts_at = local_datetime(day, template.start_time)
    end_day = day if template.end_time > template.start_time else day + timedelta(days=1)
    ends_at = local_datetime(end_day, template.end_time)
    name = f"{template.name} {day:%a %d %b}"
    return _template_shift_or_create(template=template, name=name, starts_at=starts_at, ends_at=ends_at, actor=actor)


@transaction.atomic
def week_build_from_templates(
    *, week_start: date, templates: list[ShiftTemplate] | None = None, actor=None
) -> WeekReport:
    """Create, for each day of the week, one shift per active template that runs that day. Running it again adds nothing,
    and so does running it twice at once: the second run takes the first one's shifts. A day's shift the rules refuse
    (a 16-hour template across the night the clocks go back lasts 17 h) is skipped, with the reason."""
    report = WeekReport()
    # Always the same order, so two runs at once wait for each other and never deadlock.
    templates = sorted(
        templates if templates is not None else ShiftTemplate.objects.filter(active=True), key=lambda t: t.pk
    )
    for offset in range(7):
        day = week_start + timedelta(days=offset)
        for template in templates:
            if not template.runs_on(day):
                continue
            try:
                shift, created = shift_from_template(template=template, day=day, actor=actor)
            except ApplicationError as refusal:
                report.skipped.append(f"{template.name} {day:%a %d %b}: {refusal.detail}")
                continue
            if created:
                report.shifts_created.append(shift)
    return report


def _copied_name(source: Shift, starts_at: datetime) -> str:
    """The name a copy of ``source`` gets (and had, if the week was copied before)."""
    if source.template:
        return f"{source.template.name} {local(starts_at):%a %d %b}"
    return source.name


def _copy_of_shift(source: Shift, shift_offset: timedelta, actor) -> tuple[Shift, bool]:
    """The shift ``source`` becomes ``shift_offset`` later (same local clock times): the template's
    shift at that start if there is one, else one made (in a savepoint: a refusal leaves nothing)."""
    with transaction.atomic():
        start, end = local(source.starts_at), local(source.ends_at)
        starts_at = local_datetime(start.date() + shift_offset, start.time())
        ends_at = local_datetime(end.date() + shift_offset, end.time())
        name = _copied_name(source, starts_at)
        if source.template:  # the template's shift at that start, whatever its name or end
            return _template_shift_or_create(
                template=source.template, name=name, starts_at=starts_at, ends_at=ends_at, actor=actor
            )
        target = Shift.objects.filter(starts_at=starts_at, ends_at=ends_at, template=None, name=name).first()
        if target is not None:
            return target, False
        return shift_create(name=name, starts_at=starts_at, ends_at=ends_at, actor=actor), True


@transaction.atomic
def week_copy(*, source_week_start: date, target_week_start: date, actor) -> WeekReport:
    """Copy a week's shifts and pairings seven days on (same local clock times), all at once.

    A shift that cannot be copied (e.g. a night that would last 17 h across the clocks going
    back) and pairings that would break a rule are skipped, each with its reason, so the
    supervisor can settle them one by one; a soft rule is never overridden without being asked.
    """
    report = WeekReport()
    source_shifts = Shift.objects.filter(
        starts_at__gte=local_datetime(source_week_start, time.min),
        starts_at__lt=local_datetime(source_week_start + timedelta(days=7), time.min),
    ).prefetch_related("units__clinician", "units__officer")
    shift_offset = target_week_start - source_week_start
    for source in source_shifts:
        try:
            target, created = _copy_of_shift(source, shift_offset, actor)
        except ApplicationError as refusal:
            report.skipped.append(f"{source.name} and its units: {refusal.detail}")
            continue
        if created:
            report.shifts_created.append(target)
        for unit in source.units.all():
            if target.units.filter(call_sign=unit.call_sign).exists():
                continue
            try:
                report.units_created.append(
                    unit_create(
                        call_sign=unit.call_sign,
                        shift=target,
                        clinician=unit.clinician,
                        officer=unit.officer,
                        uniformed=unit.uniformed,
                        actor=actor,
                    )
                )
            except ApplicationError as refusal:
                report.skipped.append(f"{unit.call_sign} on {target.name}: {refusal.detail}")
    return report
