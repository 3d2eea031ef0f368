"""The roster API: who may do what, and what they get back."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.models import CrisisCall
from tests.conftest import EVERYONE, expected
from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory, UnitFactory, UserFactory
from units.models import Unit

pytestmark = pytest.mark.django_db
S = CrisisCall.Status


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("resource", ["clinicians", "officers", "units"])
def test_supervisors_and_dispatchers_read_people_and_units(api, who, resource):
    response = api(who).get(f"/api/v1/{resource}/")
    assert response.status_code == expected(200, who, {"supervisor", "dispatcher"})


@pytest.mark.parametrize("who", EVERYONE)
def test_only_supervisors_read_shifts(api, who):
    assert api(who).get("/api/v1/shifts/").status_code == expected(200, who, {"supervisor"})


@pytest.mark.parametrize("who", EVERYONE)
def test_only_supervisors_add_clinicians(api, who):
    response = api(who).post("/api/v1/clinicians/", {"name": "Maya Patel", "credential": "LCSW"}, format="json")
    assert response.status_code == expected(201, who, {"supervisor"})


@pytest.mark.parametrize("who", EVERYONE)
def test_only_supervisors_change_officers(api, who):
    officer = OfficerFactory()
    response = api(who).patch(f"/api/v1/officers/{officer.pk}/", {"cit_trained": True}, format="json")
    assert response.status_code == expected(200, who, {"supervisor"})


@pytest.mark.parametrize("who", EVERYONE)
def test_only_supervisors_create_shifts(api, who):
    now = timezone.now()
    body = {"name": "Day", "starts_at": now.isoformat(), "ends_at": (now + timedelta(hours=8)).isoformat()}
    assert api(who).post("/api/v1/shifts/", body, format="json").status_code == expected(201, who, {"supervisor"})


@pytest.mark.parametrize("who", EVERYONE)
def test_only_supervisors_delete_shifts(api, who):
    shift = ShiftFactory()
    assert api(who).delete(f"/api/v1/shifts/{shift.pk}/").status_code == expected(204, who, {"supervisor"})


@pytest.mark.parametrize("who", EVERYONE)
def test_only_supervisors_pair_units(api, who):
    body = {
        "call_sign": "CR-12",
        "shift": ShiftFactory().pk,
        "clinician": ClinicianFactory().pk,
        "officer": OfficerFactory().pk,
    }
    assert api(who).post("/api/v1/units/", body, format="json").status_code == expected(201, who, {"supervisor"})


@pytest.mark.parametrize("who", EVERYONE)
def test_only_supervisors_unpair_units(api, who):
    unit = UnitFactory(status=Unit.Status.AVAILABLE)
    assert api(who).delete(f"/api/v1/units/{unit.pk}/").status_code == expected(204, who, {"supervisor"})


@pytest.mark.parametrize("who", EVERYONE)
def test_location_fixes_come_from_members_dispatchers_and_intake(api, users, who):
    unit = UnitFactory()
    response = api(who).post(f"/api/v1/units/{unit.pk}/location/", {"lat": 38.63, "lon": -90.2}, format="json")
    assert response.status_code == expected(200, who, {"dispatcher", "intake"})


@pytest.mark.parametrize("who", EVERYONE)
def test_status_changes_come_from_members_and_dispatchers(api, who):
    unit = UnitFactory()
    response = api(who).post(
        f"/api/v1/units/{unit.pk}/status/", {"status": "out_of_service", "reason": "meal"}, format="json"
    )
    assert response.status_code == expected(200, who, {"dispatcher"})


def test_a_units_own_members_may_send_its_location_and_status(api, users):
    unit = UnitFactory(
        clinician=ClinicianFactory(user=users["clinician"]), officer=OfficerFactory(user=users["officer"])
    )
    assert api("clinician").post(f"/api/v1/units/{unit.pk}/location/", {"lat": 38.6, "lon": -90.2}).status_code == 200
    response = api("officer").post(f"/api/v1/units/{unit.pk}/status/", {"status": "out_of_service", "reason": "meal"})
    assert response.status_code == 200
    assert response.json()["status"] == "out_of_service"


def test_a_member_of_another_unit_is_refused(api, users):
    UnitFactory(clinician=ClinicianFactory(user=users["clinician"]))
    other = UnitFactory()
    response = api("clinician").post(f"/api/v1/units/{other.pk}/status/", {"status": "out_of_service", "reason": "x"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_a_unit_has_the_representation_the_spec_names(api):
    unit = UnitFactory(call_sign="CR-12")
    body = api("dispatcher").get(f"/api/v1/units/{unit.pk}/").json()
    spec = {"id", "call_sign", "shift", "clinician", "officer", "uniformed", "status", "lat", "lon", "location_at"}
    assert spec | {"current_call"} <= set(body)
    assert body["call_sign"] == "CR-12"
    assert body["uniformed"] is False
    assert body["current_call"] is None


def test_a_double_booking_is_a_409_with_the_sentence_by_the_field(api):
    clinician = ClinicianFactory(name="Maya Patel")
    first = ShiftFactory()
    api("supervisor").post(
        "/api/v1/units/",
        {"call_sign": "CR-1", "shift": first.pk, "clinician": clinician.pk, "officer": OfficerFactory().pk},
        format="json",
    )
    overlapping = ShiftFactory(starts_at=first.starts_at + timedelta(hours=2))
    response = api("supervisor").post(
        "/api/v1/units/",
        {"call_sign": "CR-2", "shift": overlapping.pk, "clinician": clinician.pk, "officer": OfficerFactory().pk},
        format="json",
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "roster_conflict"
    assert error["fields"]["clinician"][0].startswith("Maya Patel is already in CR-1 for ")


def test_a_soft_rule_is_overridden_with_a_reason(api):
    clinician = ClinicianFactory()
    first = ShiftFactory()
    next_one = ShiftFactory(starts_at=first.ends_at + timedelta(hours=2))
    body = {"call_sign": "CR-1", "shift": first.pk, "clinician": clinician.pk, "officer": OfficerFactory().pk}
    assert api("supervisor").post("/api/v1/units/", body, format="json").status_code == 201
    body = {**body, "call_sign": "CR-2", "shift": next_one.pk, "officer": OfficerFactory().pk}
    refused = api("supervisor").post("/api/v1/units/", body, format="json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "roster_rule_needs_override"
    accepted = api("supervisor").post("/api/v1/units/", {**body, "override_reason": "flu season"}, format="json")
    assert accepted.status_code == 201
    assert accepted.json()["rule_override_reason"] == "flu season"


def test_a_clinician_with_a_username_gets_a_login_in_the_clinician_role(api):
    response = api("supervisor").post(
        "/api/v1/clinicians/",
        {"name": "Sofia Ramirez", "credential": "LPC", "languages": ["en", "es"], "username": "sramirez"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["username"] == "sramirez"
    assert response.json()["languages"] == ["en", "es"]
    user = UserFactory._meta.model.objects.get(username="sramirez")
    assert list(user.groups.values_list("name", flat=True)) == ["clinician"]


def test_a_badge_number_cannot_be_used_twice(api):
    OfficerFactory(badge_number="4100", name="Dana Reyes")
    response = api("supervisor").post("/api/v1/officers/", {"name": "X", "badge_number": "4100"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["detail"] == "Badge number 4100 already belongs to Dana Reyes."


def test_units_filter_by_status_and_date(api):
    on_duty = UnitFactory(status=Unit.Status.AVAILABLE)
    UnitFactory(status=Unit.Status.OUT_OF_SERVICE, out_of_service_reason="meal")
    later = ShiftFactory(starts_at=timezone.now() + timedelta(days=3))
    UnitFactory(shift=later, status=Unit.Status.OFF_DUTY)
    available = api("dispatcher").get("/api/v1/units/?status=available").json()
    assert [u["id"] for u in available["results"]] == [on_duty.pk]
    today = timezone.localdate().isoformat()
    assert api("dispatcher").get(f"/api/v1/units/?date={today}").json()["count"] == 2


def test_pages_are_sized_with_page_size(api):
    for _ in range(3):
        ClinicianFactory()
    body = api("supervisor").get("/api/v1/clinicians/?page_size=2").json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"] is not None


def test_a_patched_unit_on_a_call_still_shows_its_call(api, call_in):
    call = call_in(S.ON_SCENE)
    body = api("supervisor").patch(f"/api/v1/units/{call.unit_id}/", {"call_sign": "CR-77"}).json()
    assert (body["call_sign"], body["current_call"]) == ("CR-77", call.pk)


def test_a_login_with_another_role_cannot_become_a_clinicians(api, users):
    response = api("supervisor").post(
        "/api/v1/clinicians/", {"name": "X", "credential": "LCSW", "username": "dispatcher"}
    )
    assert response.status_code == 409
    assert response.json()["error"]["fields"] == {"username": ["Belongs to a login with another role."]}
