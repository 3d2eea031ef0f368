"""Single shifts on the supervisor's pages: add one to a week, edit it, delete it -- in the
program's local time, the nights the clocks change included (America/Chicago)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.utils import timezone

from coresponder.localtime import local_datetime
from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory, ShiftTemplateFactory, UnitFactory
from units import services
from units.models import Shift, Unit

pytestmark = pytest.mark.django_db

WEEK = "2030-03-04"  # a Monday, in a week still to come: a draft
EVENT = {"name": "Stadium event", "date": "2030-03-06", "start_time": "18:00", "end_time": "02:00", "week": WEEK}


@pytest.fixture
def supervisor(client, users):
    client.force_login(users["supervisor"])
    return client


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def opened(shift: Shift) -> dict:
    """What the edit form carries from when it was opened."""
    return {"opened_name": shift.name, "opened_starts_at": shift.starts_at.isoformat(),
            "opened_ends_at": shift.ends_at.isoformat()}  # fmt: skip


def edit_body(shift: Shift, **changes) -> dict:
    start, end = timezone.localtime(shift.starts_at), timezone.localtime(shift.ends_at)
    return {"name": shift.name, "date": start.date().isoformat(), "start_time": f"{start:%H:%M}",
            "end_time": f"{end:%H:%M}", "template": "", **opened(shift), **changes}  # fmt: skip


@pytest.mark.parametrize("who", ["dispatcher", "clinician", "officer", "intake", "counselor", "outsider"])
@pytest.mark.parametrize("path", ["/roster/shifts/add/", "/roster/shifts/{id}/", "/roster/shifts/{id}/delete/"])
def test_only_supervisors_open_the_shift_pages(client, users, who, path):
    client.force_login(users[who])
    shift = ShiftFactory()
    assert client.get(path.format(id=shift.pk)).status_code == 403
    assert client.post(path.format(id=shift.pk), {}).status_code == 403
    assert Shift.objects.filter(pk=shift.pk).exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(f"/roster/shifts/add/?week={WEEK}")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- Adding -----------------------------------------------------------------------------------------


def test_the_add_form_starts_on_the_week_it_was_opened_from(supervisor):
    response = supervisor.get(f"/roster/shifts/add/?week={WEEK}")
    page = response.content.decode()
    assert "week of Mon 4 Mar 2030" in page
    assert 'name="date" value="2030-03-04"' in page
    assert "a time that happens twice means the first (daylight-saving) one" in page
    assert f'href="/roster/?week={WEEK}"' in page


def test_a_shift_added_on_the_page_lands_in_its_roster_week(supervisor):
    response = supervisor.post("/roster/shifts/add/", EVENT, follow=True)
    assert response.redirect_chain == [(f"/roster/?week={WEEK}", 302)]
    assert "Stadium event added: Wed 06 Mar 18:00–02:00 (8 h)." in response.content.decode()
    shift = Shift.objects.get()
    # The end at or before the start is the next day.
    assert (shift.starts_at, shift.ends_at) == (utc(2030, 3, 7, 0), utc(2030, 3, 7, 8))
    assert shift.template is None


def test_a_shift_can_belong_to_a_template(supervisor):
    late = ShiftTemplateFactory(name="Late", start_time=time(18), end_time=time(2))
    supervisor.post("/roster/shifts/add/", {**EVENT, "template": late.pk})
    assert Shift.objects.get().template == late
    response = supervisor.post("/roster/shifts/add/", {**EVENT, "name": "Again", "template": late.pk})
    assert response.status_code == 409
    assert response.context["form"].errors == {
        "start_time": ["Late already has a shift starting Wed 06 Mar 18:00: Stadium event."]
    }
    assert Shift.objects.count() == 1


def test_a_retired_template_is_not_offered_for_a_new_shift(supervisor):
    ShiftTemplateFactory(name="Old", start_time=time(8), end_time=time(16), active=False)
    page = supervisor.get("/roster/shifts/add/").content.decode()
    assert "Old 08:00-16:00" not in page


@pytest.mark.parametrize(
    "change, field, sentence",
    [({"name": ""}, "name", "This field is required."),
     ({"date": "2030-02-30"}, "date", "Enter a valid date."),
     ({"date": "0001-01-01"}, "date", "Choose a date between 1900 and 9000."),
     ({"start_time": "25:00"}, "start_time", "Enter a valid time."),
     ({"end_time": "18:00"}, "end_time", "A shift may last at most 16 h."),  # the same time: 24 h
     ({"end_time": "12:00"}, "end_time", "A shift may last at most 16 h.")],
)  # fmt: skip
def test_a_bad_shift_shows_the_error_by_its_field_and_saves_nothing(supervisor, change, field, sentence):
    response = supervisor.post("/roster/shifts/add/", {**EVENT, **change})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field] and sentence in errors[field][0]
    assert not Shift.objects.exists()


# --- The nights the clocks change --------------------------------------------------------------------


def test_a_start_the_clocks_skip_is_refused_by_naming_it(supervisor):
    response = supervisor.post("/roster/shifts/add/", {**EVENT, "date": "2026-03-08", "start_time": "02:30",
                                                       "end_time": "10:00"})  # fmt: skip
    assert response.status_code == 400
    assert response.context["form"].errors["start_time"] == [
        "02:30 does not exist on Sun 08 Mar 2026: the clocks go forward an hour that night. "
        "Choose a time outside the skipped hour (03:30 is the same moment)."
    ]
    assert not Shift.objects.exists()


def test_an_end_the_clocks_skip_is_refused_by_naming_it(supervisor):
    response = supervisor.post("/roster/shifts/add/", {**EVENT, "date": "2026-03-07", "start_time": "20:00",
                                                       "end_time": "02:00"})  # fmt: skip
    assert response.status_code == 400
    assert response.context["form"].errors["end_time"][0].startswith("02:00 does not exist on Sun 08 Mar 2026")


def test_a_time_that_happens_twice_is_its_first_daylight_saving_occurrence(supervisor):
    supervisor.post("/roster/shifts/add/", {**EVENT, "date": "2026-11-01", "start_time": "01:30", "end_time": "09:00"})
    shift = Shift.objects.get()
    assert shift.starts_at == utc(2026, 11, 1, 6, 30)  # 01:30 CDT (UTC-5), not 01:30 CST
    assert shift.duration == timedelta(hours=8, minutes=30)


@pytest.mark.parametrize(
    "night, hours", [("2026-03-07", 7), ("2026-10-31", 9), ("2026-03-14", 8)], ids=["spring", "fall", "plain"]
)
def test_a_night_shift_across_a_clock_change_lasts_what_the_clocks_say(supervisor, night, hours):
    response = supervisor.post("/roster/shifts/add/", {**EVENT, "date": night, "start_time": "23:00",
                                                       "end_time": "07:00"})  # fmt: skip
    assert response.status_code == 302
    shift = Shift.objects.get()
    assert shift.duration == timedelta(hours=hours)
    assert f"({hours} h)" in supervisor.get(response["Location"]).content.decode()


# --- Editing ------------------------------------------------------------------------------------------


def future_shift(name="Day Wed", start=(2030, 3, 6, 7), hours=8):
    starts_at = local_datetime(date(*start[:3]), time(start[3]))
    return services.shift_create(name=name, starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours))


def test_the_edit_form_shows_the_shift_in_local_time_and_its_units(supervisor):
    shift = future_shift()
    services.unit_create(call_sign="CR-12", shift=shift, clinician=ClinicianFactory(name="Maya Patel"),
                         officer=OfficerFactory(name="Dana Reyes"))  # fmt: skip
    page = supervisor.get(f"/roster/shifts/{shift.pk}/").content.decode()
    assert 'value="2030-03-06"' in page and 'value="07:00"' in page and 'value="15:00"' in page
    assert "<strong>CR-12</strong>: Maya Patel and Dana Reyes" in page
    assert "Moving the shift moves 1 unit with it" in page


def test_moving_a_shift_moves_its_units_and_lands_on_its_new_week(supervisor):
    shift = future_shift()
    unit = services.unit_create(call_sign="CR-12", shift=shift, clinician=ClinicianFactory(),
                                officer=OfficerFactory())  # fmt: skip
    response = supervisor.post(f"/roster/shifts/{shift.pk}/", edit_body(shift, date="2030-03-12", name="Day Tue"))
    assert response["Location"] == "/roster/?week=2030-03-11"
    shift.refresh_from_db()
    unit.refresh_from_db()
    assert (shift.name, shift.starts_at) == ("Day Tue", utc(2030, 3, 12, 12))
    assert unit.shift_starts_at == shift.starts_at


def test_a_move_that_cuts_someones_rest_needs_a_reason_given_by_its_field(supervisor):
    clinician = ClinicianFactory(name="Maya Patel")
    monday = future_shift("Day Mon", (2030, 3, 4, 7))
    tuesday = future_shift("Day Tue", (2030, 3, 5, 7))
    services.unit_create(call_sign="CR-1", shift=monday, clinician=clinician, officer=OfficerFactory())
    services.unit_create(call_sign="CR-2", shift=tuesday, clinician=clinician, officer=OfficerFactory())
    evening = edit_body(tuesday, date="2030-03-04", start_time="19:00", end_time="03:00")
    response = supervisor.post(f"/roster/shifts/{tuesday.pk}/", evening)
    assert response.status_code == 409
    errors = response.context["form"].errors
    assert errors["override_reason"] == ["Give a reason to break this rule on purpose, or choose someone else."]
    assert errors["__all__"][0].startswith("Maya Patel would have only 4 h of rest next to CR-1")
    assert 'id="override_reason-error"' in response.content.decode()
    tuesday.refresh_from_db()
    assert tuesday.starts_at == utc(2030, 3, 5, 13)

    response = supervisor.post(f"/roster/shifts/{tuesday.pk}/", {**evening, "override_reason": "Event cover"})
    assert response.status_code == 302
    assert Unit.objects.get(call_sign="CR-2").rule_override_reason == "Event cover"


def test_a_shift_changed_since_the_form_was_opened_is_not_overwritten(supervisor):
    shift = future_shift()
    body = edit_body(shift, name="Day shift")
    services.shift_update(shift=shift, starts_at=shift.starts_at + timedelta(hours=1),
                          ends_at=shift.ends_at + timedelta(hours=1))  # another supervisor, meanwhile  # fmt: skip
    response = supervisor.post(f"/roster/shifts/{shift.pk}/", body)
    assert response.status_code == 409
    assert response.context["form"].non_field_errors() == [
        "Someone changed Day Wed since you opened it. Reload to see their change, then edit again."
    ]
    shift.refresh_from_db()
    assert (shift.name, shift.starts_at) == ("Day Wed", utc(2030, 3, 6, 14))


def test_renaming_a_shift_in_the_hour_that_happens_twice_does_not_move_it(supervisor):
    second_one_thirty = utc(2026, 11, 1, 7, 30)  # 01:30 CST, the second 01:30 of the night
    shift = services.shift_create(name="Early", starts_at=second_one_thirty, ends_at=utc(2026, 11, 1, 15))
    response = supervisor.post(f"/roster/shifts/{shift.pk}/", edit_body(shift, name="Early cover"))
    assert response.status_code == 302
    shift.refresh_from_db()
    assert (shift.name, shift.starts_at) == ("Early cover", second_one_thirty)


def test_a_shift_with_a_unit_on_a_call_is_not_moved(supervisor):
    unit = UnitFactory(status=Unit.Status.ON_SCENE)  # on shift now, in a live week
    shift = unit.shift
    later = timezone.localtime(shift.starts_at + timedelta(hours=1))
    response = supervisor.post(f"/roster/shifts/{shift.pk}/", edit_body(shift, start_time=f"{later:%H:%M}",
                                                                         date=later.date().isoformat()))  # fmt: skip
    assert response.status_code == 409
    assert response.context["form"].non_field_errors() == [
        "A unit on this shift is on a call; move the shift after the call is cleared."
    ]


def test_a_mangled_edit_form_asks_to_reload(supervisor):
    shift = future_shift()
    response = supervisor.post(f"/roster/shifts/{shift.pk}/", edit_body(shift, opened_starts_at="noon"))
    assert response.status_code == 400
    assert "reload the page" in response.context["form"].non_field_errors()[0]


# --- Deleting -----------------------------------------------------------------------------------------


def test_deleting_a_shift_says_first_which_units_it_unpairs(supervisor):
    shift = future_shift()
    services.unit_create(call_sign="CR-12", shift=shift, clinician=ClinicianFactory(name="Maya Patel"),
                         officer=OfficerFactory(name="Dana Reyes"))  # fmt: skip
    page = supervisor.get(f"/roster/shifts/{shift.pk}/delete/").content.decode()
    assert "Deleting it unpairs 1 unit" in page and "<strong>CR-12</strong>: Maya Patel and Dana Reyes" in page
    assert Shift.objects.filter(pk=shift.pk).exists()

    response = supervisor.post(f"/roster/shifts/{shift.pk}/delete/", follow=True)
    assert response.redirect_chain == [(f"/roster/?week={WEEK}", 302)]
    assert "Day Wed deleted (Wed 06 Mar 07:00–15:00); 1 unit unpaired." in response.content.decode()
    assert not Shift.objects.exists() and not Unit.objects.exists()


def test_a_shift_with_a_unit_on_a_call_is_not_deleted(supervisor):
    unit = UnitFactory(call_sign="CR-7", status=Unit.Status.ON_SCENE)
    page = supervisor.get(f"/roster/shifts/{unit.shift.pk}/delete/").content.decode()
    assert "on a call now" in page
    response = supervisor.post(f"/roster/shifts/{unit.shift.pk}/delete/")
    assert response.status_code == 409
    assert "Not deleted: CR-7 is on a call; it can be removed once the call is cleared." in response.content.decode()
    assert Unit.objects.filter(pk=unit.pk).exists()


def test_a_shift_whose_unit_answered_calls_is_not_deleted(supervisor, unit_at, call_in):
    unit = unit_at(1, call_sign="CR-8")
    call_in("cleared", unit=unit)
    other = services.unit_create(call_sign="CR-9", shift=unit.shift, clinician=ClinicianFactory(),
                                 officer=OfficerFactory())  # fmt: skip
    response = supervisor.post(f"/roster/shifts/{unit.shift.pk}/delete/")
    assert response.status_code == 409
    assert "CR-8 has answered calls and stays in the record" in response.content.decode()
    assert Unit.objects.filter(pk__in=[unit.pk, other.pk]).count() == 2  # nothing half-done


def test_an_unknown_shift_is_a_404(supervisor):
    assert supervisor.get("/roster/shifts/999999/").status_code == 404
    assert supervisor.post("/roster/shifts/999999/delete/").status_code == 404
