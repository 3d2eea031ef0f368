"""The state machine: every move in the table works for those allowed to make it, every other
move is refused with 409 and changes nothing (SPEC §2)."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from coresponder.errors import ApplicationError, ConflictError
from dispatch import transitions
from dispatch.models import Assignment, CrisisCall
from dispatch.services import call_transition
from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory
from units.models import Unit

pytestmark = pytest.mark.django_db
S = CrisisCall.Status
ALL_PAIRS = [(a, b) for a, b in itertools.product(S.values, S.values) if a != b]
# Dispatching needs a unit and goes through assign; closing goes through the outcome.
THROUGH_OTHER_SERVICES = {S.DISPATCHED, S.CLOSED}


def snapshot(call):
    call.refresh_from_db()
    return (call.status, call.unit_id, call.events.count(), Assignment.objects.filter(ended_at__isnull=True).count())


@pytest.mark.parametrize(("from_status", "to_status"), ALL_PAIRS)
def test_a_dispatcher_makes_exactly_the_moves_in_the_table(users, call_in, from_status, to_status):
    call = call_in(from_status)
    before = snapshot(call)
    allowed = transitions.may_move(transitions.DISPATCHER, from_status, to_status)
    if allowed and to_status not in THROUGH_OTHER_SERVICES:
        call_transition(call=call, to_status=to_status, actor=users["dispatcher"], source="api", note="test")
        call.refresh_from_db()
        assert call.status == to_status
        event = call.events.last()
        assert (event.from_status, event.to_status, event.actor, event.source) == (
            from_status, to_status, users["dispatcher"], "api"
        )  # fmt: skip
    else:
        with pytest.raises(ConflictError) as refusal:
            call_transition(call=call, to_status=to_status, actor=users["dispatcher"])
        assert refusal.value.status_code == 409
        assert snapshot(call) == before


def test_an_illegal_move_says_why_in_words(users, call_in):
    call = call_in(S.CLOSED)
    with pytest.raises(ConflictError) as refusal:
        call_transition(call=call, to_status=S.EN_ROUTE, actor=users["dispatcher"])
    assert refusal.value.detail == "A call that is closed cannot become en route."


def test_moving_to_the_current_status_changes_nothing(users, call_in):
    call = call_in(S.EN_ROUTE)
    before = snapshot(call)
    call_transition(call=call, to_status=S.EN_ROUTE, actor=users["dispatcher"])
    assert snapshot(call) == before


@pytest.fixture
def member_unit(users, unit_at):
    return unit_at(
        1, clinician=ClinicianFactory(user=users["clinician"]), officer=OfficerFactory(user=users["officer"])
    )


def test_members_move_their_call_through_en_route_on_scene_transporting_and_cleared(users, call_in, member_unit):
    call = call_in(S.DISPATCHED, unit=member_unit)
    for who, status in [
        ("officer", S.EN_ROUTE),
        ("clinician", S.ON_SCENE),
        ("officer", S.TRANSPORTING),
        ("clinician", S.CLEARED),
    ]:
        call_transition(call=call, to_status=status, actor=users[who])
        member_unit.refresh_from_db()
        expected_unit = Unit.Status.AVAILABLE if status == S.CLEARED else status
        assert member_unit.status == expected_unit, "the unit's status follows its call"
    call.refresh_from_db()
    assert all((call.en_route_at, call.on_scene_at, call.cleared_at))
    assert call.unit == member_unit, "a cleared call remembers its unit"
    assert call.assignments.get().end_reason == Assignment.EndReason.CLEARED


@pytest.mark.parametrize("to_status", [S.CANCELLED, S.QUEUED])
def test_members_cannot_cancel_or_give_back_their_call(users, call_in, member_unit, to_status):
    call = call_in(S.DISPATCHED, unit=member_unit)
    with pytest.raises(ApplicationError) as refusal:
        call_transition(call=call, to_status=to_status, actor=users["clinician"])
    assert refusal.value.status_code == 403


def test_a_member_of_another_unit_cannot_move_the_call(users, call_in, member_unit):
    call = call_in(S.DISPATCHED)  # some other unit
    with pytest.raises(ApplicationError) as refusal:
        call_transition(call=call, to_status=S.EN_ROUTE, actor=users["clinician"])
    assert refusal.value.status_code == 403


def test_cancelling_a_dispatched_call_frees_its_unit(users, call_in):
    call = call_in(S.EN_ROUTE)
    call_transition(call=call, to_status=S.CANCELLED, actor=users["dispatcher"], note="caller called back")
    call.unit.refresh_from_db()
    assert call.unit.status == Unit.Status.AVAILABLE
    assert call.assignments.get().end_reason == Assignment.EndReason.CANCELLED


def test_a_unit_whose_shift_ended_during_the_call_goes_off_duty_when_cleared(users, call_in, unit_at):

    late = unit_at(1, shift=ShiftFactory(starts_at=timezone.now() - timedelta(hours=9)))
    call = call_in(S.ON_SCENE, unit=late)
    call_transition(call=call, to_status=S.CLEARED, actor=users["dispatcher"])
    late.refresh_from_db()
    assert late.status == Unit.Status.OFF_DUTY


def test_a_dispatched_call_given_back_to_the_queue_loses_its_unit(users, call_in):
    call = call_in(S.DISPATCHED)
    unit = call.unit
    call_transition(call=call, to_status=S.QUEUED, actor=users["dispatcher"], note="unit declined")
    call.refresh_from_db()
    unit.refresh_from_db()
    assert (call.status, call.unit, unit.status) == (S.QUEUED, None, Unit.Status.AVAILABLE)


def test_releasing_a_held_call_sends_it_to_the_automatic_dispatcher(users, call_in, django_capture_on_commit_callbacks):
    call = call_in(S.HELD, weapons=True)
    with django_capture_on_commit_callbacks() as callbacks:
        call_transition(call=call, to_status=S.RECEIVED, actor=users["dispatcher"], note="weapon secured by family")
    assert call.events.last().note == "weapon secured by family"
    assert len(callbacks) == 1, "the assignment task is queued after commit"


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
        call_transition(call=call, to_status=S.RECEIVED, actor=users["dispatcher"], note="knife put away")
    assert ("dispatch.tasks.assign_call", [call.pk]) in broker_messages()
