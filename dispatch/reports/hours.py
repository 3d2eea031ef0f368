"""Calls against coverage, hour by hour: the heat map, the coverage figures and the hour-of-week grid."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Count, DateTimeField, F, Func, Value

from coresponder.localtime import day_bounds
from dispatch.reports.common import Range
from units.models import Unit


@dataclass
class HourCell:
    start: datetime  # local
    calls: int
    units_on_duty: int

    @property
    def uncovered(self) -> bool:
        return self.units_on_duty == 0

    @property
    def understaffed(self) -> bool:
        """More calls came in this hour than non-uniformed units were on duty."""
        return self.calls > self.units_on_duty


@dataclass
class HeatMapDay:
    day: date
    hours: list[HourCell] = field(default_factory=list)  # 23, 24 or 25


def _on_duty_windows(report: Range) -> list[tuple[datetime, datetime]]:
    units = Unit.objects.filter(
        uniformed=False, draft=False, shift_starts_at__lt=report.end, shift_ends_at__gt=report.start
    )
    return list(units.values_list("shift_starts_at", "shift_ends_at"))


class AtTimeZone(Func):
    """An instant as a zone's wall clock shows it (PostgreSQL: a timestamp without time zone)."""

    template = "(%(expressions)s)"
    arg_joiner = " AT TIME ZONE "
    output_field = DateTimeField()


# A local hour is named by its wall-clock hour and the zone's UTC offset then: the offset tells
# apart the two hours that show the same clock on the night the clocks go back, and naming the
# hour by the wall clock (not by whole hours of UTC) puts calls in the right hour in zones whose
# offset is not a whole number of hours (Asia/Kolkata +05:30, America/St_Johns -03:30).
HourKey = tuple[datetime, timedelta]


def _hour_key(wall: datetime) -> HourKey:
    """The local hour that ``wall``, a time in the report's zone, falls in."""
    return wall.replace(minute=0, second=0, microsecond=0, tzinfo=None), wall.utcoffset()


def _calls_per_local_hour(report: Range) -> dict[HourKey, int]:
    """Calls received in the range, counted by local hour: one GROUP BY on PostgreSQL."""
    calls = report.calls()
    if connection.vendor != "postgresql":
        zone = ZoneInfo(settings.TIME_ZONE)
        return Counter(_hour_key(moment.astimezone(zone)) for moment in calls.values_list("received_at", flat=True))
    wall = AtTimeZone(F("received_at"), Value(settings.TIME_ZONE))
    rows = (
        calls.annotate(
            hour=Func(Value("hour"), wall, function="DATE_TRUNC", output_field=DateTimeField()),
            offset=wall - AtTimeZone(F("received_at"), Value("UTC")),
        )
        .values("hour", "offset")
        .annotate(n=Count("pk"))
        .values_list("hour", "offset", "n")
    )
    return {(hour, offset): n for hour, offset, n in rows}


def _local_hours(start: datetime, end: datetime) -> list[datetime]:
    """The instants at which each local hour from ``start`` to ``end`` begins. They are an hour
    apart, except where the clocks change by less than an hour (Lord Howe Island's half hour):
    there an hour is cut short at the change and the next one begins with it."""
    zone = ZoneInfo(settings.TIME_ZONE)
    hours, moment = [], start
    while moment < end:
        hours.append(moment)
        wall = moment.astimezone(zone)
        following = moment + timedelta(hours=1) - timedelta(minutes=wall.minute, seconds=wall.second)
        if following.astimezone(zone).utcoffset() != wall.utcoffset():
            seconds = range(1, int((following - moment).total_seconds()) + 1)
            changed = bisect_left(  # the clocks change on a whole second
                seconds, True, key=lambda s: (moment + timedelta(seconds=s)).astimezone(zone).utcoffset() != wall.utcoffset()
            )  # fmt: skip
            following = moment + timedelta(seconds=seconds[changed])
        moment = min(following, end)
    return hours


def heat_map(report: Range) -> list[HeatMapDay]:
    """For each local day, each of its real hours: calls received, and non-uniformed units on
    duty at the middle of the hour. A day when the clocks change has 23 or 25 hours (where
    they change by half an hour, one of its hours is half an hour long)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    per_hour = _calls_per_local_hour(report)
    windows = _on_duty_windows(report)
    starts = sorted(start for start, _ in windows)
    ends = sorted(end for _, end in windows)
    days = []
    day = report.first
    while day <= report.last:
        start, end = day_bounds(day)
        row = HeatMapDay(day=day)
        hours = _local_hours(start, end)
        for moment, following in zip(hours, [*hours[1:], end], strict=True):
            middle = moment + (following - moment) / 2
            # Windows begun by the middle of the hour, less those already over.
            on_duty = bisect_right(starts, middle) - bisect_right(ends, middle)
            wall = moment.astimezone(zone)
            row.hours.append(HourCell(start=wall, calls=per_hour.get(_hour_key(wall), 0), units_on_duty=on_duty))
        days.append(row)
        day += timedelta(days=1)
    return days


@dataclass
class Coverage:
    """The heat map added up: how often calls came in with too few non-uniformed units on duty."""

    hours: int
    hours_with_calls: int
    uncovered_hours: int  # no non-uniformed unit on duty, calls or not
    uncovered_hours_with_calls: int
    calls_in_uncovered_hours: int
    understaffed_hours: int  # more calls than units on duty; the uncovered hours with calls are among them


def coverage(days: list[HeatMapDay]) -> Coverage:
    cells = [cell for row in days for cell in row.hours]
    return Coverage(
        hours=len(cells),
        hours_with_calls=sum(1 for c in cells if c.calls),
        uncovered_hours=sum(1 for c in cells if c.uncovered),
        uncovered_hours_with_calls=sum(1 for c in cells if c.uncovered and c.calls),
        calls_in_uncovered_hours=sum(c.calls for c in cells if c.uncovered),
        understaffed_hours=sum(1 for c in cells if c.understaffed),
    )


def hour_of_week(days: list[HeatMapDay]) -> list[list[tuple[int, float | None]]]:
    """Calls, and the share of those hours with a non-uniformed unit on duty, by weekday (Monday
    first) and local hour, from the heat map. None where the range has no such hour."""
    sums = [[[0, 0, 0] for _ in range(24)] for _ in range(7)]  # calls, hours covered, hours seen
    for row in days:
        for cell in row.hours:
            bucket = sums[cell.start.weekday()][cell.start.hour]
            bucket[0] += cell.calls
            bucket[1] += 0 if cell.uncovered else 1
            bucket[2] += 1
    return [[(calls, covered / seen if seen else None) for calls, covered, seen in weekday] for weekday in sums]
