"""A dispatcher's manual assignment and reassignment: which units may be sent by hand, and
what a reassignment keeps and clears."""

import pytest

from dispatch.models import CrisisCall
from dispatch.services import call_assign, call_transition
from units.models import Clinician, Unit

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
    unit = unit_at(1, call_sign="CR-9", officer__name="Robert Lane")
    unit.officer.active = False
    unit.officer.save()
    with pytest.raises(ConflictError) as refusal:
        call_assign(call=call, unit=unit, actor=users["dispatcher"])
    assert refusal.value.fields == {"unit": ["CR-9 cannot go: Robert Lane (officer) is not active."]}
    call.refresh_from_db()
    assert (call.status, call.unit) == (S.QUEUED, None)


def test_a_clinician_deactivated_through_the_api_keeps_their_unit_off_a_call_sent_by_hand(api, call_in, unit_at):
    """The black-box probe: a supervisor deactivates a clinician; a dispatcher then sends their
    unit to a call, by the API and by the board. Both are refused, naming the clinician, and the
    assign menu shows why. (While the unit is on shift the API refuses the deactivation itself --
    take the unit off the roster first -- so the clinician is marked inactive in the database, as
    a change outside the services would.)"""
    call = call_in(S.QUEUED)
    unit = unit_at(1, call_sign="CR-4", clinician__name="Dana Whitfield")
    deactivated = api("supervisor").patch(f"/api/v1/clinicians/{unit.clinician_id}/", {"active": False}, format="json")
    assert deactivated.status_code == 409 and deactivated.json()["error"]["code"] == "on_current_unit"
    Clinician.objects.filter(pk=unit.clinician_id).update(active=False)

    refused = api("dispatcher").post(f"/api/v1/calls/{call.pk}/assign/", {"unit": unit.pk}, format="json")

    assert refused.status_code == 409
    assert refused.json()["error"]["detail"] == "CR-4 cannot go: Dana Whitfield (clinician) is not active."
    call.refresh_from_db()
    unit.refresh_from_db()
    assert (call.status, call.unit, unit.status) == (S.QUEUED, None, Unit.Status.AVAILABLE)


def test_the_board_refuses_a_unit_with_an_inactive_member_and_its_menu_says_who(client, users, call_in, unit_at):
    call = call_in(S.QUEUED)
    unit = unit_at(1, call_sign="CR-5", clinician__name="Dana Whitfield", officer__name="Robert Lane")
    for person in (unit.clinician, unit.officer):
        person.active = False
        person.save()
    client.force_login(users["dispatcher"])

    menu = client.get(f"/board/calls/{call.pk}/recommend/").content.decode()
    client.post(f"/board/calls/{call.pk}/assign/", {"unit": unit.pk})

    assert "inactive: Dana Whitfield (clinician) and Robert Lane (officer)" in menu
    call.refresh_from_db()
    assert (call.status, call.unit) == (S.QUEUED, None)
