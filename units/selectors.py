"""Reads of the roster: the week a supervisor looks at, and the hours nobody covers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db.models import Max, Q, QuerySet

from coresponder.localtime import local, week_bounds
from dispatch.models import CrisisCall
from units.models import Shift, ShiftTemplate, Unit


def units_with_current_call(queryset: QuerySet[Unit]) -> QuerySet[Unit]:
    """Units annotated with ``current_call_id``: the call they are on, if any (at most one: a
    database constraint)."""
    return queryset.annotate(
        current_call_id=Max("calls__pk", filter=Q(calls__status__in=CrisisCall.WITH_UNIT_STATUSES))
    )


def shifts_in_week(week_start: date) -> QuerySet[Shift]:
    """Shifts that start in the week (a Sunday night shift belongs to Sunday)."""
    start, end = week_bounds(week_start)
    return Shift.objects.filter(starts_at__gte=start, starts_at__lt=end).select_related("template")


def units_on_duty_between(start: datetime, end: datetime) -> QuerySet[Unit]:
    return Unit.objects.filter(shift_starts_at__lt=end, shift_ends_at__gt=start)


@dataclass
class RosterRow:
    label: str
    cells: list[list[Shift]] = field(default_factory=lambda: [[] for _ in range(7)])


@dataclass
class RosterWeek:
    week_start: date
    days: list[date]
    rows: list[RosterRow]
    gaps: list[tuple[datetime, datetime]]
    hours: list[tuple[datetime, bool]]  # each local hour of the week, and whether it is covered

    @property
    def hours_by_day(self) -> list[tuple[date, list[tuple[datetime, bool]]]]:
        """The coverage strip, one row a day."""
        days: dict[date, list[tuple[datetime, bool]]] = {}
        for moment, covered in self.hours:
            days.setdefault(moment.date(), []).append((moment, covered))
        return list(days.items())

    @property
    def has_shifts(self) -> bool:
        return any(cell for row in self.rows for cell in row.cells)

    @property
    def gap_hours(self) -> int:
        return sum(1 for _, covered in self.hours if not covered)


def roster_week(week_start: date) -> RosterWeek:
    """The week view: one row per shift template (plus one for other shifts), one column a day."""
    shifts = list(
        shifts_in_week(week_start).prefetch_related("units__clinician", "units__officer").order_by("starts_at", "name")
    )
    templates = list(ShiftTemplate.objects.all())
    rows = {template.pk: RosterRow(label=str(template)) for template in templates}
    other = RosterRow(label="Other shifts")
    for shift in shifts:
        day_index = (local(shift.starts_at).date() - week_start).days
        row = rows.get(shift.template_id, other)
        row.cells[day_index].append(shift)
    ordered = [rows[template.pk] for template in templates]
    if any(other.cells[i] for i in range(7)):
        ordered.append(other)
    hours = coverage_by_hour(week_start)
    return RosterWeek(
        week_start=week_start,
        days=[week_start + timedelta(days=i) for i in range(7)],
        rows=ordered,
        gaps=merge_gaps(hours),
        hours=hours,
    )


def _merged_windows(windows: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def coverage_by_hour(week_start: date) -> list[tuple[datetime, bool]]:
    """Each hour of the week (local, so 23 or 25 on daylight-saving days) and whether a
    non-uniformed unit is on duty for the whole of it."""
    start, end = week_bounds(week_start)
    windows = _merged_windows(
        list(
            units_on_duty_between(start, end)
            .filter(uniformed=False)
            .filter(Q(clinician__active=True) & Q(officer__active=True))
            .values_list("shift_starts_at", "shift_ends_at")
        )
    )
    hours = []
    moment = start
    while moment < end:
        hour_end = moment + timedelta(hours=1)
        covered = any(w_start <= moment and hour_end <= w_end for w_start, w_end in windows)
        hours.append((local(moment), covered))
        moment = hour_end
    return hours


def merge_gaps(hours: list[tuple[datetime, bool]]) -> list[tuple[datetime, datetime]]:
    """Consecutive uncovered hours as local (from, to) spans, for a sentence per gap."""
    gaps: list[tuple[datetime, datetime]] = []
    for moment, covered in hours:
        if covered:
            continue
        start = moment.astimezone(UTC)  # in UTC: wall-clock arithmetic is wrong across DST
        if gaps and gaps[-1][1] == start:
            gaps[-1] = (gaps[-1][0], start + timedelta(hours=1))
        else:
            gaps.append((start, start + timedelta(hours=1)))
    return [(local(start), local(end)) for start, end in gaps]
