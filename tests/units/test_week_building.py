"""Laying out a week: from templates, by copying last week, and the hours nobody covers."""

from datetime import date, time, timedelta

import pytest

from coresponder.localtime import local
from tests.factories import ClinicianFactory, OfficerFactory, ShiftTemplateFactory
from units import services
from units.models import Shift, Unit
from units.selectors import coverage_by_hour, merge_gaps, roster_week

pytestmark = pytest.mark.django_db
MONDAY = date(2030, 3, 4)


@pytest.fixture
def templates():
    return [
        ShiftTemplateFactory(name="Day", start_time=time(7), end_time=time(15)),
        ShiftTemplateFactory(name="Evening", start_time=time(15), end_time=time(23)),
        ShiftTemplateFactory(name="Night", start_time=time(23), end_time=time(7)),
    ]


def test_a_week_from_three_templates_is_twenty_one_shifts_and_building_again_adds_none(templates):
    report = services.week_build_from_templates(week_start=MONDAY)
    assert len(report.shifts_created) == 21
    night = Shift.objects.get(name="Night Mon 04 Mar")
    assert (local(night.starts_at).hour, night.duration) == (23, timedelta(hours=8))
    assert services.week_build_from_templates(week_start=MONDAY).shifts_created == []


def test_a_night_shift_across_the_spring_change_lasts_seven_hours(templates):
    services.week_build_from_templates(week_start=date(2030, 3, 4))  # clocks go forward Sun 10 Mar 2030
    night = Shift.objects.get(name="Night Sat 09 Mar")
    assert night.duration == timedelta(hours=7)


def test_copying_last_week_copies_pairings_and_skips_those_that_break_a_rule(templates):
    services.week_build_from_templates(week_start=MONDAY)
    clinician, officer = ClinicianFactory(), OfficerFactory()
    resting = ClinicianFactory(name="Ethan Moore")
    monday_day = Shift.objects.get(name="Day Mon 04 Mar")
    services.unit_create(call_sign="CR-11", shift=monday_day, clinician=clinician, officer=officer)
    services.unit_create(call_sign="CR-12", shift=monday_day, clinician=resting, officer=OfficerFactory())
    # Ethan is already on the next Monday's evening shift, so copying CR-12 would leave no rest.
    next_week = MONDAY + timedelta(days=7)
    services.week_build_from_templates(week_start=next_week, templates=[templates[1]])
    services.unit_create(
        call_sign="CR-21",
        shift=Shift.objects.get(name="Evening Mon 11 Mar"),
        clinician=resting,
        officer=OfficerFactory(),
    )

    report = services.week_copy(source_week_start=MONDAY, target_week_start=next_week, actor=None)

    assert [unit.call_sign for unit in report.units_created] == ["CR-11"]
    copied = Unit.objects.get(call_sign="CR-11", shift__name="Day Mon 11 Mar")
    assert (copied.clinician, copied.officer) == (clinician, officer)
    assert len(report.skipped) == 1
    assert report.skipped[0].startswith("CR-12 on Day Mon 11 Mar: Ethan Moore would have only 0 h of rest")
    again = services.week_copy(source_week_start=MONDAY, target_week_start=next_week, actor=None)
    assert again.units_created == [] and again.shifts_created == []


def test_hours_without_a_non_uniformed_unit_are_gaps(templates):
    services.week_build_from_templates(week_start=MONDAY, templates=templates[:1])
    day = Shift.objects.get(name="Day Tue 05 Mar")
    services.unit_create(call_sign="CR-1", shift=day, clinician=ClinicianFactory(), officer=OfficerFactory())
    uniformed_day = Shift.objects.get(name="Day Wed 06 Mar")
    services.unit_create(
        call_sign="U-1", shift=uniformed_day, clinician=ClinicianFactory(), officer=OfficerFactory(), uniformed=True
    )
    hours = coverage_by_hour(MONDAY)
    covered = [moment for moment, is_covered in hours if is_covered]
    assert len(hours) == 167  # the clocks go forward on Sunday 10 March 2030
    assert [moment.hour for moment in covered] == list(range(7, 15))
    assert {moment.day for moment in covered} == {5}
    gaps = merge_gaps(hours)
    assert [(g[0].strftime("%a %H:%M"), g[1].strftime("%a %H:%M")) for g in gaps] == [
        ("Mon 00:00", "Tue 07:00"),
        ("Tue 15:00", "Mon 00:00"),
    ]


def test_a_daylight_saving_week_has_167_hours():
    assert len(coverage_by_hour(date(2030, 3, 4))) == 167
    assert len(coverage_by_hour(date(2030, 10, 28))) == 169  # clocks go back Sun 3 Nov 2030


def test_the_roster_week_puts_each_shift_under_its_template_and_day(templates):
    services.week_build_from_templates(week_start=MONDAY)
    week = roster_week(MONDAY)
    assert [row.label for row in week.rows] == ["Day 07:00-15:00", "Evening 15:00-23:00", "Night 23:00-07:00"]
    assert week.rows[2].cells[6][0].name == "Night Sun 10 Mar"
    assert week.gap_hours == 167


def test_a_second_shift_for_a_template_at_the_same_start_is_refused_in_words(api, templates):
    services.week_build_from_templates(week_start=MONDAY, templates=templates[:1])
    day = Shift.objects.get(name="Day Mon 04 Mar")
    body = {"name": "Day again", "starts_at": day.starts_at.isoformat(), "ends_at": day.ends_at.isoformat(),
            "template": templates[0].pk}  # fmt: skip

    created = api("supervisor").post("/api/v1/shifts/", body, format="json")
    other = api("supervisor").post("/api/v1/shifts/", body | {"template": None}, format="json")
    tuesday = Shift.objects.get(name="Day Tue 05 Mar")
    moved = api("supervisor").patch(f"/api/v1/shifts/{tuesday.pk}/", {"starts_at": body["starts_at"],
                                    "ends_at": body["ends_at"]}, format="json")  # fmt: skip

    assert (created.status_code, moved.status_code) == (409, 409), (created.json(), moved.json())
    assert created.json()["error"]["detail"] == "Day already has a shift starting Mon 04 Mar 07:00: Day Mon 04 Mar."
    assert other.status_code == 201, "a shift of no template is never a second one"
    assert Shift.objects.filter(template=templates[0], starts_at=day.starts_at).count() == 1


def test_copying_a_week_onto_a_renamed_template_shift_fills_it_rather_than_adding_a_second(templates):
    services.week_build_from_templates(week_start=MONDAY, templates=templates[:1])
    services.unit_create(call_sign="CR-11", shift=Shift.objects.get(name="Day Mon 04 Mar"),
                         clinician=ClinicianFactory(), officer=OfficerFactory())  # fmt: skip
    next_week = MONDAY + timedelta(days=7)
    services.week_build_from_templates(week_start=next_week, templates=templates[:1])
    renamed = Shift.objects.get(name="Day Mon 11 Mar")
    services.shift_update(shift=renamed, name="Day Mon 11 Mar (training)")

    report = services.week_copy(source_week_start=MONDAY, target_week_start=next_week, actor=None)

    assert report.shifts_created == []
    assert Shift.objects.filter(template=templates[0], starts_at=renamed.starts_at).count() == 1
    assert Unit.objects.get(call_sign="CR-11", shift=renamed)
