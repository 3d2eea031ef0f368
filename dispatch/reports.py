"""Program reports: response times, outcomes, calls against coverage, workload.

Everything is computed by the database: percentiles with PostgreSQL's ``percentile_cont``,
counts and sums with aggregates, calls per local hour with one GROUP BY. (SQLite, the embedded
development database, has no percentile function and no time zones; there the same
interpolation, and the same hour of each call, are computed in Python, which the tests check
against PostgreSQL's answers.)

A report covers whole local days, ``first`` to ``last`` inclusive, in ``settings.TIME_ZONE``.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Aggregate, Count, DateTimeField, F, FloatField, Func, Q, QuerySet, Sum, Value

from coresponder.localtime import day_bounds
from dispatch.models import Assignment, CrisisCall, Outcome
from units.models import Unit

# The three intervals reported, each from one milestone to another.
INTERVALS = [
    ("received_dispatched", "Received → dispatched", "received_at", "dispatched_at"),
    ("dispatched_on_scene", "Dispatched → on scene", "dispatched_at", "on_scene_at"),
    ("received_on_scene", "Received → on scene", "received_at", "on_scene_at"),
]


class Percentile(Aggregate):
    """PostgreSQL's continuous percentile (linear interpolation between the nearest ranks)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


class Seconds(Func):
    """The seconds between two timestamps, as a number."""

    template = "EXTRACT(EPOCH FROM (%(expressions)s))"
    arg_joiner = " - "
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection, template="((julianday(%(expressions)s)) * 86400.0)", arg_joiner=") - julianday(",
            **extra,
        )  # fmt: skip


def percentile(values: list[float], fraction: float) -> float | None:
    """The same interpolation as PostgreSQL's percentile_cont, for databases without it."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Range:
    first: date
    last: date
    priority: int | None = None
    call_sign: str = ""

    @property
    def start(self) -> datetime:
        return day_bounds(self.first)[0]

    @property
    def end(self) -> datetime:
        return day_bounds(self.last)[1]

    def calls(self) -> QuerySet[CrisisCall]:
        """Calls received in the range (and matching the filters)."""
        calls = CrisisCall.objects.filter(received_at__gte=self.start, received_at__lt=self.end)
        if self.priority:
            calls = calls.filter(priority=self.priority)
        if self.call_sign:
            calls = calls.filter(unit__call_sign=self.call_sign)
        return calls


# --- Response times ----------------------------------------------------------------------------


@dataclass
class IntervalFigures:
    key: str
    label: str
    priority: int | None  # None: all priorities
    count: int
    median: float | None
    p90: float | None
    target_seconds: int
    within_target: int

    @property
    def share_within_target(self) -> float | None:
        return self.within_target / self.count if self.count else None

    @property
    def target_met(self) -> bool | None:
        share = self.share_within_target
        return None if share is None else share >= settings.REPORT_TARGET_SHARE


def _tenths(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 1)


def response_times(report: Range) -> list[IntervalFigures]:
    """Median and 90th percentile of each interval, by priority and for all, against targets.
    On PostgreSQL: one scan of the range's calls, every figure an aggregate with a FILTER."""
    groups = [1, 2, 3, None]
    aggregates, values = {}, {}
    calls = report.calls()
    for key, _, start, end in INTERVALS:
        seconds = Seconds(F(end), F(start))
        measured = Q(**{f"{start}__isnull": False, f"{end}__isnull": False})
        within = Q(**{f"{end}__lte": F(start) + timedelta(seconds=settings.REPORT_TARGETS[key])})
        for priority in groups:
            where = measured & Q(priority=priority) if priority else measured
            name = f"{key}_{priority or 'all'}"
            if connection.vendor == "postgresql":
                aggregates[f"{name}_count"] = Count("pk", filter=where)
                aggregates[f"{name}_median"] = Percentile(seconds, 0.5, filter=where)
                aggregates[f"{name}_p90"] = Percentile(seconds, 0.9, filter=where)
                aggregates[f"{name}_within"] = Count("pk", filter=where & within)
            else:
                # To the millisecond: julianday() is a float of days, some 40 µs coarse, so a call
                # on the target to the second could otherwise read as a hair over it.
                durations = [round(s, 3) for s in calls.filter(where).annotate(s=seconds).values_list("s", flat=True)]
                target = settings.REPORT_TARGETS[key]
                values |= {
                    f"{name}_count": len(durations),
                    f"{name}_median": percentile(durations, 0.5),
                    f"{name}_p90": percentile(durations, 0.9),
                    f"{name}_within": sum(1 for d in durations if d <= target),
                }
    if aggregates:
        values = calls.aggregate(**aggregates)
    figures = []
    for key, label, _, _ in INTERVALS:
        for priority in groups:
            name = f"{key}_{priority or 'all'}"
            figures.append(
                IntervalFigures(  # tenths of a second: the precision that matters here
                    key=key,
                    label=label,
                    priority=priority,
                    count=values[f"{name}_count"],
                    median=_tenths(values[f"{name}_median"]),
                    p90=_tenths(values[f"{name}_p90"]),
                    target_seconds=settings.REPORT_TARGETS[key],
                    within_target=values[f"{name}_within"],
                )
            )
    return figures


# --- Outcomes ----------------------------------------------------------------------------------


@dataclass
class OutcomeFigures:
    calls: int
    with_outcome: int
    dispositions: list[tuple[str, str, int]]  # (code, label, count), every disposition listed
    arrests: int
    force: int
    follow_ups: int

    def share(self, count: int) -> float | None:
        return count / self.with_outcome if self.with_outcome else None

    def per_100(self, count: int) -> float | None:
        return 100 * count / self.with_outcome if self.with_outcome else None

    @property
    def arrests_per_100(self):
        return self.per_100(self.arrests)

    @property
    def force_per_100(self):
        return self.per_100(self.force)


def outcomes(report: Range) -> OutcomeFigures:
    calls = report.calls()
    recorded = Outcome.objects.filter(call__in=calls)
    counts = dict(recorded.values_list("disposition").annotate(n=Count("pk")).values_list("disposition", "n"))
    totals = recorded.aggregate(
        n=Count("pk"),
        arrests=Count("pk", filter=Q(arrest_made=True)),
        force=Count("pk", filter=Q(force_used=True)),
        follow_ups=Count("pk", filter=Q(follow_up_needed=True)),
    )
    return OutcomeFigures(
        calls=calls.count(),
        with_outcome=totals["n"],
        dispositions=[(code, label, counts.get(code, 0)) for code, label in Outcome.Disposition.choices],
        arrests=totals["arrests"],
        force=totals["force"],
        follow_ups=totals["follow_ups"],
    )


# --- Calls against coverage, hour by hour ------------------------------------------------------


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
    units = Unit.objects.filter(uniformed=False, shift_starts_at__lt=report.end, shift_ends_at__gt=report.start)
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


def hour_of_week(days: list[HeatMapDay]) -> list[list[tuple[int, float]]]:
    """Calls and average units on duty by weekday (Monday first) and local hour, from the heat map."""
    sums = [[[0, 0, 0] for _ in range(24)] for _ in range(7)]  # calls, unit-hours, hours seen
    for row in days:
        for cell in row.hours:
            bucket = sums[cell.start.weekday()][cell.start.hour]
            bucket[0] += cell.calls
            bucket[1] += cell.units_on_duty
            bucket[2] += 1
    return [[(calls, units / seen if seen else 0.0) for calls, units, seen in weekday] for weekday in sums]


# --- Workload ----------------------------------------------------------------------------------


@dataclass
class Workload:
    name: str  # a unit's call sign; a person's name and role, with their id if another shares both
    calls: int
    hours_on_calls: float
    role: str = ""  # "clinician" or "officer" for a person
    person_id: int | None = None  # the clinician's or officer's id


def _assignments(report: Range) -> QuerySet[Assignment]:
    return Assignment.objects.filter(call__in=report.calls(), ended_at__isnull=False)


def workload_by_unit(report: Range) -> list[Workload]:
    """By call sign: the program's units keep their call signs from shift to shift."""
    rows = (
        _assignments(report)
        .values("unit__call_sign")
        .annotate(calls=Count("call", distinct=True), seconds=Sum(Seconds(F("ended_at"), F("started_at"))))
        .order_by("unit__call_sign")
    )
    return [Workload(r["unit__call_sign"], r["calls"], (r["seconds"] or 0) / 3600) for r in rows]


def workload_by_responder(report: Range) -> list[Workload]:
    """By person (the clinician's or officer's id, never their name, which two people can share)."""
    results = []
    for role in ("clinician", "officer"):
        rows = (
            _assignments(report)
            .values(f"unit__{role}_id", f"unit__{role}__name")
            .annotate(calls=Count("call", distinct=True), seconds=Sum(Seconds(F("ended_at"), F("started_at"))))
        )
        people = [(r[f"unit__{role}_id"], r[f"unit__{role}__name"], r["calls"], r["seconds"]) for r in rows]
        shared = Counter(name for _, name, _, _ in people)
        for person_id, name, calls, seconds in people:
            label = f"{name} ({role} #{person_id})" if shared[name] > 1 else f"{name} ({role})"
            results.append(Workload(label, calls, (seconds or 0) / 3600, role=role, person_id=person_id))
    return sorted(results, key=lambda w: (-w.calls, w.name, w.role, w.person_id))


# --- Per call ------------------------------------------------------------------------------------

CALL_COLUMNS = [
    "id",
    "external_id",
    "received_at",
    "priority",
    "nature",
    "status",
    "unit__call_sign",
    "dispatched_at",
    "en_route_at",
    "on_scene_at",
    "cleared_at",
    "closed_at",
    "outcome__disposition",
    "outcome__referral",
    "outcome__arrest_made",
    "outcome__force_used",
    "outcome__follow_up_needed",
]  # fmt: skip — never the narrative


def per_call_rows(report: Range):
    return report.calls().order_by("received_at", "pk").values_list(*CALL_COLUMNS)


@dataclass
class Summary:
    range: Range
    response_times: list[IntervalFigures]
    outcomes: OutcomeFigures
    heat_map: list[HeatMapDay]
    coverage: Coverage | None  # None when the heat map was left out
    workload_units: list[Workload]
    workload_responders: list[Workload]


def summary(report: Range, *, with_heat_map: bool = True) -> Summary:
    days = heat_map(report) if with_heat_map else []
    return Summary(
        range=report,
        response_times=response_times(report),
        outcomes=outcomes(report),
        heat_map=days,
        coverage=coverage(days) if with_heat_map else None,
        workload_units=workload_by_unit(report),
        workload_responders=workload_by_responder(report),
    )
