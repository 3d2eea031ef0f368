"""A unit's own status and location, and the clock moving units on and off duty."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import ShiftFactory, UnitFactory
from units.models import Unit

pytestmark = pytest.mark.django_db


def post_status(api, unit, **body):
    return api("dispatcher").post(f"/api/v1/units/{unit.pk}/status/", body)


def post_location(api, unit, **body):
    return api("dispatcher").post(f"/api/v1/units/{unit.pk}/location/", body)


def test_out_of_service_needs_a_reason(api):
    unit = UnitFactory()
    response = post_status(api, unit, status="out_of_service")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"reason": ["Required."]}


def test_out_of_service_and_back_records_the_reason_then_clears_it(api):
    unit = UnitFactory()
    assert post_status(api, unit, status="out_of_service", reason="meal").json()["out_of_service_reason"] == "meal"
    body = post_status(api, unit, status="available").json()
    assert body["status"] == "available"
    assert body["out_of_service_reason"] == ""


def test_a_unit_whose_shift_has_ended_cannot_become_available(api):
    past = ShiftFactory(starts_at=timezone.now() - timedelta(hours=10))
    unit = UnitFactory(shift=past, status=Unit.Status.OFF_DUTY)
    response = post_status(api, unit, status="available")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "shift_over"
    unit.refresh_from_db()
    assert unit.status == Unit.Status.OFF_DUTY


def test_members_may_log_on_half_an_hour_early_but_not_sooner(api):
    soon = UnitFactory(
        shift=ShiftFactory(starts_at=timezone.now() + timedelta(minutes=20)), status=Unit.Status.OFF_DUTY
    )
    later = UnitFactory(shift=ShiftFactory(starts_at=timezone.now() + timedelta(hours=3)), status=Unit.Status.OFF_DUTY)
    assert post_status(api, soon, status="available").json()["status"] == "available"
    refused = post_status(api, later, status="available")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "shift_not_started"


def test_a_unit_on_a_call_cannot_be_set_out_of_service(api):
    unit = UnitFactory(status=Unit.Status.ON_SCENE)
    response = post_status(api, unit, status="out_of_service", reason="meal")
    assert response.status_code == 409
    assert "on scene on a call" in response.json()["error"]["detail"]


def test_only_available_and_out_of_service_can_be_set(api):
    response = post_status(api, UnitFactory(), status="on_scene")
    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]


def test_a_location_fix_is_stored(api):
    unit = UnitFactory()
    response = post_location(api, unit, lat=38.6270, lon=-90.1994)
    assert response.json()["stored"] is True
    unit.refresh_from_db()
    assert (unit.lat, unit.lon) == (38.6270, -90.1994)


def test_an_older_fix_than_the_stored_one_is_ignored(api):
    unit = UnitFactory()
    now = timezone.now()
    post_location(api, unit, lat=38.60, lon=-90.20, recorded_at=now.isoformat())
    late = post_location(api, unit, lat=10.0, lon=10.0, recorded_at=(now - timedelta(seconds=30)).isoformat())
    assert late.status_code == 200
    assert (late.json()["stored"], late.json()["ignored"]) == (False, "older")
    unit.refresh_from_db()
    assert (unit.lat, unit.lon, unit.location_at) == (38.60, -90.20, now)


def test_a_units_fixes_are_rate_limited_a_fix_too_soon_is_answered_200_and_not_stored(api, settings):
    settings.LOCATION_MIN_INTERVAL = timedelta(seconds=5)
    unit, neighbour = UnitFactory(), UnitFactory()
    start = timezone.now() - timedelta(seconds=30)
    assert post_location(api, unit, lat=38.60, lon=-90.20, recorded_at=start.isoformat()).json()["stored"] is True

    soon = post_location(api, unit, lat=38.61, lon=-90.21, recorded_at=(start + timedelta(seconds=3)).isoformat())
    assert soon.status_code == 200, "a phone sending too often is told, not refused with an error"
    assert (soon.json()["stored"], soon.json()["ignored"]) == (False, "too_soon")
    assert (soon.json()["unit"]["lat"], soon.json()["unit"]["lon"]) == (38.60, -90.20), "the unit stays put"

    other = post_location(api, neighbour, lat=38.5, lon=-90.1, recorded_at=(start + timedelta(seconds=3)).isoformat())
    assert other.json()["stored"] is True, "the limit is per unit"

    later = post_location(api, unit, lat=38.62, lon=-90.22, recorded_at=(start + timedelta(seconds=5)).isoformat())
    assert (later.json()["stored"], later.json()["ignored"]) == (True, None)
    unit.refresh_from_db()
    assert (unit.lat, unit.lon, unit.location_at) == (38.62, -90.22, start + timedelta(seconds=5))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lat": 91, "lon": 0}, "lat"),
        ({"lat": 0, "lon": -181}, "lon"),
        ({"lat": "NaN", "lon": 0}, "lat"),
        ({"lat": "north", "lon": 0}, "lat"),
        ({"lon": 0}, "lat"),
        ({"lat": 1, "lon": 1, "recorded_at": "yesterday"}, "recorded_at"),
    ],
)
def test_bad_coordinates_are_refused_by_field(api, body, field):
    response = post_location(api, UnitFactory(), **body)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_a_fix_dated_in_the_future_is_refused(api):
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    response = post_location(api, UnitFactory(), lat=38.6, lon=-90.2, recorded_at=future)
    assert response.status_code == 400
    assert response.json()["error"]["detail"] == "The fix is dated in the future; check the device's clock."


def test_the_clock_puts_units_on_duty_at_shift_start_and_off_at_its_end():
    from units.services import units_follow_clock

    starting = UnitFactory(status=Unit.Status.OFF_DUTY)
    ended = UnitFactory(
        shift=ShiftFactory(starts_at=timezone.now() - timedelta(hours=9)),
        status=Unit.Status.OUT_OF_SERVICE,
        out_of_service_reason="meal",
    )
    busy = UnitFactory(shift=ShiftFactory(starts_at=timezone.now() - timedelta(hours=9)), status=Unit.Status.ON_SCENE)
    came_on, went_off = units_follow_clock()
    assert came_on == [starting.pk]
    assert went_off == [ended.pk]
    for unit in (starting, ended, busy):
        unit.refresh_from_db()
    assert starting.status == Unit.Status.AVAILABLE
    assert (ended.status, ended.out_of_service_reason) == (Unit.Status.OFF_DUTY, "")
    assert busy.status == Unit.Status.ON_SCENE, "a unit on a call stays on it past its shift's end"
    assert units_follow_clock() == ([], [])


def test_a_unit_that_logged_on_early_lets_waiting_calls_be_served_when_its_shift_starts(
    broker_messages, unit_at, django_capture_on_commit_callbacks
):
    from units.services import units_follow_clock

    unit_at(1, shift=ShiftFactory(starts_at=timezone.now() - timedelta(seconds=5)))  # already available
    with django_capture_on_commit_callbacks(execute=True):
        units_follow_clock()
    assert ("dispatch.tasks.serve_queue", []) in broker_messages()
