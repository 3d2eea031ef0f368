"""The staffing recommendation for a week: each local hour's expected calls, service time and
recommended units (planning.forecast), against the units on duty and the templates' target as
the roster's coverage strip counts them (units.selectors.coverage_against_targets, the one home
of "on duty")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings

from coresponder.localtime import local
from planning.forecast import Forecast, forecast_week
from units.selectors import coverage_against_targets

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class StaffingHour:
    start: datetime  # local
    expected_calls: float
    service_minutes: float
    recommended_units: int
    on_duty: int  # non-uniformed units with both members active, on duty for the whole hour
    target: int  # the targets of the template shifts covering the whole hour

    @property
    def short_by(self) -> int:
        """Units missing against the recommendation (0 when enough are on duty)."""
        return max(0, self.recommended_units - self.on_duty)


@dataclass(frozen=True)
class StaffingWeek:
    week_start: date
    wait_target_minutes: float
    wait_target_share: float
    forecast: Forecast
    hours: list[StaffingHour]

    @property
    def short_hours(self) -> list[StaffingHour]:
        return [hour for hour in self.hours if hour.short_by]

    @property
    def short_spans(self) -> list[ShortSpan]:
        return short_spans(self.hours)


def staffing_for_week(week_start: date) -> StaffingWeek:
    """Every local hour of the week that starts on ``week_start`` (a Monday): 167 hours when the
    clocks go forward, 169 when they go back (planning.forecast explains the buckets)."""
    forecast = forecast_week(week_start)
    coverage = coverage_against_targets(week_start, forecast=forecast)
    hours = [
        StaffingHour(
            start=planned.start,
            expected_calls=planned.expected_calls,
            service_minutes=planned.service_minutes,
            recommended_units=planned.recommended_units,
            on_duty=covered.units,
            target=covered.target,
        )
        for planned, covered in zip(forecast.hours, coverage.hours, strict=True)
    ]
    return StaffingWeek(
        week_start=week_start,
        wait_target_minutes=settings.PLANNING_WAIT_TARGET_MINUTES,
        wait_target_share=settings.PLANNING_WAIT_TARGET_SHARE,
        forecast=forecast,
        hours=hours,
    )


@dataclass(frozen=True)
class ShortSpan:
    starts_at: datetime  # local
    ends_at: datetime
    on_duty: int
    recommended: int

    @property
    def short_by(self) -> int:
        return self.recommended - self.on_duty


def short_spans(hours: list[StaffingHour]) -> list[ShortSpan]:
    """Consecutive hours short of the recommendation with the same figures, as one span each."""
    spans: list[ShortSpan] = []
    for hour in hours:
        if not hour.short_by:
            continue
        start = hour.start.astimezone(UTC)  # in UTC: wall-clock arithmetic is wrong across DST
        last = spans[-1] if spans else None
        if (
            last
            and last.ends_at == start
            and (last.on_duty, last.recommended) == (hour.on_duty, hour.recommended_units)
        ):
            spans[-1] = ShortSpan(last.starts_at, start + HOUR, hour.on_duty, hour.recommended_units)
        else:
            spans.append(ShortSpan(start, start + HOUR, hour.on_duty, hour.recommended_units))
    return [ShortSpan(local(s.starts_at), local(s.ends_at), s.on_duty, s.recommended) for s in spans]
