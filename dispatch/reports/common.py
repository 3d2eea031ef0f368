"""What every report shares: the range of days it covers, and the measures it computes with."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Aggregate, FloatField, Func, QuerySet

from coresponder.localtime import day_bounds
from dispatch.models import CrisisCall

# The three intervals reported, each from one milestone to another. A milestone is stamped the
# first time a call reaches it (dispatch.transitions.MILESTONES), so a call that a unit gave back
# to the queue and that was dispatched again is timed from its first dispatch.
INTERVALS = [
    ("received_dispatched", "Received → first dispatch", "received_at", "dispatched_at"),
    ("dispatched_on_scene", "First dispatch → on scene", "dispatched_at", "on_scene_at"),
    ("received_on_scene", "Received → on scene", "received_at", "on_scene_at"),
]
# What each interval counts, in words: the page and the API's schema say it.
INTERVAL_MEANINGS = {
    "received_dispatched": "From the call's receipt to its first dispatch (NFPA 1225's call processing). A call "
    "given back to the queue and dispatched again keeps its first dispatch time.",
    "dispatched_on_scene": "From the first dispatch to the first team on scene: when a unit gave the call back, "
    "the wait for the next one counts here.",
    "received_on_scene": "From the call's receipt to the first team on scene.",
}
FIRST_DISPATCH_NOTE = (
    "Times count from a call's first dispatch: a call a unit gave back to the queue and that was "
    "dispatched again keeps its first dispatch time, and the wait for the next unit counts in "
    "first dispatch → on scene."
)


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

    def previous(self) -> Range:
        """The period of the same length just before, with the same filters."""
        days = (self.last - self.first).days + 1
        return Range(self.first - timedelta(days=days), self.first - timedelta(days=1), self.priority, self.call_sign)

    def calls(self) -> QuerySet[CrisisCall]:
        """Calls received in the range (and matching the filters)."""
        calls = CrisisCall.objects.filter(received_at__gte=self.start, received_at__lt=self.end)
        if self.priority:
            calls = calls.filter(priority=self.priority)
        if self.call_sign:
            calls = calls.filter(unit__call_sign=self.call_sign)
        return calls
