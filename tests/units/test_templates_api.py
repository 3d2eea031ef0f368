"""The shift-template API: who may read and change templates, what a change must hold, and that
PATCH `active: false` retires a template (there is no DELETE: its shifts keep it)."""

from datetime import date, time

import pytest

from coresponder.models import AuditEntry
from tests.conftest import EVERYONE, expected
from tests.factories import ShiftTemplateFactory
from units import services
from units.models import Shift, ShiftTemplate

pytestmark = pytest.mark.django_db

LATE = {"name": "Late", "start_time": "18:00", "end_time": "02:00", "days_of_week": [1, 2, 3, 4, 5], "target_units": 2}


def night():
    return ShiftTemplateFactory(name="Night", start_time=time(23), end_time=time(7), weekdays=0b0011111)


@pytest.mark.parametrize("who", EVERYONE)
def test_supervisors_and_dispatchers_read_templates(api, who):
    night()
    response = api(who).get("/api/v1/shift-templates/")
    assert response.status_code == expected(200, who, {"supervisor", "dispatcher"})


@pytest.mark.parametrize("who", EVERYONE)
def test_supervisors_and_dispatchers_read_one_template(api, who):
    response = api(who).get(f"/api/v1/shift-templates/{night().pk}/")
    assert response.status_code == expected(200, who, {"supervisor", "dispatcher"})


@pytest.mark.parametrize("who", EVERYONE)
def test_only_supervisors_add_templates(api, who):
    response = api(who).post("/api/v1/shift-templates/", LATE)
    assert response.status_code == expected(201, who, {"supervisor"})
    assert ShiftTemplate.objects.filter(name="Late").exists() == (who == "supervisor")


@pytest.mark.parametrize("who", EVERYONE)
def test_only_supervisors_change_templates(api, who):
    template = night()
    response = api(who).patch(f"/api/v1/shift-templates/{template.pk}/", {"target_units": 3})
    assert response.status_code == expected(200, who, {"supervisor"})
    template.refresh_from_db()
    assert template.target_units == (3 if who == "supervisor" else 1)


@pytest.mark.parametrize("who", EVERYONE)
def test_only_supervisors_retire_templates(api, who):
    template = night()
    response = api(who).patch(f"/api/v1/shift-templates/{template.pk}/", {"active": False})
    assert response.status_code == expected(200, who, {"supervisor"})
    template.refresh_from_db()
    assert template.active == (who != "supervisor")


def test_a_new_template_reads_back_as_written(api):
    response = api("supervisor").post("/api/v1/shift-templates/", LATE)
    body = response.json()
    assert {k: body[k] for k in ("name", "start_time", "end_time", "days_of_week", "target_units", "active")} == {
        "name": "Late", "start_time": "18:00", "end_time": "02:00", "days_of_week": [1, 2, 3, 4, 5],
        "target_units": 2, "active": True,
    }  # fmt: skip
    template = ShiftTemplate.objects.get(pk=body["id"])
    assert template.weekdays == 0b0011111
    entry = AuditEntry.objects.get(action="shift_template.created")
    assert entry.actor_name == "supervisor"
    assert entry.changes["start_time"] == [None, "18:00"]


def test_a_template_without_days_runs_every_day(api):
    body = {k: v for k, v in LATE.items() if k != "days_of_week"}
    assert api("supervisor").post("/api/v1/shift-templates/", body).json()["days_of_week"] == [1, 2, 3, 4, 5, 6, 7]


def test_the_list_filters_on_active(api):
    night()
    retired = ShiftTemplateFactory(name="Old day", start_time=time(8), end_time=time(16), active=False)
    client = api("dispatcher")
    assert [t["name"] for t in client.get("/api/v1/shift-templates/", {"active": "false"}).json()["results"]] == [
        retired.name
    ]
    assert [t["name"] for t in client.get("/api/v1/shift-templates/", {"active": "true"}).json()["results"]] == [
        "Night"
    ]
    assert client.get("/api/v1/shift-templates/", {"active": "yes"}).status_code == 400


@pytest.mark.parametrize(
    "change, field",
    [({"end_time": "18:00"}, "end_time"), ({"end_time": "10:30"}, "end_time"), ({"days_of_week": []}, "days_of_week"),
     ({"days_of_week": [0, 8]}, "days_of_week"), ({"days_of_week": ["1"]}, "days_of_week"),
     ({"target_units": 51}, "target_units"), ({"target_units": -1}, "target_units"),
     ({"name": "   "}, "name"), ({"start_time": "25:00"}, "start_time"), ({"start_time": "7:00"}, "start_time"),
     ({"start_time": "07:00:00"}, "start_time"), ({"end_time": "02:00+05:00"}, "end_time"), ({"name": "x" * 41}, "name")],
)  # fmt: skip
def test_a_bad_template_is_refused_by_the_field_and_nothing_is_saved(api, change, field):
    response = api("supervisor").post("/api/v1/shift-templates/", {**LATE, **change})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]
    assert not ShiftTemplate.objects.exists()


def test_a_field_the_template_does_not_have_is_refused(api):
    response = api("supervisor").post("/api/v1/shift-templates/", {**LATE, "weekdays": 31})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"weekdays": ["Not a field of this request; check the spelling."]}


def test_a_taken_name_is_a_409_naming_the_field(api):
    night()
    response = api("supervisor").post("/api/v1/shift-templates/", {**LATE, "name": "night"})
    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["code"], list(error["fields"])) == ("template_name_taken", ["name"])
    assert error["detail"] == "There is already a template called Night."


def test_a_change_made_on_an_old_copy_is_refused_as_stale(api):
    template = night()
    seen = api("supervisor").get(f"/api/v1/shift-templates/{template.pk}/").json()["updated_at"]
    first = api("supervisor").patch(f"/api/v1/shift-templates/{template.pk}/",
                                    {"target_units": 2, "expected_updated_at": seen})  # fmt: skip
    assert first.status_code == 200
    second = api("supervisor").patch(f"/api/v1/shift-templates/{template.pk}/",
                                     {"target_units": 5, "expected_updated_at": seen})  # fmt: skip
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "stale_edit"
    template.refresh_from_db()
    assert template.target_units == 2


def test_retiring_keeps_the_template_and_its_shifts_and_there_is_no_delete(api):
    template = night()
    shift, _ = services.shift_from_template(template=template, day=date(2030, 3, 4))
    assert api("supervisor").delete(f"/api/v1/shift-templates/{template.pk}/").status_code == 405
    assert api("supervisor").patch(f"/api/v1/shift-templates/{template.pk}/", {"active": False}).status_code == 200
    assert api("supervisor").get(f"/api/v1/shift-templates/{template.pk}/").json()["active"] is False
    assert Shift.objects.get(pk=shift.pk).template == template
    assert AuditEntry.objects.filter(action="shift_template.retired", object_id=str(template.pk)).exists()
    # ... and a PATCH brings it back.
    response = api("supervisor").patch(f"/api/v1/shift-templates/{template.pk}/", {"active": True})
    assert response.json()["active"] is True


def test_the_week_builder_skips_retired_templates_and_the_days_a_template_does_not_run(api):
    night()  # Monday to Friday
    api("supervisor").post("/api/v1/shift-templates/", {**LATE, "name": "Weekend", "days_of_week": [6, 7]})
    retired = api("supervisor").post("/api/v1/shift-templates/", {**LATE, "name": "Old late"}).json()
    api("supervisor").patch(f"/api/v1/shift-templates/{retired['id']}/", {"active": False})
    report = services.week_build_from_templates(week_start=date(2030, 3, 4))
    assert sorted(shift.name for shift in report.shifts_created) == sorted(
        [f"Night {day} Mar" for day in ("Mon 04", "Tue 05", "Wed 06", "Thu 07", "Fri 08")]
        + ["Weekend Sat 09 Mar", "Weekend Sun 10 Mar"]
    )


def test_a_sixteen_hour_template_is_skipped_on_the_night_it_would_last_seventeen(api):
    ShiftTemplateFactory(name="Long night", start_time=time(16), end_time=time(8), weekdays=0b1100000)  # Sat, Sun
    report = services.week_build_from_templates(week_start=date(2026, 10, 26))  # the clocks go back Sun 1 Nov
    assert [shift.name for shift in report.shifts_created] == ["Long night Sun 01 Nov"]
    assert report.skipped == ["Long night Sat 31 Oct: A shift may last at most 16 h."]


def test_a_template_longer_than_a_shift_may_last_is_refused_in_words(api):
    response = api("supervisor").post("/api/v1/shift-templates/", {**LATE, "start_time": "07:00", "end_time": "06:00"})
    assert response.json()["error"]["fields"] == {
        "end_time": ["A shift may last at most 16 h; this one would last 23 h."]
    }


def test_changing_a_templates_times_leaves_its_built_shifts_where_they_are(api):
    template = night()
    shift, _ = services.shift_from_template(template=template, day=date(2030, 3, 4))
    api("supervisor").patch(f"/api/v1/shift-templates/{template.pk}/", {"start_time": "22:00"})
    assert Shift.objects.get(pk=shift.pk).starts_at == shift.starts_at


def test_the_schema_describes_templates_and_refuses_unknown_fields(api):
    schema = api("supervisor").get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/shift-templates/{id}/" in schema["paths"]
    request = schema["components"]["schemas"]["ShiftTemplateRequest"]
    assert request["additionalProperties"] is False
    assert request["properties"]["days_of_week"]["items"] == {"type": "integer", "minimum": 1, "maximum": 7}
    # Clock times, not OpenAPI's "time" (which carries a UTC offset): what is sent is what is read.
    assert request["properties"]["start_time"]["pattern"] == "^([01][0-9]|2[0-3]):[0-5][0-9]$"
    assert "format" not in request["properties"]["start_time"]


@pytest.mark.parametrize(
    "body",
    [{"name": ["x"], "start_time": 7, "end_time": {}, "days_of_week": "1,2", "target_units": "2", "active": "no"},
     dict.fromkeys(LATE, "x" * 100_000), [1, 2, 3], "a string", {"days_of_week": [10**30]},
     {"start_time": "12:00:00+05:00", "end_time": "23:59:60", "name": "Odd"}],
)  # fmt: skip
def test_malformed_bodies_are_400s_in_the_error_shape(api, body):
    template = night()
    client = api("supervisor")
    for response in (client.post("/api/v1/shift-templates/", body),
                     client.patch(f"/api/v1/shift-templates/{template.pk}/", body)):  # fmt: skip
        assert response.status_code == 400, response.content[:300]
        assert response.json()["error"]["detail"]
