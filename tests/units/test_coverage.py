"""Coverage against targets: each local hour of a week, the non-uniformed units on duty for all of it
against what the shifts covering it want; the days the clocks change; what does not count."""

from datetime import date, time, timedelta

import pytest

from coresponder.localtime import local_datetime
from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory, ShiftTemplateFactory, UnitFactory
from units import services
from units.models import Shift, Unit
from units.selectors import coverage_against_targets

pytestmark = pytest.mark.django_db
MONDAY = date(2030, 3, 4)  # clocks go forward on Sunday 10 March 2030
AUTUMN_MONDAY = date(2030, 10, 28)  # clocks go back on Sunday 3 November 2030


@pytest.fixture
def templates():
    return [
        ShiftTemplateFactory(name="Day", start_time=time(7), end_time=time(15), target_units=2),
        ShiftTemplateFactory(name="Night", start_time=time(23), end_time=time(7), target_units=1),
    ]


def pair(shift_name: str, call_sign: str, **fields) -> Unit:
    shift = Shift.objects.get(name=shift_name)
    fields["clinician"] = fields.get("clinician") or ClinicianFactory()
    fields["officer"] = fields.get("officer") or OfficerFactory()
    return services.unit_create(call_sign=call_sign, shift=shift, **fields)


def hour(coverage, day: date, at: int):
    moment = local_datetime(day, time(at))
    return next(h for h in coverage.hours if h.starts_at == moment)


def test_each_hour_counts_its_units_against_the_targets_of_its_shifts(templates):
    services.week_build_from_templates(week_start=MONDAY)
    pair("Day Tue 05 Mar", "CR-1")
    pair("Day Tue 05 Mar", "CR-2")
    pair("Day Wed 06 Mar", "CR-3")

    coverage = coverage_against_targets(MONDAY)

    tuesday, wednesday = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)
    assert (hour(coverage, tuesday, 7).units, hour(coverage, tuesday, 7).target) == (2, 2)
    assert hour(coverage, tuesday, 7).level == "met"
    assert (hour(coverage, wednesday, 14).units, hour(coverage, wednesday, 14).level) == (1, "below")
    assert (hour(coverage, wednesday, 15).units, hour(coverage, wednesday, 15).target) == (0, 0)
    assert hour(coverage, wednesday, 15).level == "none"
    assert (hour(coverage, wednesday, 23).target, hour(coverage, wednesday, 3).target) == (1, 1)
    assert all(h.recommended is None for h in coverage.hours)
    spans = [(s.starts_at.strftime("%a %H:%M"), s.ends_at.strftime("%a %H:%M"), s.units, s.target)
             for s in coverage.below_target]  # fmt: skip
    assert ("Wed 07:00", "Wed 15:00", 1, 2) in spans
    assert ("Mon 23:00", "Tue 07:00", 0, 1) in spans
    assert hour(coverage, MONDAY, 3).target == 0, "last week's Sunday night was never built: no shift wants it"
    assert not any(start.startswith("Tue 07") for start, *_ in spans)


def test_uniformed_units_and_units_with_an_inactive_member_do_not_count(templates):
    services.week_build_from_templates(week_start=MONDAY)
    pair("Day Tue 05 Mar", "U-1", uniformed=True)
    gone = pair("Day Tue 05 Mar", "CR-1").clinician
    gone.active = False
    gone.save()

    assert hour(coverage_against_targets(MONDAY), MONDAY + timedelta(days=1), 8).units == 0


def test_a_unit_counts_only_for_the_hours_it_covers_whole_and_a_shift_of_no_template_wants_none():
    starts_at = local_datetime(MONDAY, time(9, 30))
    UnitFactory(shift=ShiftFactory(name="Parade", starts_at=starts_at, ends_at=starts_at + timedelta(hours=3)))
    coverage = coverage_against_targets(MONDAY)
    assert [hour(coverage, MONDAY, at).units for at in (9, 10, 11, 12)] == [0, 1, 1, 0]
    assert all(h.target == 0 for h in coverage.hours)


def test_the_days_the_clocks_change_have_23_and_25_hours_each_with_its_target(templates):
    services.week_build_from_templates(week_start=MONDAY)
    services.week_build_from_templates(week_start=AUTUMN_MONDAY)
    spring, autumn = coverage_against_targets(MONDAY), coverage_against_targets(AUTUMN_MONDAY)
    assert (len(spring.hours), len(autumn.hours)) == (167, 169)
    spring_sunday = dict(spring.by_day)[date(2030, 3, 10)]
    autumn_sunday = dict(autumn.by_day)[date(2030, 11, 3)]
    assert (len(spring_sunday), len(autumn_sunday)) == (23, 25)
    # Saturday's night shift covers Sunday's small hours, twice 01:00 in the autumn, 02:00 never in spring.
    assert [h.starts_at.strftime("%H") for h in autumn_sunday[:4]] == ["00", "01", "01", "02"]
    assert all(h.target == 1 for h in autumn_sunday[:7]) and all(h.target == 1 for h in spring_sunday[:6])


def test_the_roster_shows_each_hour_as_units_over_target_and_says_a_draft_week_is_planned(client, users, templates):
    services.week_build_from_templates(week_start=MONDAY)
    pair("Day Tue 05 Mar", "CR-1")
    client.force_login(users["supervisor"])

    html = client.get(f"/roster/?week={MONDAY}").content.decode()

    assert "Planned: this week is a draft, so these figures count its draft units" in html
    assert '<li class="cov cov-below">' in html and "07:00: </span>1/2" in html
    assert "Tue 5 Mar 07:00 – Tue 5 Mar 15:00: 1 of 2 units" in html
    assert "rec." not in html, "no recommendation is shown until the planning issue gives one"
