"""Updates from 911 and a dispatcher's corrections (SPEC §2): what changes, what is recorded, what
a raised flag does, and what is refused."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.models import CallAlert, CallEvent, CrisisCall
from tests.conftest import EVERYONE, expected
from tests.factories import ClinicianFactory, OfficerFactory
from tests.places import DOWNTOWN, north_of

pytestmark = pytest.mark.django_db
S = CrisisCall.Status
BODY = {"external_id": "911-7", "lat": DOWNTOWN[0], "lon": DOWNTOWN[1], "address": "1200 Market St",
        "nature": "welfare_check", "priority": 2, "caller_name": "Dana Roe"}  # fmt: skip


@pytest.fixture
def member_unit(users, unit_at):
    return unit_at(
        1, clinician=ClinicianFactory(user=users["clinician"]), officer=OfficerFactory(user=users["officer"])
    )


def post(api, **changes):
    return api("intake").post("/api/v1/calls/", {**BODY, **changes}, format="json")


def test_911_repeating_a_call_updates_what_changed_and_names_the_fields_in_the_history(api):
    call_id = post(api).json()["id"]
    response = post(api, priority=1, caller_name="Dana Q. Roe", address="1300 Market St")
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["priority"]) == (call_id, 1)
    events = api("dispatcher").get(f"/api/v1/calls/{call_id}/events/").json()
    update = [e for e in events if e["kind"] == "updated"]
    assert len(update) == 1 and update[0]["from_status"] == update[0]["to_status"]
    assert "priority (2 → 1)" in update[0]["note"]
    assert "caller_name" in update[0]["note"] and "address" in update[0]["note"]
    assert "Dana" not in update[0]["note"] and "1300" not in update[0]["note"], "personal fields by name only"


def test_a_repeat_that_changes_nothing_records_nothing(api):
    call_id = post(api).json()["id"]
    assert post(api).status_code == 200
    assert not CallEvent.objects.filter(call_id=call_id, kind=CallEvent.Kind.UPDATED).exists()


def test_a_flag_raised_by_911_on_a_waiting_call_holds_it(api, call_in):
    call_id = post(api).json()["id"]
    CrisisCall.objects.filter(pk=call_id).update(status=S.QUEUED)
    body = post(api, weapons=True).json()
    assert (body["status"], body["weapons"], body["released_at"]) == (S.HELD, True, None)


def test_a_flag_raised_on_a_call_with_a_unit_alerts_the_board_and_the_unit_until_acknowledged(api, call_in, users,
                                                                                             member_unit):  # fmt: skip
    call = call_in(S.EN_ROUTE, unit=member_unit)
    body = api("dispatcher").patch(f"/api/v1/calls/{call.pk}/", {"weapons": True}, format="json").json()
    assert body["status"] == S.EN_ROUTE, "the unit is not pulled back"
    assert body["alerts"] == [
        {"kind": "safety_flag_raised", "raised_at": body["alerts"][0]["raised_at"], "note": "weapons"}
    ]
    assert api("intake").post(f"/api/v1/calls/{call.pk}/acknowledge/").status_code == 403
    acknowledged = api("officer").post(f"/api/v1/calls/{call.pk}/acknowledge/").json()
    assert acknowledged["alerts"] == []
    alert = CallAlert.objects.get(call=call)
    assert (alert.acknowledged_by, alert.cleared_at is not None) == (users["officer"], True)


def test_the_sweeper_leaves_a_safety_alert_for_a_person_to_acknowledge(api, call_in, member_unit):
    from dispatch.services import sweep

    call = call_in(S.ON_SCENE, unit=member_unit)
    api("dispatcher").patch(f"/api/v1/calls/{call.pk}/", {"violence": True}, format="json")
    sweep()
    assert CallAlert.objects.filter(call=call, kind="safety_flag_raised", cleared_at__isnull=True).exists()


@pytest.mark.parametrize("status", CrisisCall.TERMINAL_STATUSES)
def test_a_call_that_has_ended_refuses_updates_with_409(api, call_in, status):
    call = call_in(status, external_id="911-7")
    assert post(api, priority=1).status_code == 409
    assert api("dispatcher").patch(f"/api/v1/calls/{call.pk}/", {"priority": 1}, format="json").status_code == 409
    call.refresh_from_db()
    assert call.priority != 1


def test_an_update_older_than_the_last_one_applied_changes_nothing(api):
    now = timezone.now()
    post(api, updated_at=now.isoformat())
    post(api, priority=1, updated_at=(now + timedelta(seconds=30)).isoformat())
    stale = post(api, priority=3, weapons=True, updated_at=(now + timedelta(seconds=10)).isoformat()).json()
    assert (stale["priority"], stale["weapons"]) == (1, False)


@pytest.mark.parametrize(("status", "task"), [(S.RECEIVED, "dispatch.tasks.assign_call"),
                                              (S.QUEUED, "dispatch.tasks.serve_queue")])  # fmt: skip
def test_a_moved_location_ranks_a_waiting_call_again(api, call_in, broker_messages, status, task,
                                                      django_capture_on_commit_callbacks):  # fmt: skip
    call = call_in(status)
    lat, lon = north_of(DOWNTOWN, 3)
    with django_capture_on_commit_callbacks(execute=True):
        api("dispatcher").patch(f"/api/v1/calls/{call.pk}/", {"lat": lat, "lon": lon}, format="json")
    assert task in [name for name, _ in broker_messages()]


@pytest.mark.parametrize("who", EVERYONE)
def test_only_dispatchers_correct_a_call(api, call_in, who):
    call = call_in(S.QUEUED)
    response = api(who).patch(f"/api/v1/calls/{call.pk}/", {"address": "4500 Delmar Blvd"}, format="json")
    assert response.status_code == expected(200, who, {"dispatcher"})


@pytest.mark.parametrize(("body", "field"), [
    ({"status": "closed"}, "status"),
    ({"external_id": "other"}, "external_id"),
    ({"wepons": True}, "wepons"),
    ({"weapons": "yes"}, "weapons"),
    ({"priority": 1, "self_harm_in_progress": 1}, "self_harm_in_progress"),
])  # fmt: skip
def test_a_bad_correction_is_a_400_naming_the_field_and_changes_nothing(api, call_in, body, field):
    call = call_in(S.QUEUED, priority=3)
    response = api("dispatcher").patch(f"/api/v1/calls/{call.pk}/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    call.refresh_from_db()
    assert (call.status, call.priority) == (S.QUEUED, 3)


def test_a_repeat_that_tries_to_change_the_status_is_a_400(api):
    post(api)
    response = post(api, status="cancelled")
    assert response.status_code == 400 and "status" in response.json()["error"]["fields"]


def test_a_report_older_than_one_that_changed_nothing_still_changes_nothing(api):
    """911's reports arrive out of order: the newest one, even if it said what was stored, is
    the one an older report cannot undo."""
    now = timezone.now()
    post(api, weapons=True, updated_at=now.isoformat())
    post(api, weapons=True, updated_at=(now + timedelta(seconds=20)).isoformat())  # nothing new
    late = post(api, weapons=False, updated_at=(now + timedelta(seconds=10)).isoformat()).json()
    assert late["weapons"] is True


def test_911_updates_a_call_received_days_ago_without_its_receipt_being_refused(api):
    days_ago = (timezone.now() - timedelta(hours=20)).isoformat()
    call_id = post(api, received_at=days_ago).json()["id"]
    CrisisCall.objects.filter(pk=call_id).update(received_at=timezone.now() - timedelta(days=3))
    response = post(api, received_at=(timezone.now() - timedelta(days=3)).isoformat(), priority=1)
    assert response.status_code == 200 and response.json()["priority"] == 1
