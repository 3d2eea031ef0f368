"""Reads of the roster, a module a page: ``basics`` (what every page needs), ``week`` (the grid),
``coverage`` (hours against targets and the planning recommendation), ``people`` (the directory and
everyone's week). Callers import from this package."""

from units.selectors.basics import (
    HOUR,
    credential_flags,
    shifts_in_week,
    unit_has_history,
    units_on_duty_between,
    units_with_current_call,
)
from units.selectors.coverage import Coverage, CoverageHour, coverage_against_targets, coverage_by_hour, merge_gaps
from units.selectors.people import PersonRow, PersonWeek, people_directory, people_matching, people_week
from units.selectors.week import RosterWeek, roster_week

__all__ = [
    "HOUR",
    "Coverage",
    "CoverageHour",
    "PersonRow",
    "PersonWeek",
    "RosterWeek",
    "coverage_against_targets",
    "coverage_by_hour",
    "credential_flags",
    "merge_gaps",
    "people_directory",
    "people_matching",
    "people_week",
    "roster_week",
    "shifts_in_week",
    "unit_has_history",
    "units_on_duty_between",
    "units_with_current_call",
]
