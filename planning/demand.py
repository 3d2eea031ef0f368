"""The demand model: how many calls each hour of the week brings, and how long a unit is busy
with one, from the calls of the last ``PLANNING_HISTORY_WEEKS`` full weeks.

What counts as a call that asked for a unit: every call received in the history, except those the
crisis line kept (triage mode): a call still in triage, one the crisis line closed by phone
(``phone_disposition`` set), and one that went from triage straight to cancelled or back to 911.
A call cancelled or returned to 911 after it reached the dispatcher's queue still counts: it
arrived asking for a unit.

Buckets: 168 hours of the week on the local clock, Monday 00:00 first. Each bucket's count is
divided by the number of weeks, then smoothed with its neighbours, 0.25 · previous + 0.5 · itself
+ 0.25 · next, circular over the week (Sunday 23:00's next is Monday 00:00). Smoothing keeps the
total and spreads a call received at 08:59 over 08:00 and 09:00, where a shift change would
otherwise see noise as demand.

Service time: per nature, the mean of travel (dispatched -> on scene), on scene (on scene ->
transporting, or cleared) and transport (transporting -> cleared) over the calls with all three
milestones in order. A nature with fewer than ``PLANNING_MIN_CALLS_PER_NATURE`` such calls takes
the mean of all natures, or the settings' defaults (15 + 50 + 10 minutes) when even all calls are
too few.

Two queries whatever the history's size: counts by (weekday, hour), and means by nature; both
aggregated by the database (Django's Extract and Avg, on PostgreSQL and SQLite alike).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Avg, Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, ExtractHour, ExtractIsoWeekDay

from coresponder.localtime import week_bounds
from dispatch.models import CallEvent, CrisisCall

HOURS_OF_WEEK = 168
SMOOTHING = (0.25, 0.5, 0.25)  # previous hour, the hour, next hour
S = CrisisCall.Status


@dataclass(frozen=True)
class ServiceTime:
    """Mean minutes a unit spends on one call of a nature, by leg; ``calls`` measured it
    (0: the defaults)."""

    travel: float
    on_scene: float
    transport: float
    calls: int

    @property
    def total(self) -> float:
        return self.travel + self.on_scene + self.transport


@dataclass(frozen=True)
class Demand:
    weeks: int
    history_start: date  # the Monday the history begins
    calls: int  # calls counted in the history
    per_hour: list[float]  # 168 smoothed expected calls, Monday 00:00 first
    by_nature: dict[str, ServiceTime]
    service_minutes: float  # the mean service time over all calls' nature mix

    @property
    def has_history(self) -> bool:
        return self.calls > 0


def bucket(iso_weekday: int, hour: int) -> int:
    """The hour-of-week index: Monday 00:00 is 0, Sunday 23:00 is 167."""
    return (iso_weekday - 1) * 24 + hour


def smooth(counts: list[float]) -> list[float]:
    n = len(counts)
    before, itself, after = SMOOTHING
    return [before * counts[i - 1] + itself * counts[i] + after * counts[(i + 1) % n] for i in range(n)]


def calls_asking_for_a_unit(start, end) -> QuerySet[CrisisCall]:
    """Calls received in [start, end) that asked for a unit (the module's docstring says which)."""
    kept_by_the_crisis_line = CallEvent.objects.filter(
        call=OuterRef("pk"), from_status=S.TRIAGE, to_status__in=(S.CLOSED, S.CANCELLED, S.RETURNED_TO_911)
    )
    return (
        CrisisCall.objects.filter(received_at__gte=start, received_at__lt=end)
        .exclude(status=S.TRIAGE)
        .exclude(phone_disposition__gt="")
        .exclude(Exists(kept_by_the_crisis_line))
    )


def _minutes(span) -> float:
    return span.total_seconds() / 60 if span is not None else 0.0


def service_by_nature(calls: QuerySet[CrisisCall]) -> dict[str, ServiceTime]:
    """Measured means per nature, from the calls with dispatched, on scene and cleared in order."""
    transporting = CallEvent.objects.filter(call=OuterRef("pk"), to_status=S.TRANSPORTING).order_by("at").values("at")
    done = calls.filter(
        dispatched_at__isnull=False, on_scene_at__gte=F("dispatched_at"), cleared_at__gte=F("on_scene_at")
    ).annotate(left_scene=Coalesce(Subquery(transporting[:1]), F("cleared_at")))

    def mean(end, start):
        return Avg(ExpressionWrapper(F(end) - F(start), output_field=DurationField()))

    rows = (
        done.order_by()
        .values("nature")
        .annotate(
            n=Count("pk"),
            travel=mean("on_scene_at", "dispatched_at"),
            on_scene=mean("left_scene", "on_scene_at"),
            transport=mean("cleared_at", "left_scene"),
        )
    )
    return {
        row["nature"]: ServiceTime(
            _minutes(row["travel"]), _minutes(row["on_scene"]), _minutes(row["transport"]), row["n"]
        )
        for row in rows
    }


def default_service() -> ServiceTime:
    return ServiceTime(
        settings.PLANNING_DEFAULT_TRAVEL_MINUTES,
        settings.PLANNING_DEFAULT_ON_SCENE_MINUTES,
        settings.PLANNING_DEFAULT_TRANSPORT_MINUTES,
        calls=0,
    )


def _pooled(measured: dict[str, ServiceTime]) -> ServiceTime:
    """The mean of all natures' calls, weighted by their numbers."""
    n = sum(s.calls for s in measured.values())
    if n < settings.PLANNING_MIN_CALLS_PER_NATURE:
        return default_service()
    return ServiceTime(*(sum(getattr(s, leg) * s.calls for s in measured.values()) / n
                         for leg in ("travel", "on_scene", "transport")), calls=n)  # fmt: skip


def service_times(measured: dict[str, ServiceTime]) -> dict[str, ServiceTime]:
    """Every nature's service time: its own with enough calls, else the pooled mean or the defaults."""
    fallback = _pooled(measured)
    enough = settings.PLANNING_MIN_CALLS_PER_NATURE
    return {
        nature: (measured[nature] if nature in measured and measured[nature].calls >= enough else fallback)
        for nature in CrisisCall.Nature.values
    }


def demand_before(week_start: date) -> Demand:
    """The demand model for the week that starts on ``week_start`` (a Monday): from the
    ``PLANNING_HISTORY_WEEKS`` full weeks before it."""
    weeks = settings.PLANNING_HISTORY_WEEKS
    history_start = week_start - timedelta(weeks=weeks)
    start, end = week_bounds(history_start)[0], week_bounds(week_start)[0]
    calls = calls_asking_for_a_unit(start, end)
    # Extract* convert to the current time zone (settings.TIME_ZONE): the local clock's hour.
    counts = [0.0] * HOURS_OF_WEEK
    mix: dict[str, int] = {}
    rows = (
        calls.order_by()
        .values("nature", day=ExtractIsoWeekDay("received_at"), hour=ExtractHour("received_at"))
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts[bucket(row["day"], row["hour"])] += row["n"]
        mix[row["nature"]] = mix.get(row["nature"], 0) + row["n"]
    total = sum(mix.values())
    by_nature = service_times(service_by_nature(calls))
    fallback = _pooled({})  # the defaults, for a nature no longer in the list
    service = (
        sum(by_nature.get(nature, fallback).total * n for nature, n in mix.items()) / total
        if total
        else by_nature[CrisisCall.Nature.OTHER].total
    )
    return Demand(
        weeks=weeks,
        history_start=history_start,
        calls=total,
        per_hour=smooth([count / weeks for count in counts]),
        by_nature=by_nature,
        service_minutes=service,
    )
