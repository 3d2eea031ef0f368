"""Coverage against the templates' targets (and the planning recommendation), hour by hour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from coresponder.localtime import local, week_bounds
from planning.forecast import Forecast, forecast_week  # reads calls only: never imports the roster back
from units.models import Shift
from units.selectors.basics import HOUR, units_on_duty_between

# --- Coverage against the templates' targets, hour by hour ---------------------------------------


@dataclass(frozen=True)
class CoverageHour:
    """One local hour: the non-uniformed units on duty for all of it, and the number wanted
    (the targets of the shifts that cover it)."""

    starts_at: datetime  # local
    units: int
    target: int
    # The planning issue's recommendation for this hour; None until it lands (and then not shown).
    recommended: int | None = None

    @property
    def level(self) -> str:
        """ "none" (no unit: red), "below" (under target: amber) or "met" (green)."""
        if self.units == 0:
            return "none"
        return "below" if self.units < self.target else "met"


@dataclass(frozen=True)
class CoverageSpan:
    starts_at: datetime  # local
    ends_at: datetime
    units: int
    target: int


@dataclass
class Coverage:
    hours: list[CoverageHour]

    @property
    def by_day(self) -> list[tuple[date, list[CoverageHour]]]:
        days: dict[date, list[CoverageHour]] = {}
        for hour in self.hours:
            days.setdefault(hour.starts_at.date(), []).append(hour)
        return list(days.items())

    @property
    def gaps(self) -> list[tuple[datetime, datetime]]:
        return merge_gaps([(hour.starts_at, hour.units > 0) for hour in self.hours])

    @property
    def gap_hours(self) -> int:
        return sum(1 for hour in self.hours if hour.units == 0)

    @property
    def below_target_hours(self) -> int:
        return sum(1 for hour in self.hours if hour.units < hour.target)

    @property
    def below_target(self) -> list[CoverageSpan]:
        """Consecutive hours under target with the same figures, as one span each."""
        return _short_spans([(hour.starts_at, hour.units, hour.target) for hour in self.hours])

    @property
    def below_recommended(self) -> list[CoverageSpan]:
        """Consecutive hours with fewer units than the planning model recommends (``target`` is
        the recommendation), as one span each; none while there is no recommendation."""
        return _short_spans([(h.starts_at, h.units, h.recommended) for h in self.hours if h.recommended is not None])

    @property
    def below_recommended_hours(self) -> int:
        return sum(1 for hour in self.hours if hour.recommended is not None and hour.units < hour.recommended)


def _short_spans(hours: list[tuple[datetime, int, int]]) -> list[CoverageSpan]:
    """(local start, units, wanted) hours: the consecutive ones short with the same figures, merged."""
    spans: list[CoverageSpan] = []
    for starts_at, units, wanted in hours:
        if units >= wanted:
            continue
        start = starts_at.astimezone(UTC)  # in UTC: wall-clock arithmetic is wrong across DST
        last = spans[-1] if spans else None
        if last and last.ends_at == start and (last.units, last.target) == (units, wanted):
            spans[-1] = CoverageSpan(last.starts_at, start + HOUR, units, wanted)
        else:
            spans.append(CoverageSpan(start, start + HOUR, units, wanted))
    return [CoverageSpan(local(s.starts_at), local(s.ends_at), s.units, s.target) for s in spans]


def _covering(windows: list[tuple[datetime, datetime, int]], moment: datetime) -> int:
    return sum(weight for start, end, weight in windows if start <= moment and moment + HOUR <= end)


def coverage_against_targets(week_start: date, *, forecast: Forecast | None = None) -> Coverage:
    """Each local hour of the week (23 or 25 on the days the clocks change): how many
    non-uniformed units with both members active are on duty for the whole hour -- a draft
    week's units included, as planned -- against the sum of the targets of the shifts covering
    the whole hour (a shift of no template wants none), and the units the planning model
    recommends (``forecast``, computed here unless given; None for every hour while there is no
    call in its history)."""
    start, end = week_bounds(week_start)
    units = (
        units_on_duty_between(start, end)
        .filter(uniformed=False, clinician__active=True, officer__active=True)
        .values_list("shift_starts_at", "shift_ends_at")
    )
    unit_windows = [(unit_start, unit_end, 1) for unit_start, unit_end in units]
    shifts = Shift.objects.filter(starts_at__lt=end, ends_at__gt=start, template__isnull=False)
    target_windows = list(shifts.values_list("starts_at", "ends_at", "template__target_units"))
    forecast = forecast or forecast_week(week_start)
    recommended = [hour.recommended_units if forecast.has_history else None for hour in forecast.hours]
    hours = []
    moment = start
    while moment < end:
        covering = _covering(unit_windows, moment), _covering(target_windows, moment)
        hours.append(CoverageHour(local(moment), *covering, recommended=recommended[len(hours)]))
        moment += HOUR
    return Coverage(hours)


def coverage_by_hour(week_start: date) -> list[tuple[datetime, bool]]:
    """Each hour of the week (local) and whether a non-uniformed unit is on duty for the whole of it."""
    return [(hour.starts_at, hour.units > 0) for hour in coverage_against_targets(week_start).hours]


def merge_gaps(hours: list[tuple[datetime, bool]]) -> list[tuple[datetime, datetime]]:
    """Consecutive uncovered hours as local (from, to) spans, for a sentence per gap."""
    gaps: list[tuple[datetime, datetime]] = []
    for moment, covered in hours:
        if covered:
            continue
        start = moment.astimezone(UTC)  # in UTC: wall-clock arithmetic is wrong across DST
        if gaps and gaps[-1][1] == start:
            gaps[-1] = (gaps[-1][0], start + HOUR)
        else:
            gaps.append((start, start + HOUR))
    return [(local(start), local(end)) for start, end in gaps]
