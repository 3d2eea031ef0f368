"""Serving several waiting calls with several free units: never worse than greedy."""

from datetime import UTC, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch import matching
from dispatch.models import CrisisCall
from dispatch.selectors import Candidate
from dispatch.services import call_auto_assign, call_intake, call_transition, queue_serve
from tests.factories import ClinicianFactory
from tests.places import DOWNTOWN, north_of
from units.models import Unit

S = CrisisCall.Status

costs = st.integers(min_value=1, max_value=6).flatmap(
    lambda rows: st.integers(min_value=rows, max_value=7).flatmap(
        lambda cols: st.lists(
            st.lists(st.floats(min_value=0, max_value=1e4, allow_nan=False), min_size=cols, max_size=cols),
            min_size=rows,
            max_size=rows,
        )
    )
)


@given(costs)
@settings(max_examples=300, deadline=None)
def test_the_plan_is_a_matching_never_worse_than_greedy(cost):
    plan = matching.plan(cost)
    assert len(set(plan)) == len(plan) == len(cost), "each call gets its own unit"
    assert matching.total(cost, plan) <= matching.total(cost, matching.greedy(cost)) + 1e-6


@given(costs)
@settings(max_examples=200, deadline=None)
def test_the_hungarian_answer_is_the_true_minimum(cost):
    from itertools import permutations

    best = min(sum(cost[i][j] for i, j in enumerate(p)) for p in permutations(range(len(cost[0])), len(cost)))
    assert matching.total(cost, matching.hungarian(cost)) == pytest.approx(best, abs=1e-6)


@pytest.mark.django_db
def test_two_calls_and_two_units_freed_at_once_are_matched_better_than_greedy(unit_at):
    """Greedy gives the first call the unit nearest to it, leaving the second call the far one.

    Call A (older) is 1 km north, call B 3 km north. Unit X is 2 km north, unit Y 6 km south.
    Greedy: A takes X (1 km), B gets Y (9 km): 10 km. Optimal: A takes Y (7 km), B takes X (1 km): 8 km.
    """
    x = unit_at(2, status=Unit.Status.OUT_OF_SERVICE, out_of_service_reason="meal", call_sign="X")
    y = unit_at(-6, status=Unit.Status.OUT_OF_SERVICE, out_of_service_reason="meal", call_sign="Y")
    now = timezone.now()
    calls = []
    for km, age in ((1, 5), (3, 1)):
        lat, lon = north_of(DOWNTOWN, km)
        call, _ = call_intake(
            lat=lat, lon=lon, nature="psychosis", priority=2, received_at=now - timedelta(minutes=age)
        )
        call_auto_assign(call_id=call.pk)
        calls.append(call)
    assert set(CrisisCall.objects.values_list("status", flat=True)) == {S.QUEUED}
    Unit.objects.filter(pk__in=[x.pk, y.pk]).update(status=Unit.Status.AVAILABLE, out_of_service_reason="")

    assert queue_serve() == 2

    a, b = (CrisisCall.objects.get(pk=c.pk) for c in calls)
    assert (a.unit.call_sign, b.unit.call_sign) == ("Y", "X")
    total_km = sum(c.assignments.get().eta_seconds for c in (a, b)) / 3600 * 40 / 1.4
    assert total_km == pytest.approx(8, abs=0.05), "greedy would have sent 10 km in all"


@pytest.mark.django_db
def test_an_emergent_call_is_served_before_older_routine_calls_when_one_unit_frees(unit_at):
    unit = unit_at(10, status=Unit.Status.OUT_OF_SERVICE, out_of_service_reason="meal")
    now = timezone.now()
    routine, _ = call_intake(
        lat=DOWNTOWN[0], lon=DOWNTOWN[1], nature="other", priority=3, received_at=now - timedelta(hours=1)
    )
    lat, lon = north_of(DOWNTOWN, 20)
    emergent, _ = call_intake(lat=lat, lon=lon, nature="suicidal_ideation", priority=1)
    for call in (routine, emergent):
        call_auto_assign(call_id=call.pk)
    Unit.objects.filter(pk=unit.pk).update(status=Unit.Status.AVAILABLE, out_of_service_reason="")
    queue_serve()
    emergent.refresh_from_db(), routine.refresh_from_db()
    assert (emergent.status, routine.status) == (S.DISPATCHED, S.QUEUED)


@pytest.mark.django_db
def test_a_new_call_does_not_jump_a_queue_of_older_calls(unit_at):
    """A unit freed while calls wait goes to the queue, not to a call that just came in."""
    unit = unit_at(1, status=Unit.Status.OUT_OF_SERVICE, out_of_service_reason="meal")
    waiting, _ = call_intake(lat=DOWNTOWN[0], lon=DOWNTOWN[1], nature="other", priority=2)
    call_auto_assign(call_id=waiting.pk)
    Unit.objects.filter(pk=unit.pk).update(status=Unit.Status.AVAILABLE, out_of_service_reason="")
    newcomer, _ = call_intake(lat=DOWNTOWN[0], lon=DOWNTOWN[1], nature="other", priority=2)
    call_auto_assign(call_id=newcomer.pk)
    waiting.refresh_from_db(), newcomer.refresh_from_db()
    assert (waiting.status, newcomer.status) == (S.DISPATCHED, S.QUEUED)


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


def test_a_call_only_its_decliner_could_take_does_not_block_the_queue(users, call_in, unit_at):
    only = unit_at(0.2)
    declined = call_in(S.DISPATCHED, unit=only, priority=1)
    call_transition(call=declined, to_status=S.QUEUED, actor=users["dispatcher"])
    behind = call_in(S.QUEUED, priority=3)
    assert queue_serve() == 1
    behind.refresh_from_db(), declined.refresh_from_db()
    assert (behind.unit, declined.status) == (only, S.QUEUED)


# --- The caller's language: the same cost as one call's ranking (selectors.Candidate.cost_seconds) ---


def queue_two_calls_and_free(units, calls_km):
    """Queue a call at each of ``calls_km`` (north of downtown; the first needs Spanish, older
    first), then free ``units`` at once and serve the queue. Returns the calls, re-read."""
    now = timezone.now()
    calls = []
    for index, km in enumerate(calls_km):
        lat, lon = north_of(DOWNTOWN, km)
        call, _ = call_intake(lat=lat, lon=lon, nature="psychosis", priority=2, language="es" if index == 0 else "",
                              received_at=now - timedelta(minutes=5 - index))  # fmt: skip
        call_auto_assign(call_id=call.pk)
        calls.append(call)
    assert set(CrisisCall.objects.values_list("status", flat=True)) == {S.QUEUED}
    Unit.objects.filter(pk__in=[u.pk for u in units]).update(status=Unit.Status.AVAILABLE, out_of_service_reason="")
    queue_serve()
    return [CrisisCall.objects.get(pk=c.pk) for c in calls]


@pytest.mark.django_db
def test_the_queue_sends_a_speaker_up_to_five_minutes_farther_to_the_call_that_needs_her(unit_at):
    """The Spanish call is downtown, the other 1 km north; X is downtown, Y (who speaks Spanish)
    1 km north. By travel alone X takes the Spanish call (0 + 0 s); counting the language the
    two swap (126 + 126 s against 0 + 300 s)."""
    away = {"status": Unit.Status.OUT_OF_SERVICE, "out_of_service_reason": "meal"}
    x = unit_at(0, call_sign="X", **away)
    y = unit_at(1, call_sign="Y", clinician=ClinicianFactory(name="Maya Patel", languages=["en", "es"]), **away)
    spanish, other = queue_two_calls_and_free([x, y], calls_km=(0, 1))
    assert (spanish.unit.call_sign, other.unit.call_sign) == ("Y", "X")
    assert spanish.events.filter(to_status=S.DISPATCHED).get().note.endswith("speaks ES (from the queue)")


@pytest.mark.django_db
def test_beyond_the_extra_time_the_queue_sends_the_nearest(unit_at):
    """As above with the other call and Y 3 km north: swapping would cost 378 + 378 s against 0 + 300 s."""
    away = {"status": Unit.Status.OUT_OF_SERVICE, "out_of_service_reason": "meal"}
    x = unit_at(0, call_sign="X", **away)
    y = unit_at(3, call_sign="Y", clinician=ClinicianFactory(languages=["en", "es"]), **away)
    spanish, other = queue_two_calls_and_free([x, y], calls_km=(0, 3))
    assert (spanish.unit.call_sign, other.unit.call_sign) == ("X", "Y")


candidates = st.lists(
    st.builds(
        Candidate,
        unit_id=st.integers(1, 10_000),
        eta_seconds=st.none() | st.floats(min_value=0, max_value=86_400),
        stale=st.booleans(),
        available_since=st.datetimes(timezones=st.just(UTC)),
        language=st.sampled_from(["", "es"]),
        speaks_language=st.booleans(),
    ),
    min_size=1,
    max_size=8,
    unique_by=lambda c: c.unit_id,
)


@given(candidates, st.sampled_from([0, 300, 900]))
@settings(max_examples=300, deadline=None)
def test_one_calls_ranking_and_the_queues_matching_choose_alike(many, extra):
    """The unit ranked first for a call is one the matching would send it if it were alone."""
    with override_settings(DISPATCH_LANGUAGE_EXTRA_SECONDS=extra):
        best = min(many, key=lambda c: c.rank_key)
        chosen = matching.plan([[c.matching_cost for c in many]])[0]
        assert many[chosen].matching_cost == pytest.approx(best.matching_cost)
