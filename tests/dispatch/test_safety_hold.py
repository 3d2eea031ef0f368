"""The safety hold holds on every path (SPEC §2): a flagged call is never sent automatically to a
plain-clothes unit until a dispatcher releases it -- at intake, from the queue, after a manual
dispatch comes back, after a flag is raised later. Backed by the database."""

import pytest
from django.db import IntegrityError, transaction

from dispatch.models import Assignment, CrisisCall
from dispatch.services import call_assign, call_auto_assign, call_intake, call_transition, call_update, queue_serve
from tests.places import DOWNTOWN

pytestmark = pytest.mark.django_db
S = CrisisCall.Status


def new_call(**fields):
    return call_intake(lat=DOWNTOWN[0], lon=DOWNTOWN[1], nature="psychosis", priority=1, **fields)[0]


@pytest.mark.parametrize("flag", CrisisCall.SAFETY_FLAGS)
def test_a_call_with_any_safety_flag_is_held_and_not_sent_while_units_are_free(unit_at, flag):
    unit_at(0.5)
    call = new_call(**{flag: True})
    call_auto_assign(call_id=call.pk)
    queue_serve()
    call.refresh_from_db()
    assert (call.status, call.unit) == (S.HELD, None)
    assert call.events.last().note.startswith("Safety screen:")


def test_a_flagged_call_sent_by_hand_and_given_back_waits_held_and_the_queue_never_sends_it(users, unit_at):
    """The defect found in review: held, sent by hand, given back -- then sent automatically."""
    first, other = unit_at(0.5, call_sign="CR-1"), unit_at(1, call_sign="CR-2")
    call = new_call(weapons=True)
    call_assign(call=call, unit=first, actor=users["dispatcher"], reason="officer knows the family")
    call_transition(call=call, to_status=S.QUEUED, actor=users["dispatcher"], note="unit declined")
    call.refresh_from_db()
    assert (call.status, call.unit) == (S.HELD, None)
    assert "not released: held for a dispatcher's review" in call.events.last().note
    assert queue_serve() == 0
    call_auto_assign(call_id=call.pk)
    call.refresh_from_db()
    assert call.status == S.HELD
    assert not Assignment.objects.filter(call=call, unit=other).exists()


def test_a_release_is_recorded_and_lets_the_automatic_dispatcher_send_the_call(users, unit_at):
    unit = unit_at(0.5)
    call = new_call(violence=True)
    call_transition(call=call, to_status=S.RECEIVED, actor=users["dispatcher"], note="neighbour confirms he is calm")
    call.refresh_from_db()
    assert call.released_by == users["dispatcher"] and call.released_at is not None
    call_auto_assign(call_id=call.pk)
    call.refresh_from_db()
    assert (call.status, call.unit) == (S.DISPATCHED, unit)
    # Released once, it may wait in the queue like any call if its unit gives it back.
    call_transition(call=call, to_status=S.QUEUED, actor=users["dispatcher"])
    call.refresh_from_db()
    assert call.status == S.QUEUED


def test_a_flag_raised_after_the_release_holds_the_call_again_and_lowering_it_never_releases(users, call_in):
    call = call_in(S.QUEUED)
    call_update(call=call, actor=users["intake"], source="api", medical_emergency=True)
    call.refresh_from_db()
    assert (call.status, call.released_at) == (S.HELD, None)
    call_transition(call=call, to_status=S.RECEIVED, actor=users["dispatcher"], note="EMS on scene first")
    call_update(call=call, actor=users["intake"], source="api", self_harm_in_progress=True)
    call.refresh_from_db()
    assert (call.status, call.released_at) == (S.HELD, None), "a new flag needs a new release"
    call_update(call=call, actor=users["intake"], source="api", medical_emergency=False, self_harm_in_progress=False)
    call.refresh_from_db()
    assert call.status == S.HELD, "lowering a flag never releases"


@pytest.mark.parametrize("status", [S.RECEIVED, S.QUEUED])
def test_the_database_refuses_a_flagged_unreleased_call_where_the_automatic_dispatcher_looks(call_in, status):
    call = call_in(S.HELD, weapons=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        CrisisCall.objects.filter(pk=call.pk).update(status=status)


def test_a_flagged_call_is_released_only_with_a_safety_review_note_which_the_history_keeps(api, users, call_in):
    call = call_in(S.HELD, weapons=True)
    refused = api("dispatcher").post(f"/api/v1/calls/{call.pk}/transition/", {"status": "received"}, format="json")
    assert refused.status_code == 400 and "note" in refused.json()["error"]["fields"]
    call.refresh_from_db()
    assert (call.status, call.released_at) == (S.HELD, None)
    note = "Knife locked in the car by the brother; caller calm"
    api("dispatcher").post(f"/api/v1/calls/{call.pk}/transition/", {"status": "received", "note": note}, format="json")
    call.refresh_from_db()
    assert call.status != S.HELD and call.events.filter(to_status=S.RECEIVED).get().note == note


def test_a_call_held_without_a_flag_is_released_without_a_note(users, call_in):
    call = call_in(S.HELD)
    call_transition(call=call, to_status=S.RECEIVED, actor=users["dispatcher"])
    call.refresh_from_db()
    assert call.status == S.RECEIVED


def test_a_flagged_call_sent_by_hand_before_its_release_needs_the_dispatchers_reason(api, call_in, unit_at):
    call = call_in(S.HELD, weapons=True)
    unit = unit_at(1)
    refused = api("dispatcher").post(f"/api/v1/calls/{call.pk}/assign/", {"unit": unit.pk}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()["error"]["fields"]
    sent = api("dispatcher").post(f"/api/v1/calls/{call.pk}/assign/", {"unit": unit.pk, "reason": "uniformed backup"},
                                  format="json")  # fmt: skip
    assert sent.status_code == 200 and sent.json()["status"] == S.DISPATCHED
