"""A draft week's unit is the supervisors' and dispatchers' business until it is published: its
members cannot read or move it over the API, it is not on the board nor in the assign menu, it
counts for no report's coverage, and it keeps no phone signed in. (It never comes on duty:
tests/dispatch/test_state_machine_property.py checks that after every step.)"""

from datetime import date, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from coresponder.localtime import local_datetime, week_bounds, week_start_of
from dispatch.reports.common import Range
from dispatch.reports.diversion import coverage_share
from dispatch.selectors import board_units
from push import sessions
from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory, UnitFactory
from units import services
from units.models import Shift, Unit, WeekPublication

pytestmark = pytest.mark.django_db


def draft_unit_now(**kwargs):
    """A unit of a week that has begun but was never published: off duty, a draft."""
    now = timezone.now()
    shift = ShiftFactory(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=7))
    return UnitFactory(shift=shift, draft=True, status=Unit.Status.OFF_DUTY, **kwargs)


def test_a_member_cannot_read_or_move_their_draft_unit_over_the_api(api, users):
    starts_at = week_bounds(week_start_of(timezone.localdate()) + timedelta(days=7))[0] + timedelta(hours=10)
    shift = ShiftFactory(starts_at=starts_at, ends_at=starts_at + timedelta(hours=8))
    unit = services.unit_create(call_sign="CR-9", shift=shift, clinician=ClinicianFactory(user=users["clinician"]),
                                officer=OfficerFactory(name="Dana Reyes"))  # fmt: skip
    assert unit.draft
    fix = {"lat": 38.6, "lon": -90.2}
    assert api("clinician").post(f"/api/v1/units/{unit.pk}/location/", fix, format="json").status_code == 404
    assert api("clinician").post(f"/api/v1/units/{unit.pk}/status/", {"status": "available"}).status_code == 404
    assert api("intake").post(f"/api/v1/units/{unit.pk}/location/", fix, format="json").status_code == 404
    unit.refresh_from_db()
    assert unit.location_at is None
    assert api("dispatcher").post(f"/api/v1/units/{unit.pk}/location/", fix, format="json").status_code == 200


def test_a_draft_unit_is_not_on_the_board_and_counts_for_no_coverage(users):
    unit = draft_unit_now()
    now = timezone.now()
    assert unit not in list(board_units(now))
    assert coverage_share(Range(first=timezone.localdate(), last=timezone.localdate())) == 0


def test_a_draft_unit_keeps_no_phone_signed_in(users):
    draft_unit_now(clinician=ClinicianFactory(user=users["clinician"]))
    assert sessions._coming_shift_end(users["clinician"].pk, timezone.now()) is None


def test_copying_a_week_into_the_night_the_clocks_go_back_skips_the_shift_that_would_last_17_hours(users):
    source = date(2026, 10, 19)  # copied to the week of 26 Oct: the clocks go back on Sun 1 Nov
    WeekPublication.objects.create(week_start=source, published_at=timezone.now())
    monday = services.shift_create(name="Mon day", starts_at=local_datetime(source, time(7)),
                                   ends_at=local_datetime(source, time(15)))  # fmt: skip
    services.unit_create(call_sign="CR-1", shift=monday, clinician=ClinicianFactory(), officer=OfficerFactory())
    saturday = source + timedelta(days=5)
    services.shift_create(name="Sat long", starts_at=local_datetime(saturday, time(17)),
                          ends_at=local_datetime(saturday + timedelta(days=1), time(9)))  # fmt: skip
    client = Client()
    client.force_login(users["supervisor"])

    response = client.post("/roster/copy-week/", {"week": "2026-10-26"}, follow=True)

    assert response.status_code == 200
    said = " ".join(str(m) for m in response.context["messages"])
    assert "Skipped Sat long and its units" in said and "16 h" in said
    copied = Shift.objects.filter(starts_at__gte=local_datetime(date(2026, 10, 26), time(0)))
    assert list(copied.values_list("name", flat=True)) == ["Mon day"]
    assert Unit.objects.filter(shift__in=copied).count() == 1
