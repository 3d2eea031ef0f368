"""The week's staffing: every local hour (167/169 on DST weeks), the recommendation from the
demand, and on duty / target exactly as the roster's coverage strip counts them."""

from datetime import date, time, timedelta

import pytest

from planning.erlang import servers_needed
from planning.staffing import staffing_for_week
from tests.factories import ClinicianFactory, OfficerFactory, ShiftTemplateFactory
from tests.planning.helpers import past_call
from units import services
from units.models import Shift
from units.selectors import coverage_against_targets

pytestmark = pytest.mark.django_db
SPRING = date(2030, 3, 4)  # clocks go forward on Sunday 10 March 2030
AUTUMN = date(2030, 10, 28)  # clocks go back on Sunday 3 November 2030


def every_day_at(week: date, at: time, weeks: int = 8, per_day: int = 1):
    for back in range(1, weeks + 1):
        for day in range(7):
            for _ in range(per_day):
                past_call(week - timedelta(weeks=back) + timedelta(days=day), at, travel=15, on_scene=50, transport=10)


def hour_at(week, day: date, at: time, nth: int = 0):
    """The ``nth`` hour showing ``at`` on the local clock of ``day`` (twice 01:00 in the autumn)."""
    return [h for h in week.hours if (h.start.date(), h.start.time()) == (day, at)][nth]


def test_each_hour_recommends_the_fewest_units_erlang_c_allows_for_its_expected_calls():
    every_day_at(AUTUMN, time(2, 30), per_day=2)  # 2 calls a night at 02:30: 1.0 expected at 02:00 after smoothing

    week = staffing_for_week(AUTUMN)

    tuesday = hour_at(week, AUTUMN + timedelta(days=1), time(2))
    assert tuesday.expected_calls == pytest.approx(1.0)
    assert tuesday.service_minutes == pytest.approx(75)
    assert tuesday.recommended_units == servers_needed(1.0, 75, 10, 0.1) == 4
    assert hour_at(week, AUTUMN + timedelta(days=1), time(3)).recommended_units == servers_needed(0.5, 75, 10, 0.1)
    assert hour_at(week, AUTUMN + timedelta(days=1), time(12)).recommended_units == 0
    assert (week.wait_target_minutes, week.wait_target_share) == (10, 0.1)


def test_a_dst_week_has_167_or_169_hours_and_the_doubled_hour_takes_its_buckets_demand():
    every_day_at(AUTUMN, time(1, 20), weeks=8)
    every_day_at(SPRING, time(1, 20), weeks=8)

    autumn, spring = staffing_for_week(AUTUMN), staffing_for_week(SPRING)

    assert (len(spring.hours), len(autumn.hours)) == (167, 169)
    sunday = date(2030, 11, 3)
    first, second = hour_at(autumn, sunday, time(1), 0), hour_at(autumn, sunday, time(1), 1)
    assert first.start.utcoffset() != second.start.utcoffset(), "01:00 CDT, then 01:00 CST"
    assert first.expected_calls == second.expected_calls == pytest.approx(0.5)
    spring_sunday = [h.start.hour for h in spring.hours if h.start.date() == date(2030, 3, 10)]
    assert 2 not in spring_sunday and len(spring_sunday) == 23
    assert [h.start.isoformat() for h in autumn.hours[:2]] == ["2030-10-28T00:00:00-05:00", "2030-10-28T01:00:00-05:00"]


def test_on_duty_and_target_are_the_coverage_strips_and_the_strip_shows_the_recommendation():
    ShiftTemplateFactory(name="Day", start_time=time(7), end_time=time(15), target_units=2)
    services.week_build_from_templates(week_start=AUTUMN)
    shift = Shift.objects.get(name="Day Tue 29 Oct")
    services.unit_create(call_sign="CR-1", shift=shift, clinician=ClinicianFactory(), officer=OfficerFactory())
    every_day_at(AUTUMN, time(9, 30), per_day=2)

    week = staffing_for_week(AUTUMN)
    coverage = coverage_against_targets(AUTUMN)

    assert [(h.on_duty, h.target, h.recommended_units) for h in week.hours] == [
        (h.units, h.target, h.recommended) for h in coverage.hours
    ]
    tuesday_9 = hour_at(week, AUTUMN + timedelta(days=1), time(9))
    assert (tuesday_9.on_duty, tuesday_9.target, tuesday_9.recommended_units, tuesday_9.short_by) == (1, 2, 4, 3)
    assert any(span.starts_at.hour == 8 and span.short_by for span in week.short_spans)


def test_without_history_the_strip_shows_no_recommendation_and_the_api_recommends_none():
    week = staffing_for_week(AUTUMN)
    assert all(h.recommended_units == 0 for h in week.hours)
    assert all(h.recommended is None for h in coverage_against_targets(AUTUMN).hours)


def test_the_coverage_strip_costs_the_same_queries_with_any_history(django_assert_max_num_queries):
    every_day_at(AUTUMN, time(9, 30), weeks=2)
    with django_assert_max_num_queries(4):
        coverage_against_targets(AUTUMN)
