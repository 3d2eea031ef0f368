"""The calls API (SPEC §4): intake, reads, moves, assignment, outcomes, and who may do each."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.models import CrisisCall
from tests.conftest import EVERYONE, expected
from tests.factories import ClinicianFactory, OfficerFactory
from tests.places import DOWNTOWN

pytestmark = pytest.mark.django_db
S = CrisisCall.Status
INTAKE_BODY = {"external_id": "2026-000123", "lat": DOWNTOWN[0], "lon": DOWNTOWN[1], "address": "1200 Market St",
               "nature": "welfare_check", "priority": 2}  # fmt: skip


@pytest.fixture
def member_unit(users, unit_at):
    return unit_at(
        1, clinician=ClinicianFactory(user=users["clinician"]), officer=OfficerFactory(user=users["officer"])
    )


@pytest.mark.parametrize("who", EVERYONE)
def test_intake_and_dispatchers_post_calls(api, who):
    response = api(who).post("/api/v1/calls/", INTAKE_BODY)
    assert response.status_code == expected(201, who, {"intake", "dispatcher"})


@pytest.mark.parametrize("who", EVERYONE)
def test_calls_are_listed_for_intake_dispatch_supervisors_counselors_and_members(api, call_in, who):
    call_in(S.QUEUED)
    response = api(who).get("/api/v1/calls/")
    readers = {"intake", "dispatcher", "supervisor", "counselor", "clinician", "officer"}
    assert response.status_code == expected(200, who, readers)
    if who in ("clinician", "officer"):
        assert response.json()["count"] == 0, "members see only their own unit's calls"


@pytest.mark.parametrize("who", EVERYONE)
def test_a_call_and_its_events_are_read_by_the_same_people(api, call_in, member_unit, who):
    call = call_in(S.DISPATCHED, unit=member_unit)
    allowed = {"intake", "dispatcher", "supervisor", "clinician", "officer"}
    # A counselor reads only the calls that came through the crisis line's triage: this one did not.
    status = 404 if who == "counselor" else expected(200, who, allowed)
    assert api(who).get(f"/api/v1/calls/{call.pk}/").status_code == status
    assert api(who).get(f"/api/v1/calls/{call.pk}/events/").status_code == status


@pytest.mark.parametrize("who", ["clinician", "officer"])
def test_a_member_of_another_unit_cannot_see_the_call(api, call_in, users, who):
    call = call_in(S.DISPATCHED)
    assert api(who).get(f"/api/v1/calls/{call.pk}/").status_code == 404


@pytest.mark.parametrize("who", EVERYONE)
def test_members_and_dispatchers_move_a_call(api, call_in, member_unit, who):
    call = call_in(S.DISPATCHED, unit=member_unit)
    response = api(who).post(f"/api/v1/calls/{call.pk}/transition/", {"status": "en_route"})
    # A counselor decides calls in triage; this call never was one of the crisis line's.
    status = 404 if who == "counselor" else expected(200, who, {"dispatcher", "clinician", "officer"})
    assert response.status_code == status


@pytest.mark.parametrize("who", EVERYONE)
def test_only_dispatchers_assign(api, call_in, unit_at, who):
    call = call_in(S.QUEUED)
    unit = unit_at(2)
    response = api(who).post(f"/api/v1/calls/{call.pk}/assign/", {"unit": unit.pk})
    assert response.status_code == expected(200, who, {"dispatcher"})


@pytest.mark.parametrize("who", EVERYONE)
def test_the_assigned_clinician_and_supervisors_record_the_outcome(api, call_in, member_unit, who):
    call = call_in(S.CLEARED, unit=member_unit)
    response = api(who).post(f"/api/v1/calls/{call.pk}/outcome/", {"disposition": "referred"})
    assert response.status_code == expected(201, who, {"clinician", "supervisor"})


def test_intake_answers_with_the_spec_representation(api, unit_at):
    body = api("intake").post("/api/v1/calls/", INTAKE_BODY).json()
    spec = {"id", "external_id", "status", "priority", "nature", "lat", "lon", "address", "weapons", "violence",
            "medical_emergency", "received_at", "unit", "dispatched_at", "en_route_at", "on_scene_at",
            "cleared_at", "closed_at", "alerts"}  # fmt: skip
    assert spec <= set(body)
    assert (body["status"], body["unit"], body["external_id"]) == ("received", None, "2026-000123")


def test_a_repeated_external_id_updates_the_stored_call_and_answers_200(api):
    first = api("intake").post("/api/v1/calls/", INTAKE_BODY)
    again = api("intake").post("/api/v1/calls/", {**INTAKE_BODY, "priority": 1, "address": "changed"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert (again.json()["address"], again.json()["priority"]) == ("changed", 1)
    assert CrisisCall.objects.count() == 1
    assert CrisisCall.objects.count() == 1


def test_a_weapon_flag_holds_the_call(api):
    body = api("intake").post("/api/v1/calls/", {**INTAKE_BODY, "weapons": True}).json()
    assert body["status"] == "held"


def test_an_illegal_transition_is_a_409_with_the_error_shape(api, call_in):
    call = call_in(S.QUEUED)
    response = api("dispatcher").post(f"/api/v1/calls/{call.pk}/transition/", {"status": "on_scene"})
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "illegal_transition",
        "detail": "A call that is queued cannot become on scene.",
        "fields": {},
    }


def test_a_dispatcher_reassigns_with_a_reason_and_the_old_unit_is_freed(api, call_in, unit_at):
    call = call_in(S.EN_ROUTE)
    old_unit, new_unit = call.unit, unit_at(3, call_sign="CR-99")
    refused = api("dispatcher").post(f"/api/v1/calls/{call.pk}/assign/", {"unit": new_unit.pk})
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {"reason": ["Required to reassign."]}
    body = api("dispatcher").post(f"/api/v1/calls/{call.pk}/assign/", {"unit": new_unit.pk, "reason": "closer"}).json()
    assert (body["status"], body["unit"]) == ("dispatched", new_unit.pk)
    old_unit.refresh_from_db()
    assert old_unit.status == "available"
    events = api("dispatcher").get(f"/api/v1/calls/{call.pk}/events/").json()
    assert events[-1]["note"].startswith(f"Reassigned from {old_unit.call_sign} to CR-99: closer")
    assert events[-1]["actor"] == "Dispatcher"  # by name (the role, for a login without one)


def test_assigning_a_busy_unit_is_refused_by_field(api, call_in):
    busy = call_in(S.ON_SCENE).unit
    call = call_in(S.QUEUED)
    response = api("dispatcher").post(f"/api/v1/calls/{call.pk}/assign/", {"unit": busy.pk})
    assert response.status_code == 409
    assert response.json()["error"]["fields"]["unit"] == [f"{busy.call_sign} is on scene, not available."]


def test_a_dispatcher_may_send_a_uniformed_unit_to_a_held_call(api, call_in, unit_at):
    call = call_in(S.HELD, weapons=True)
    uniformed = unit_at(1, uniformed=True)
    body = api("dispatcher").post(f"/api/v1/calls/{call.pk}/assign/", {"unit": uniformed.pk, "reason": "weapon"}).json()
    assert (body["status"], body["unit"]) == ("dispatched", uniformed.pk)


def test_the_narrative_reaches_only_the_clinician_and_supervisors(api, call_in, member_unit):
    call = call_in(S.CLEARED, unit=member_unit)
    body = {"disposition": "transport_crisis_center", "narrative": "Client disclosed a plan; agreed to go.",
            "follow_up_needed": True, "referral": "BJC crisis center"}  # fmt: skip
    recorded = api("clinician").post(f"/api/v1/calls/{call.pk}/outcome/", body)
    assert recorded.json()["status"] == "closed"
    assert recorded.json()["outcome"]["narrative"] == body["narrative"]
    for who in ("supervisor", "clinician"):
        assert api(who).get(f"/api/v1/calls/{call.pk}/").json()["outcome"]["narrative"] == body["narrative"]
    for who in ("dispatcher", "officer", "intake"):
        seen = api(who).get(f"/api/v1/calls/{call.pk}/").json()
        assert seen["outcome"]["disposition"] == "transport_crisis_center"
        assert "narrative" not in seen["outcome"]
        assert body["narrative"] not in str(api(who).get(f"/api/v1/calls/{call.pk}/events/").json())
        assert body["narrative"] not in str(api(who).get("/api/v1/calls/").json())


def test_the_outcome_is_refused_before_the_call_is_cleared(api, call_in, member_unit):
    call = call_in(S.ON_SCENE, unit=member_unit)
    response = api("clinician").post(f"/api/v1/calls/{call.pk}/outcome/", {"disposition": "referred"})
    assert response.status_code == 409
    assert "once the call is cleared" in response.json()["error"]["detail"]


def test_an_officer_cannot_record_the_outcome_of_their_own_call(api, call_in, member_unit):
    call = call_in(S.CLEARED, unit=member_unit)
    assert api("officer").post(f"/api/v1/calls/{call.pk}/outcome/", {"disposition": "referred"}).status_code == 403


def test_calls_filter_by_status_active_priority_unit_and_dates(api, call_in):
    from datetime import timedelta

    from django.utils import timezone

    waiting = call_in(S.QUEUED, priority=1)
    on_scene = call_in(S.ON_SCENE, priority=2)
    call_in(S.CANCELLED, priority=3, received_at=timezone.now() - timedelta(days=3))

    def ids(query):
        return sorted(c["id"] for c in api("dispatcher").get(f"/api/v1/calls/?{query}").json()["results"])

    assert ids("status=queued&status=on_scene") == sorted([waiting.pk, on_scene.pk])
    assert ids("active=true") == sorted([waiting.pk, on_scene.pk])
    assert ids("priority=1") == [waiting.pk]
    assert ids(f"unit={on_scene.unit_id}") == [on_scene.pk]
    since = (timezone.now() - timedelta(days=1)).isoformat().replace("+", "%2B")
    assert ids(f"received_after={since}") == sorted([waiting.pk, on_scene.pk])


HUGE = "x" * 100_000


@pytest.mark.parametrize(
    "body",
    [
        {},
        {**INTAKE_BODY, "lat": 95},
        {**INTAKE_BODY, "lon": "east"},
        {**INTAKE_BODY, "nature": "alien"},
        {**INTAKE_BODY, "priority": 7},
        {**INTAKE_BODY, "priority": "1; DROP TABLE"},
        {**INTAKE_BODY, "external_id": HUGE},
        {**INTAKE_BODY, "notes": HUGE},
        {**INTAKE_BODY, "weapons": "sometimes"},
        {**INTAKE_BODY, "language": "english"},
        {**INTAKE_BODY, "received_at": "yesterday"},
        [INTAKE_BODY],
        "call",
    ],
)
def test_malformed_intake_is_a_400_with_the_error_shape(api, body):
    response = api("intake").post("/api/v1/calls/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert CrisisCall.objects.count() == 0


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("transition", {"status": "flying"}),
        ("transition", {"status": ["en_route"]}),
        ("transition", {"note": HUGE, "status": "en_route"}),
        ("assign", {"unit": "CR-12"}),
        ("assign", {"unit": 10**30}),
        ("assign", {"unit": 1, "reason": HUGE}),
        ("outcome", {"disposition": "fine"}),
        ("outcome", {"disposition": "referred", "narrative": HUGE}),
        ("outcome", {"disposition": "referred", "arrest_made": "perhaps"}),
        ("outcome", "not an object"),
    ],
)
def test_malformed_actions_are_400s(api, call_in, member_unit, users, action, body):
    from tests.factories import UserFactory

    call = call_in(S.CLEARED if action == "outcome" else S.DISPATCHED, unit=member_unit)
    both = UserFactory(username="dispatching-supervisor", role="dispatcher")
    both.groups.add(users["supervisor"].groups.get())
    response = api(both).post(f"/api/v1/calls/{call.pk}/{action}/", body, format="json")
    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"]["code"] == "invalid"


def test_a_missing_call_is_a_json_404(api):
    for path in ("/api/v1/calls/999999/", "/api/v1/calls/999999/events/"):
        response = api("dispatcher").get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_the_safety_screens_event_has_no_actor_and_the_schema_allows_it(api):
    """The system's own moves carry no actor: the published schema must say null is possible,
    or a client generated from it rejects the history of every held call."""
    call_id = api("intake").post("/api/v1/calls/", {**INTAKE_BODY, "weapons": True}).json()["id"]
    events = api("dispatcher").get(f"/api/v1/calls/{call_id}/events/").json()
    assert [(e["to_status"], e["actor"]) for e in events] == [("received", "911 CAD (intake)"), ("held", None)]
    schema = api("dispatcher").get("/api/schema/", {"format": "json"}).json()
    assert schema["components"]["schemas"]["Event"]["properties"]["actor"]["nullable"] is True


def test_a_call_dated_in_the_future_or_days_ago_is_refused(api, call_in):
    call_in(S.QUEUED, external_id=None)  # a phoned-in call: a new one without a number is no repeat of it
    body = {"lat": DOWNTOWN[0], "lon": DOWNTOWN[1], "nature": "other", "priority": 3}
    for when in (timezone.now() + timedelta(hours=1), timezone.now() - timedelta(days=3)):
        response = api("intake").post("/api/v1/calls/", {**body, "received_at": when.isoformat()})
        assert response.status_code == 400
        assert "received_at" in response.json()["error"]["fields"]
