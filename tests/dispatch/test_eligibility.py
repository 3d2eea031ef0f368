"""Which units may be sent: the one rule (dispatch.eligibility) in its two forms, a sentence for
one unit and a query for the ranking, agree on every combination of what makes a unit eligible."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.eligibility import eligible_units, why_not
from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory, UnitFactory
from units.models import Unit

pytestmark = pytest.mark.django_db

SHIFTS = {"on shift": (-1, 7), "not started": (1, 9), "ended": (-9, -1)}  # hours from now


def test_the_ranking_query_and_the_rule_agree_on_every_kind_of_unit():
    now = timezone.now()
    shifts = {
        name: ShiftFactory(starts_at=now + timedelta(hours=start), ends_at=now + timedelta(hours=end))
        for name, (start, end) in SHIFTS.items()
    }
    combinations = itertools.product(Unit.Status.values, [False, True], SHIFTS, [True, False], [True, False])
    units = []
    for index, (status, uniformed, shift, clinician_active, officer_active) in enumerate(combinations):
        units.append(
            UnitFactory(
                call_sign=f"U-{index}",
                shift=shifts[shift],
                status=status,
                out_of_service_reason="meal" if status == Unit.Status.OUT_OF_SERVICE else "",
                uniformed=uniformed,
                clinician=ClinicianFactory(active=clinician_active),
                officer=OfficerFactory(active=officer_active),
            )
        )
    by_query = set(eligible_units(now).values_list("pk", flat=True))
    by_rule = {unit.pk for unit in units if why_not(unit, now) is None}
    assert by_query == by_rule
    # Exactly one kind of unit may go: available, not uniformed, on shift, both members active.
    assert len(by_rule) == 1


@pytest.mark.parametrize(
    ("fields", "short"),
    [
        ({"status": Unit.Status.ON_SCENE}, "busy: on scene"),
        ({"status": Unit.Status.OUT_OF_SERVICE, "out_of_service_reason": "meal"}, "out of service (meal)"),
        ({"uniformed": True}, "uniformed"),
    ],
)
def test_the_rule_says_why_a_unit_may_not_go_automatically(unit_at, fields, short):
    unit = unit_at(1, **fields)
    assert why_not(unit, timezone.now()).short == short


def test_a_dispatcher_by_hand_may_choose_a_uniformed_unit_and_nothing_else_that_is_refused(unit_at):
    now = timezone.now()
    assert why_not(unit_at(1, uniformed=True), now, by_hand=True) is None
    assert why_not(unit_at(1, status=Unit.Status.EN_ROUTE), now, by_hand=True) is not None


@pytest.mark.parametrize(
    ("clinician_active", "officer_active", "sentence"),
    [
        (False, True, "CR-7 cannot go: Dana Whitfield (clinician) is not active."),
        (True, False, "CR-7 cannot go: Robert Lane (officer) is not active."),
        (False, False, "CR-7 cannot go: Dana Whitfield (clinician) and Robert Lane (officer) are not active."),
    ],
)
def test_a_unit_with_an_inactive_member_is_refused_by_hand_too_naming_who(
    unit_at, clinician_active, officer_active, sentence
):
    unit = unit_at(
        1,
        call_sign="CR-7",
        clinician=ClinicianFactory(name="Dana Whitfield", active=clinician_active),
        officer=OfficerFactory(name="Robert Lane", active=officer_active),
    )
    now = timezone.now()
    assert why_not(unit, now).sentence == why_not(unit, now, by_hand=True).sentence == sentence
    assert unit.pk not in set(eligible_units(now).values_list("pk", flat=True))
