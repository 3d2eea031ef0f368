"""Each local hour of a week: the calls expected, the service time and the units Erlang C
recommends. Kept free of the roster's selectors so that they can show the recommendation
(units.selectors.coverage_against_targets) without importing back.

The week's local hours are stepped in UTC from local Monday 00:00 to the next (167, 168 or 169
hours) and each is put in its hour-of-week bucket by its local clock. On the Sunday the clocks go
forward the 02:00 bucket is skipped (that hour does not exist); on the Sunday they go back,
01:00 comes twice and both real hours take the 01:00 bucket's rate: each of them is an hour in
which that many calls are expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings

from coresponder.localtime import local, week_bounds
from planning.demand import Demand, bucket, demand_before
from planning.erlang import servers_needed

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class ForecastHour:
    start: datetime  # local
    expected_calls: float
    service_minutes: float
    recommended_units: int


@dataclass(frozen=True)
class Forecast:
    week_start: date
    demand: Demand
    hours: list[ForecastHour]

    @property
    def has_history(self) -> bool:
        return self.demand.has_history


def forecast_week(week_start: date) -> Forecast:
    """The week's hours with expected calls and recommended units (the settings' wait target)."""
    demand = demand_before(week_start)
    minutes, share = settings.PLANNING_WAIT_TARGET_MINUTES, settings.PLANNING_WAIT_TARGET_SHARE
    service = demand.service_minutes
    needed: dict[int, int] = {}  # by bucket: the autumn's doubled hour asks once
    hours = []
    moment, end = week_bounds(week_start)
    while moment < end:
        start = local(moment)
        index = bucket(start.isoweekday(), start.hour)
        rate = demand.per_hour[index]
        if index not in needed:
            needed[index] = servers_needed(rate, service, minutes, share)
        hours.append(ForecastHour(start, rate, service, needed[index]))
        moment += HOUR
    return Forecast(week_start, demand, hours)
