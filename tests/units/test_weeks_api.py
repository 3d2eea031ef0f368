"""A roster week's publication over the API: a week built ahead is a draft whose units stay off
duty; publishing it makes them live (on duty at once if their shift has begun) and tells its
people; a week that began without a draft is live."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coresponder.localtime import week_bounds, week_start_of
from coresponder.models import AuditEntry
from tests.conftest import EVERYONE, expected
from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory
from units import services
from units.models import Unit

pytestmark = pytest.mark.django_db


def next_monday():
    return week_start_of(timezone.localdate()) + timedelta(days=7)


def pair_next_week(hours_from_monday=10):
    starts_at = week_bounds(next_monday())[0] + timedelta(hours=hours_from_monday)
    shift = ShiftFactory(starts_at=starts_at, ends_at=starts_at + timedelta(hours=8))
    return services.unit_create(call_sign="CR-9", shift=shift, clinician=ClinicianFactory(), officer=OfficerFactory())


@pytest.mark.parametrize("who", EVERYONE)
def test_supervisors_and_dispatchers_read_a_week(api, who):
    response = api(who).get(f"/api/v1/weeks/{next_monday()}/")
    assert response.status_code == expected(200, who, {"supervisor", "dispatcher"})


@pytest.mark.parametrize("who", EVERYONE)
def test_only_supervisors_publish(api, who):
    unit = pair_next_week()
    response = api(who).post(f"/api/v1/weeks/{next_monday()}/publish/")
    assert response.status_code == expected(200, who, {"supervisor"})
    unit.refresh_from_db()
    assert unit.draft == (who != "supervisor")


def test_a_week_built_ahead_is_a_draft_until_published_and_any_day_names_its_monday(api, users):
    unit = pair_next_week()
    assert (unit.draft, unit.status) == (True, Unit.Status.OFF_DUTY)
    wednesday = next_monday() + timedelta(days=2)
    before = api("dispatcher").get(f"/api/v1/weeks/{wednesday}/").json()
    assert before == {"week_start": str(next_monday()), "state": "draft", "published_at": None,
                      "published_by": None, "draft_units": 1}  # fmt: skip
    assert api("dispatcher").get(f"/api/v1/units/{unit.pk}/").json()["draft"] is True

    after = api("supervisor").post(f"/api/v1/weeks/{wednesday}/publish/").json()

    assert (after["state"], after["published_by"], after["draft_units"]) == ("published", "supervisor", 0)
    unit.refresh_from_db()
    assert unit.draft is False
    assert AuditEntry.objects.filter(action="week.published").count() == 1
    again = api("supervisor").post(f"/api/v1/weeks/{next_monday()}/publish/").json()
    assert again["published_at"] == after["published_at"], "publishing again changes nothing"
    assert AuditEntry.objects.filter(action="week.published").count() == 1


def test_this_week_built_on_the_day_is_live(api):
    shift = ShiftFactory()  # began an hour ago
    unit = services.unit_create(call_sign="CR-1", shift=shift, clinician=ClinicianFactory(), officer=OfficerFactory())
    assert (unit.draft, unit.status) == (False, Unit.Status.AVAILABLE)
    response = api("supervisor").get(f"/api/v1/weeks/{timezone.localdate()}/").json()
    assert response["state"] == "live"


@pytest.mark.parametrize("day", ["not-a-date", "0001-01-01", "9999-12-31", "2026-02-30"])
def test_a_week_that_is_not_a_date_is_not_found(api, day):
    response = api("supervisor").get(f"/api/v1/weeks/{day}/")
    assert response.status_code == 404
    assert api("supervisor").post(f"/api/v1/weeks/{day}/publish/").status_code == 404


def test_a_week_whose_draft_now_breaks_a_rule_is_not_published_until_it_is_fixed(api):
    unit = pair_next_week()
    # Paired with a valid licence; then the supervisor corrects its expiry to before the shift.
    unit.clinician.licence_expires_on = next_monday() - timedelta(days=1)
    unit.clinician.save()

    refused = api("supervisor").post(f"/api/v1/weeks/{next_monday()}/publish/")

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "week_breaks_rules"
    assert "CR-9" in refused.json()["error"]["detail"] and "licence" in refused.json()["error"]["detail"]
    unit.refresh_from_db()
    assert unit.draft and api("supervisor").get(f"/api/v1/weeks/{next_monday()}/").json()["state"] == "draft"
    # Re-pairing the unit with someone whose licence holds lets the week through.
    changed = api("supervisor").patch(f"/api/v1/units/{unit.pk}/",
                                      {"clinician": ClinicianFactory().pk}, format="json")  # fmt: skip
    assert changed.status_code == 200
    assert api("supervisor").post(f"/api/v1/weeks/{next_monday()}/publish/").json()["state"] == "published"


def test_a_live_unit_out_of_service_moved_into_a_draft_week_goes_off_duty_with_its_shift():
    shift = ShiftFactory()  # on now, in this (live) week
    unit = services.unit_create(call_sign="CR-1", shift=shift, clinician=ClinicianFactory(), officer=OfficerFactory())
    services.unit_set_status(unit=unit, status=Unit.Status.OUT_OF_SERVICE, reason="meal")
    later = week_bounds(next_monday())[0] + timedelta(hours=30)

    services.shift_update(shift=shift, starts_at=later, ends_at=later + timedelta(hours=8))

    unit.refresh_from_db()
    assert (unit.draft, unit.status, unit.out_of_service_reason) == (True, Unit.Status.OFF_DUTY, "")
