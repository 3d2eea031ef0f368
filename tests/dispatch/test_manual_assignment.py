"""A dispatcher's manual assignment and reassignment: which units may be sent by hand, and
what a reassignment keeps and clears."""

import pytest

from dispatch.models import CrisisCall
from dispatch.services import call_assign, call_transition
from units.models import Unit

pytestmark = pytest.mark.django_db
S = CrisisCall.Status


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


def test_an_assign_to_a_deleted_unit_is_a_409(users, call_in, unit_at):
    from coresponder.errors import ConflictError

    call = call_in(S.QUEUED)
    ghost = Unit(pk=999_999, call_sign="GHOST")
    with pytest.raises(ConflictError):
        call_assign(call=call, unit=ghost, actor=users["dispatcher"])


def test_a_dispatcher_may_send_a_uniformed_unit_by_hand(users, call_in, unit_at):
    call = call_in(S.HELD, weapons=True)
    uniformed = unit_at(1, uniformed=True)
    call_assign(call=call, unit=uniformed, actor=users["dispatcher"], reason="a weapon: a uniformed team")
    call.refresh_from_db()
    assert (call.status, call.unit) == (S.DISPATCHED, uniformed)


def test_a_unit_with_an_inactive_member_is_not_sent_even_by_hand(users, call_in, unit_at):
    from coresponder.errors import ConflictError

    call = call_in(S.QUEUED)
    unit = unit_at(1, call_sign="CR-9")
    unit.officer.active = False
    unit.officer.save()
    with pytest.raises(ConflictError) as refusal:
        call_assign(call=call, unit=unit, actor=users["dispatcher"])
    assert refusal.value.fields == {"unit": ["CR-9 has a member who is not active."]}
    call.refresh_from_db()
    assert (call.status, call.unit) == (S.QUEUED, None)
