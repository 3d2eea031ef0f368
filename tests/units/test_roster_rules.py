"""The roster rules, each with the sentence a supervisor sees."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from coresponder.errors import ConflictError
from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory, UserFactory
from units import services
from units.models import Shift, Unit

pytestmark = pytest.mark.django_db
CHICAGO = ZoneInfo("America/Chicago")


def at(day: int, hour: int) -> datetime:
    """A local time in a fixed week of March 2030 (Monday the 4th is day 4)."""
    return datetime(2030, 3, day, hour, tzinfo=CHICAGO)


def shift(day, start_hour, hours=8):
    starts_at = at(day, start_hour)
    return ShiftFactory(name=f"{day} {start_hour}", starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours))


def pair(the_shift, clinician=None, officer=None, call_sign=None, **kwargs):
    return services.unit_create(
        call_sign=call_sign or f"CR-{Unit.objects.count() + 1}",
        shift=the_shift,
        clinician=clinician or ClinicianFactory(),
        officer=officer or OfficerFactory(),
        **kwargs,
    )


def test_a_valid_pairing_is_stored_with_the_shift_window():
    day = shift(4, 7)
    unit = pair(day, call_sign="CR-12")
    assert unit.call_sign == "CR-12"
    assert (unit.shift_starts_at, unit.shift_ends_at) == (day.starts_at, day.ends_at)
    assert unit.uniformed is False


def test_a_clinician_in_two_overlapping_shifts_is_refused_in_words():
    clinician = ClinicianFactory(name="Maya Patel")
    pair(shift(4, 7), clinician=clinician, call_sign="CR-11")
    with pytest.raises(ConflictError) as refusal:
        pair(shift(4, 11), clinician=clinician)
    assert refusal.value.code == "roster_conflict"
    assert (
        "Maya Patel is already in CR-11 for Mon 04 Mar 07:00–15:00, which overlaps this shift." in refusal.value.detail
    )
    assert refusal.value.fields == {"clinician": [refusal.value.detail]}


def test_an_officer_in_two_overlapping_shifts_is_refused_even_with_an_override():
    officer = OfficerFactory(name="Dana Reyes")
    pair(shift(4, 7), officer=officer)
    with pytest.raises(ConflictError) as refusal:
        pair(shift(4, 14), officer=officer, override_reason="short-staffed")
    assert "Dana Reyes is already in" in refusal.value.fields["officer"][0]


def test_back_to_back_shifts_do_not_overlap_but_need_rest():
    clinician = ClinicianFactory(name="Noah Kim")
    pair(shift(4, 7), clinician=clinician)
    with pytest.raises(ConflictError) as refusal:
        pair(shift(4, 15), clinician=clinician)
    assert refusal.value.code == "roster_rule_needs_override"
    assert refusal.value.fields["clinician"] == [
        "Noah Kim would have only 0 h of rest next to CR-1 (Mon 04 Mar 07:00–15:00); the minimum is 8 h."
    ]
    assert "A supervisor may override this with a reason." in refusal.value.detail


def test_an_inactive_member_cannot_be_paired():
    officer = OfficerFactory(name="Robert Lane", active=False)
    with pytest.raises(ConflictError) as refusal:
        pair(shift(4, 7), officer=officer)
    assert refusal.value.fields["officer"] == ["Robert Lane is not active and cannot be paired."]


def test_short_rest_is_allowed_with_an_override_which_is_recorded():
    supervisor = UserFactory(username="sup", role="supervisor")
    clinician = ClinicianFactory()
    pair(shift(4, 7), clinician=clinician)
    unit = pair(shift(4, 20), clinician=clinician, override_reason="Storm cover", actor=supervisor)
    unit.refresh_from_db()
    assert unit.rule_override_reason == "Storm cover"
    assert unit.rule_override_by == supervisor
    assert unit.rule_override_at is not None


def test_eight_hours_of_rest_is_enough():
    officer = OfficerFactory()
    pair(shift(4, 7), officer=officer)
    unit = pair(shift(4, 23), officer=officer)
    assert unit.rule_override_reason == ""


def test_more_than_sixty_hours_in_a_rolling_week_needs_an_override():
    clinician = ClinicianFactory(name="Grace Okafor")
    for day in range(4, 10):  # six 10-hour shifts, Monday to Saturday: 60 h
        pair(shift(day, 7, hours=10), clinician=clinician)
    with pytest.raises(ConflictError) as refusal:
        pair(shift(10, 7, hours=10), clinician=clinician)  # Sunday makes it 70 h in 7 days
    assert refusal.value.fields["clinician"] == ["Grace Okafor would work 70 h in 7 days; the maximum is 60 h."]


def test_sixty_hours_exactly_is_allowed():
    officer = OfficerFactory()
    for day in range(4, 9):  # five 12-hour shifts, one a day
        pair(shift(day, 7, hours=12), officer=officer)
    pair(shift(9, 7, hours=12), officer=OfficerFactory())
    assert Unit.objects.filter(officer=officer).count() == 5


def test_the_rolling_week_counts_any_seven_days_not_calendar_weeks():
    clinician = ClinicianFactory()
    # Thursday to Sunday of one week, then Monday to Wednesday: 7 shifts of 9 h = 63 h in 7 days.
    for day in range(7, 13):
        pair(shift(day, 7, hours=9), clinician=clinician)
    with pytest.raises(ConflictError):
        pair(shift(13, 7, hours=9), clinician=clinician)


def test_call_signs_are_unique_per_shift_only():
    monday, tuesday = shift(4, 7), shift(5, 7)
    pair(monday, call_sign="CR-12")
    pair(tuesday, call_sign="CR-12")
    with pytest.raises(ConflictError) as refusal:
        pair(monday, call_sign="CR-12")
    assert refusal.value.fields["call_sign"] == ["CR-12 is already used on 4 7."]


def test_the_database_refuses_an_overlap_even_when_the_service_is_bypassed():
    clinician = ClinicianFactory()
    first = pair(shift(4, 7), clinician=clinician)
    later = shift(4, 12)
    with pytest.raises(IntegrityError, match="unit_clinician_no_overlapping_shifts"), transaction.atomic():
        Unit.objects.create(
            call_sign="CR-99",
            shift=later,
            clinician=clinician,
            officer=OfficerFactory(),
            shift_starts_at=later.starts_at,
            shift_ends_at=later.ends_at,
            status_changed_at=first.status_changed_at,
        )


def test_the_database_refuses_an_officer_overlap_when_the_service_is_bypassed():
    officer = OfficerFactory()
    first = pair(shift(4, 7), officer=officer)
    with pytest.raises(IntegrityError, match="unit_officer_no_overlapping_shifts"), transaction.atomic():
        Unit.objects.filter(pk=pair(shift(5, 7)).pk).update(
            officer=officer, shift_starts_at=first.shift_starts_at, shift_ends_at=first.shift_ends_at
        )


def test_a_shift_longer_than_sixteen_hours_is_refused():
    with pytest.raises(Exception) as refusal:
        services.shift_create(name="Long", starts_at=at(4, 7), ends_at=at(4, 7) + timedelta(hours=17))
    assert refusal.value.detail == "A shift may last at most 16 h."


def test_the_database_refuses_a_shift_that_ends_before_it_starts():
    with pytest.raises(IntegrityError, match="shift_starts_before_it_ends"), transaction.atomic():
        ShiftFactory(starts_at=at(4, 7), ends_at=at(4, 6))


def test_moving_a_shift_moves_its_units_and_is_refused_when_it_would_double_book():
    clinician = ClinicianFactory(name="Zoe Bennett")
    evening = shift(4, 15)
    pair(evening, clinician=clinician)
    day = shift(4, 6, hours=6)
    unit = pair(day, clinician=clinician, override_reason="cover")
    with pytest.raises(ConflictError) as refusal:
        services.shift_update(shift=day, ends_at=at(4, 16), override_reason="cover")
    assert "Zoe Bennett is already in" in refusal.value.detail
    with pytest.raises(ConflictError) as refusal:
        services.shift_update(shift=day, starts_at=at(4, 5))
    assert refusal.value.code == "roster_rule_needs_override", "the short rest still needs a reason"
    services.shift_update(shift=day, starts_at=at(4, 5), override_reason="still cover")
    unit.refresh_from_db()
    assert (unit.shift_starts_at, unit.rule_override_reason) == (at(4, 5), "still cover")


def test_moving_a_shift_puts_its_units_on_or_off_duty_for_the_new_times():
    from django.utils import timezone

    now = timezone.now()
    current = ShiftFactory(starts_at=now - timedelta(hours=1))
    unit = pair(current)
    assert unit.status == Unit.Status.AVAILABLE
    services.shift_update(shift=current, starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=2, hours=8))
    unit.refresh_from_db()
    assert unit.status == Unit.Status.OFF_DUTY


def test_changing_only_the_uniform_flag_keeps_the_override():
    supervisor = UserFactory(username="sup", role="supervisor")
    clinician = ClinicianFactory()
    pair(shift(4, 7), clinician=clinician)
    unit = pair(shift(4, 20), clinician=clinician, override_reason="Storm cover", actor=supervisor)
    services.unit_update(unit=unit, uniformed=True, actor=supervisor)
    unit.refresh_from_db()
    assert (unit.uniformed, unit.rule_override_reason, unit.rule_override_by) == (True, "Storm cover", supervisor)


def test_deleting_a_shift_unpairs_its_idle_units_but_is_refused_while_one_is_busy():
    day, other = shift(4, 7), shift(5, 7)
    pair(day)
    busy = pair(other)
    services.week_publish(week_start=services.week_of(other.starts_at), actor=None)
    Unit.objects.filter(pk=busy.pk).update(status=Unit.Status.ON_SCENE)
    with pytest.raises(ConflictError) as refusal:
        services.shift_delete(shift=other)
    assert refusal.value.code == "unit_busy"
    assert Shift.objects.filter(pk=other.pk).exists() and Unit.objects.filter(pk=busy.pk).exists()
    services.shift_delete(shift=day)
    assert not Shift.objects.filter(pk=day.pk).exists()
    assert not Unit.objects.filter(shift_id=day.pk).exists()
