"""Edges found in review: declines, reassignment milestones, unknown locations, clocks, ids."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.models import Assignment, CrisisCall
from dispatch.services import call_assign, call_auto_assign, call_intake, call_transition, queue_serve
from tests.factories import ShiftFactory
from tests.places import DOWNTOWN
from units.models import Unit

pytestmark = pytest.mark.django_db
S = CrisisCall.Status


def test_a_call_given_back_by_its_unit_is_not_sent_to_that_unit_again(users, call_in, unit_at):
    decliner = unit_at(0.2, call_sign="DECLINER")
    call = call_in(S.DISPATCHED, unit=decliner)
    other = unit_at(5, call_sign="OTHER")
    call_transition(call=call, to_status=S.QUEUED, actor=users["dispatcher"], note="unit declined")
    assert call.events.last().unit == decliner, "the event names the unit that gave the call back"
    queue_serve()
    call.refresh_from_db()
    assert call.unit == other


def test_a_declined_call_waits_rather_than_go_back_to_the_only_free_unit(users, call_in, unit_at):
    decliner = unit_at(0.2)
    call = call_in(S.DISPATCHED, unit=decliner)
    call_transition(call=call, to_status=S.QUEUED, actor=users["dispatcher"])
    queue_serve()
    call_auto_assign(call_id=call.pk)
    call.refresh_from_db()
    assert (call.status, call.unit) == (S.QUEUED, None)


def test_reassigning_an_en_route_call_clears_the_old_units_en_route_time(users, call_in, unit_at):
    call = call_in(S.DISPATCHED)
    call_transition(call=call, to_status=S.EN_ROUTE, actor=users["dispatcher"])
    first_dispatch = CrisisCall.objects.get(pk=call.pk).dispatched_at
    call_assign(call=call, unit=unit_at(3), actor=users["dispatcher"], reason="closer")
    call.refresh_from_db()
    assert (call.status, call.en_route_at, call.dispatched_at) == (S.DISPATCHED, None, first_dispatch)
    call_transition(call=call, to_status=S.EN_ROUTE, actor=users["dispatcher"])
    call.refresh_from_db()
    assert call.en_route_at is not None


def test_a_unit_that_never_reported_a_location_is_sent_with_no_made_up_travel_time(unit_at):
    unit_at(None, call_sign="NOFIX")
    call, _ = call_intake(lat=DOWNTOWN[0], lon=DOWNTOWN[1], nature="other", priority=3)
    call_auto_assign(call_id=call.pk)
    assignment = Assignment.objects.get(call=call)
    assert assignment.eta_seconds is None
    assert call.events.last().note == "Eligible unit NOFIX; its location is unknown"


def test_a_move_nobody_asked_for_is_refused_even_when_it_would_change_nothing(users, call_in):
    call = call_in(S.DISPATCHED)
    from coresponder.errors import ApplicationError

    with pytest.raises(ApplicationError) as refusal:
        call_transition(call=call, to_status=S.DISPATCHED, actor=users["intake"])
    assert refusal.value.status_code == 403


def test_releasing_a_held_call_sends_its_assignment_to_the_broker(
    users, call_in, broker_messages, django_capture_on_commit_callbacks
):
    call = call_in(S.HELD, weapons=True)
    with django_capture_on_commit_callbacks(execute=True):
        call_transition(call=call, to_status=S.RECEIVED, actor=users["dispatcher"])
    assert ("dispatch.tasks.assign_call", [call.pk]) in broker_messages()


def test_a_unit_that_logged_on_early_lets_waiting_calls_be_served_when_its_shift_starts(
    broker_messages, unit_at, django_capture_on_commit_callbacks
):
    from units.services import units_follow_clock

    unit_at(1, shift=ShiftFactory(starts_at=timezone.now() - timedelta(seconds=5)))  # already available
    with django_capture_on_commit_callbacks(execute=True):
        units_follow_clock()
    assert ("dispatch.tasks.serve_queue", []) in broker_messages()


def test_a_call_dated_in_the_future_or_days_ago_is_refused(api):
    body = {"lat": DOWNTOWN[0], "lon": DOWNTOWN[1], "nature": "other", "priority": 3}
    for when in (timezone.now() + timedelta(hours=1), timezone.now() - timedelta(days=3)):
        response = api("intake").post("/api/v1/calls/", {**body, "received_at": when.isoformat()})
        assert response.status_code == 400
        assert "received_at" in response.json()["error"]["fields"]


def test_a_patched_unit_on_a_call_still_shows_its_call(api, call_in):
    call = call_in(S.ON_SCENE)
    body = api("supervisor").patch(f"/api/v1/units/{call.unit_id}/", {"call_sign": "CR-77"}).json()
    assert (body["call_sign"], body["current_call"]) == ("CR-77", call.pk)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/units/?date=9999-12-31", "/api/v1/shifts/?date=9999-12-31", "/api/v1/shifts/?week=9999-12-31"],
)  # fmt: skip
def test_dates_at_the_ends_of_the_calendar_are_400s(api, path):
    response = api("supervisor").get(path)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_the_roster_page_survives_a_week_at_the_end_of_the_calendar(client, users):
    client.force_login(users["supervisor"])
    assert client.get("/roster/?week=9999-12-31").status_code == 200


def test_a_login_with_another_role_cannot_become_a_clinicians(api, users):
    response = api("supervisor").post(
        "/api/v1/clinicians/", {"name": "X", "credential": "LCSW", "username": "dispatcher"}
    )
    assert response.status_code == 409
    assert response.json()["error"]["fields"] == {"username": ["Belongs to a login with another role."]}


def test_an_estimator_answering_nonsense_falls_back_to_the_straight_line(settings, unit_at):
    settings.DISPATCH_ETA_ESTIMATOR = "tests.dispatch.test_review_fixes.AbsurdEstimator"
    from dispatch import eta

    eta._configured_estimator.cache_clear()
    try:
        assert eta.travel_seconds([(38.64, -90.2)], DOWNTOWN)[0] == pytest.approx(
            eta.StraightLineEstimator().seconds([(38.64, -90.2)], DOWNTOWN)[0]
        )
    finally:
        eta._configured_estimator.cache_clear()


class AbsurdEstimator:
    def seconds(self, origins, destination):
        return [2**40 for _ in origins]


def test_an_assign_to_a_deleted_unit_is_a_409(users, call_in, unit_at):
    from coresponder.errors import ConflictError

    call = call_in(S.QUEUED)
    ghost = Unit(pk=999_999, call_sign="GHOST")
    with pytest.raises(ConflictError):
        call_assign(call=call, unit=ghost, actor=users["dispatcher"])


def test_a_call_only_its_decliner_could_take_does_not_block_the_queue(users, call_in, unit_at):
    only = unit_at(0.2)
    declined = call_in(S.DISPATCHED, unit=only, priority=1)
    call_transition(call=declined, to_status=S.QUEUED, actor=users["dispatcher"])
    behind = call_in(S.QUEUED, priority=3)
    assert queue_serve() == 1
    behind.refresh_from_db(), declined.refresh_from_db()
    assert (behind.unit, declined.status) == (only, S.QUEUED)
