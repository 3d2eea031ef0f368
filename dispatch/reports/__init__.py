"""Program reports: response times, outcomes, calls against coverage, workload.

Everything is computed by the database: percentiles with PostgreSQL's ``percentile_cont``,
counts and sums with aggregates, calls per local hour with one GROUP BY. (SQLite, the embedded
development database, has no percentile function and no time zones; there the same
interpolation, and the same hour of each call, are computed in Python, which the tests check
against PostgreSQL's answers.)

A report covers whole local days, ``first`` to ``last`` inclusive, in ``settings.TIME_ZONE``.
One module a part: ``diversion`` (what became of the calls 911 diverted), ``times``, ``outcomes``, ``hours`` (calls against coverage), ``workload`` and ``calls`` (the
per-call export), on ``common``'s range and measures; ``summary`` below puts them together.
"""

from __future__ import annotations

from dataclasses import dataclass

from dispatch.reports.calls import CALL_COLUMNS, CALLS_LEFT_OUT, per_call_rows
from dispatch.reports.common import (
    FIRST_DISPATCH_NOTE,
    INTERVAL_MEANINGS,
    INTERVALS,
    Percentile,
    Range,
    Seconds,
    percentile,
)
from dispatch.reports.diversion import Counts, Diversion, Tiles, diversion
from dispatch.reports.hours import Coverage, HeatMapDay, HourCell, coverage, heat_map, hour_of_week
from dispatch.reports.outcomes import OutcomeFigures, outcomes
from dispatch.reports.times import IntervalFigures, response_times
from dispatch.reports.workload import Workload, workload_by_responder, workload_by_unit

__all__ = [
    "CALLS_LEFT_OUT",
    "CALL_COLUMNS",
    "FIRST_DISPATCH_NOTE",
    "INTERVALS",
    "INTERVAL_MEANINGS",
    "Counts",
    "Coverage",
    "Diversion",
    "HeatMapDay",
    "HourCell",
    "IntervalFigures",
    "OutcomeFigures",
    "Percentile",
    "Range",
    "Seconds",
    "Summary",
    "Tiles",
    "Workload",
    "coverage",
    "diversion",
    "heat_map",
    "hour_of_week",
    "outcomes",
    "per_call_rows",
    "percentile",
    "response_times",
    "summary",
    "workload_by_responder",
    "workload_by_unit",
]


@dataclass
class Summary:
    range: Range
    response_times: list[IntervalFigures]
    outcomes: OutcomeFigures
    heat_map: list[HeatMapDay]
    coverage: Coverage | None  # None when the heat map was left out
    workload_units: list[Workload]
    workload_responders: list[Workload]
    diversion: Diversion


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
        diversion=diversion(report),
    )
